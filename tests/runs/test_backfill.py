"""`newsarchive backfill`: a site's past from a CDX server. pywb serves a wget crawl of the replica as the
archive (its CDX API and its id_ replay); a server of our own pages its CDX listing as the Wayback Machine
does, stalls or fails some pages, and serves WARC files to range requests as Common Crawl does."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from archive.api import Archive
from archive.warc.foreign import SourceRecord, SourceReport, read_source
from archive.warc.verify import verify_directory
from devkit.extraction_score import token_f1
from replica import ReplicaServer
from tests.conftest import ROOT, cli_command, cli_env, run_cli
from tests.helpers import assert_one_line_error, on_a_terminal, serve_collection, store_for
from tests.web_archive_server import WebArchiveServer


@pytest.fixture(scope="module")
def pywb_archive(wget_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb serving the wget crawl as the collection ``past``: yields its base URL."""
    yield from serve_collection("past", [wget_warc], tmp_path_factory.mktemp("pywb"))


def _backfill(data: Path, *args: str) -> dict[str, Any]:
    result = run_cli("backfill", *args, "--json", "--delay", "0", data=data)
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    report["exit"] = result.returncode
    return report


def _sources(wget_warc: Path) -> list[SourceRecord]:
    return list(read_source(io.BytesIO(wget_warc.read_bytes()), SourceReport()))


