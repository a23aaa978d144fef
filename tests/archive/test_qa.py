"""`newsarchive qa`: archived pages replayed through pywb in headless Chromium, every request they make
checked: served from the archive, missing, or (never) sent to the live web."""

from __future__ import annotations

import json
from pathlib import Path

from replica import ReplicaServer
from tests.conftest import Crawl, copy_archive, crawl, run_cli
from tests.helpers import assert_one_line_error

SAMPLE = 8


def test_replica_pages_replay_with_everything_the_live_site_served(replica_crawl: Crawl, tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)  # replay writes its index into the data directory
    result = run_cli("qa", "--sample", str(SAMPLE), "--json", data=data)
    assert result.returncode == 0, result.stderr + result.stdout[-3000:]
    report = json.loads(result.stdout)
    totals = report["totals"]
    assert totals["pages"] == totals["pages_ok"] == SAMPLE
    assert totals["left_for_live_web"] == 0
    assert totals["missing_archivable"] == 0
    for page in report["pages"]:
        assert page["title_found"], page["url"]
        names = {url.rsplit("/", 1)[-1] for url in page["served"]}
        assert {"style.css?ver=12.6.5", "fonts.css", "roboto-regular.woff2", "bg-pattern.png",
                "jquery.min.js?ver=3.7.1"} <= names  # the stylesheet and what it loads: the layout replays
        assert any("/photo-" in url for url in page["served"])  # and the photo
        # the one thing not served is the tracker on the live web, which a crawl of a local origin leaves out
        assert [url for url in page["missing"]] == ["https://www.googletagmanager.com/gtag/js?id=G-XXXX"]


def test_pages_archived_without_their_resources_fail_the_check(replica: ReplicaServer, tmp_path: Path) -> None:
    crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--max-articles", "2", "--resources", "none")
    result = run_cli("qa", "--sample", "2", data=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "missing from the archive: " in result.stdout
    assert "0 of 2 page(s) replay complete" in result.stdout


def test_qa_refuses_what_it_cannot_check(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("qa", "--sample", "0", data=tmp_path), "--sample must be at least 1")
    assert_one_line_error(run_cli("qa", data=tmp_path / "none"), "no archive in")