def test_a_site_is_backfilled_from_pywb_and_a_second_run_adds_nothing(replica: ReplicaServer, wget_warc: Path,
                                                                      pywb_archive: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = _backfill(data, replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx")
    assert report["exit"] == 0, report
    truth = {str(t["url"]): t for t in replica.site.truth()}
    stamps: dict[str, str] = {}  # the first capture of each URL
    for r in _sources(wget_warc):
        if r.type == "response":
            stamps.setdefault(r.target_uri, r.date)
    crawled = [url for url in truth if url in stamps]
    assert len(crawled) >= 15
    with Archive(store_for(data)) as archive:
        stored = {s.url: s for s in archive.search(limit=None)}
        assert set(crawled) <= stored.keys()
        scores = [token_f1(stored[url].text, "\n\n".join(truth[url]["paragraphs"]))  # type: ignore[arg-type]
                  for url in crawled]
        assert mean(scores) >= 0.95, sorted(scores)[:3]
        for url in crawled:
            snippet = stored[url]
            assert snippet.source == "backfill"
            assert snippet.published == truth[url]["published"]
            # the capture's time, to the second (a CDX timestamp has no finer grain)
            assert datetime.fromisoformat(snippet.fetched_at) == datetime.fromisoformat(stamps[url])
            origin = archive.origin(snippet)
            assert origin is not None
            assert origin.origin.startswith(f"{pywb_archive}/past/")
            assert "id_/" in origin.origin
            assert archive.record(snippet).status == 200
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []
    again = _backfill(data, replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx")
    assert again["copied"] == 0
    assert again["pages"] == 0
    assert again["already_imported"] == report["copied"]
    assert again["archive_requests"] == 2  # the listing (asked whether it pages, then read): no capture fetched


def _rows(wget_warc: Path) -> list[dict[str, Any]]:
    """The HTML captures of the wget file as a CDX index lists them, with their place in the file."""
    rows = []
    for r in _sources(wget_warc):
        if r.type == "response" and r.http_status == 200 and "html" in r.http_header("Content-Type"):
            rows.append({"urlkey": r.target_uri, "timestamp": "".join(ch for ch in r.date if ch.isdigit())[:14],
                         "original": r.target_uri, "mimetype": "text/html", "statuscode": "200",
                         "digest": r.header("WARC-Payload-Digest").removeprefix("sha1:"), "length": r.length,
                         "offset": r.offset, "filename": "crawl/replica.warc.gz"})
    return rows


def test_paged_listing_with_a_stalled_and_a_failing_page_and_range_requests(replica: ReplicaServer,
                                                                             wget_warc: Path, tmp_path: Path) -> None:
    """Pages are read one by one; a page that times out is asked again and read; a page that keeps failing
    is reported and the others are backfilled. With a data URL each capture is the archive's own record,
    byte for byte, fetched by a range request."""
    served = tmp_path / "served" / "crawl"
    served.mkdir(parents=True)
    shutil.copy(wget_warc, served / "replica.warc.gz")
    rows = _rows(wget_warc)
    members = {r.record_id: r.member for r in _sources(wget_warc)}
    with WebArchiveServer(rows, tmp_path / "served", page_size=5, stall={1: 1}, stall_seconds=3,
                          fail={3}) as web:
        data = tmp_path / "data"
        report = _backfill(data, replica.base_url + "/", "--cdx", f"{web.base_url}/cdx",
                           "--data-url", f"{web.base_url}/data", "--timeout", "1")
        assert report["exit"] == 1
        assert len(report["cdx_pages_failed"]) == 1
        assert report["cdx_pages_failed"][0].startswith("page 3:")
        assert report["archive_retries"] >= 1 + 4  # the stalled page once, the failing one to the end
        stalled = [r for r in web.requests if "page=1&" in r or r.endswith("page=1")]
        assert len(stalled) == 2
        articles = {str(t["url"]) for t in replica.site.truth()}
        expected = {r["original"] for i, r in enumerate(rows) if i // 5 != 3} & articles
        assert len(expected) >= 10
        with Archive(store_for(data)) as archive:
            versions = {s.url: s for s in archive.search(limit=None, all_versions=True)}
            assert expected <= versions.keys()
            for snippet in versions.values():
                with (data / "warc" / snippet.warc_file).open("rb") as f:
                    f.seek(snippet.warc_offset)
                    assert f.read(snippet.warc_length) == members[snippet.warc_record_id]
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []


def test_a_capture_the_archive_does_not_have_is_counted(replica: ReplicaServer, wget_warc: Path, pywb_archive: str,
                                                        tmp_path: Path) -> None:
    """The index lists a capture whose replay is a 404: it is counted and the backfill goes on."""
    rows = _rows(wget_warc)[:3]
    ghost = {**rows[0], "original": replica.base_url + "/2024/01/01/never-archived/", "timestamp": "20240101000000"}
    with WebArchiveServer([*rows, ghost], tmp_path, page_size=50) as web:
        data = tmp_path / "data"
        report = _backfill(data, replica.base_url + "/", "--cdx", f"{web.base_url}/cdx", "--replay",
                           f"{pywb_archive}/past")
    assert report["captures_missing"] == 1
    assert report["failed"] == {"capture_missing": 1}
    assert report["copied"] == len({r["original"] for r in rows})


def test_limit_and_dates_bound_what_is_fetched(replica: ReplicaServer, pywb_archive: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = _backfill(data, replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx", "--limit", "3")
    assert report["copied"] == 3
    none = _backfill(tmp_path / "other", replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx",
                     "--until", "2001-01-01")
    assert none["copied"] == 0
    assert none["captures_listed"] == 0


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("backfill", "not a target", "--cdx", "http://127.0.0.1:9/cdx",
                                  data=tmp_path / "d"), "neither a URL")
    assert_one_line_error(run_cli("backfill", "rki.news", "--cdx", "ftp://x", data=tmp_path / "d"), "--cdx")
    assert_one_line_error(run_cli("backfill", "rki.news", "--cdx", "http://127.0.0.1:9/cdx", "--limit", "0",
                                  data=tmp_path / "d"), "--limit")
    unreachable = run_cli("backfill", "https://example.org/", "--cdx", "http://127.0.0.1:9/cdx", "--delay", "0",
                          "--timeout", "1", "--retries", "1", data=tmp_path / "d")
    assert_one_line_error(unreachable, "did not answer")


def test_a_backfill_killed_midway_resumes_where_it_stopped(replica: ReplicaServer, pywb_archive: str,
                                                           tmp_path: Path) -> None:
    """SIGKILL in the middle of a backfill; run again, it fetches only what it does not hold, and ends with
    what an uninterrupted backfill gives, every record once."""
    whole = _backfill(tmp_path / "whole", replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx")
    data = tmp_path / "data"
    command = cli_command("backfill", replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx", "--delay", "0.2",
                          "--workers", "0", data=data)
    process = subprocess.Popen(command, cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((data / "warc").glob("backfill-*.open")):
        time.sleep(0.1)
    time.sleep(2)  # some captures copied, some committed
    process.kill()
    process.wait()
    rest = _backfill(data, replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx")
    assert 0 < rest["copied"] < whole["copied"]
    assert rest["copied"] + rest["already_imported"] == whole["copied"]
    with Archive(store_for(tmp_path / "whole")) as a, Archive(store_for(data)) as b:
        assert {s.url: s.text for s in b.search(limit=None)} == {s.url: s.text for s in a.search(limit=None)}
    reports = verify_directory(data / "warc")
    assert [p for r in reports for p in r.problems] == []  # no record twice (A5), no .open file left (C6)


def test_backfill_on_a_terminal_shows_captures_done_of_all(replica: ReplicaServer, pywb_archive: str,
                                                           tmp_path: Path) -> None:
    code, out = on_a_terminal(["backfill", replica.base_url + "/", "--cdx", f"{pywb_archive}/past/cdx", "--delay",
                               "0.05", "--workers", "0"], tmp_path)
    assert code == 0
    done = [(int(a), int(b)) for a, b in re.findall(rb"backfill: captures .*? (\d+)/(\d+)", out)]
    assert done, out[-2000:]
    assert len({total for _, total in done}) == 1
    assert done == sorted(done)
    assert re.search(rb"backfill [\w-]+: \d+ capture\(s\) listed under", out.rsplit(b"left", 1)[-1])
