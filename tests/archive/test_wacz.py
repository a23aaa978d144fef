"""WACZ for sharing: selected articles of a replica crawl exported as a WACZ, checked with the wacz package's
validator, warcio, and replayed by pywb from the package."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import archive
from archive import browser
from archive.warc.qa import check_page
from archive.warc.replay import tool
from tests.conftest import Crawl, run_cli
from tests.helpers import fetch, serve_wacz, store_for


@pytest.fixture(scope="module")
def urdu_wacz(replica_crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wacz") / "urdu.wacz"
    result = run_cli("export", "--format", "wacz", "--language", "ur", "-o", str(path), data=replica_crawl.data)
    assert result.returncode == 0, result.stderr
    return path


def test_the_wacz_validator_accepts_it_and_rejects_a_damaged_copy(urdu_wacz: Path, tmp_path: Path) -> None:
    valid = subprocess.run([tool("wacz"), "validate", "-f", urdu_wacz], capture_output=True, text=True, check=False)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    damaged = tmp_path / "damaged.wacz"
    with zipfile.ZipFile(urdu_wacz) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data.replace(b'"ts"', b'"tz"', 1) if item.filename == "pages/pages.jsonl" else data)
    invalid = subprocess.run([tool("wacz"), "validate", "-f", damaged], capture_output=True, text=True, check=False)
    assert invalid.returncode != 0  # the recorded hash no longer matches


def test_the_package_holds_the_selected_articles_records_and_text(urdu_wacz: Path, replica_crawl: Crawl,
                                                                 tmp_path: Path) -> None:
    with archive.open(store_for(replica_crawl.data)) as a:
        urdu = {s.url: s for s in a.search(language="ur")}
    with zipfile.ZipFile(urdu_wacz) as z:
        assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED  # read by offset
        package = json.loads(z.read("datapackage.json"))
        for resource in package["resources"]:
            data = z.read(resource["path"])
            assert (len(data), "sha256:" + hashlib.sha256(data).hexdigest()) == (resource["bytes"], resource["hash"])
        digest = json.loads(z.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest()
        header, *pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()]
        z.extract("archive/data.warc.gz", tmp_path)
        index = z.read("indexes/index.cdx").decode().splitlines()
    assert package["wacz_version"] == "1.1.1"
    assert header["format"] == "json-pages-1.0"
    assert len(urdu) > 10
    assert {p["url"]: (p["title"], p["text"]) for p in pages} == {u: (s.title, s.text) for u, s in urdu.items()}
    warc = tmp_path / "archive" / "data.warc.gz"
    check = subprocess.run([Path(sys.executable).parent / "warcio", "check", "-v", warc], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout[-2000:]
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
    assert set(urdu) <= indexed  # every article page can be looked up


@pytest.fixture(scope="module")
def shared_replay(urdu_wacz: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb serving the package as a collection of its own (``shared``), as a colleague would import it."""
    yield from serve_wacz(urdu_wacz, tmp_path_factory.mktemp("pywb"))


def test_pywb_replays_an_article_from_the_package(urdu_wacz: Path, shared_replay: str) -> None:
    with zipfile.ZipFile(urdu_wacz) as z:
        page = json.loads(z.read("pages/pages.jsonl").splitlines()[1])
    stamp = "".join(c for c in page["ts"] if c.isdigit())
    body = fetch(f"{shared_replay}/shared/{stamp}id_/{page['url']}").decode("utf-8")
    assert page["title"] in body


def test_the_package_replays_pages_with_their_styles_and_images(urdu_wacz: Path, shared_replay: str,
                                                                replica_crawl: Crawl, chromium: str) -> None:
    with archive.open(store_for(replica_crawl.data)) as a:
        pages = list(a.search(language="ur", limit=4))
        with browser.chromium() as chrome:
            context = chrome.new_context(service_workers="block")
            checks = [check_page(context, shared_replay, s, a.resources(s), collection="shared") for s in pages]
    for check in checks:
        assert check.title_found, check
        assert not check.error, check
        assert check.left_for_live_web == []
        assert check.missing_archivable == []  # every resource the crawl archived came along in the package
        names = {url.rsplit("/", 1)[-1] for url in check.served}
        assert {"style.css?ver=12.6.5", "fonts.css", "roboto-regular.woff2", "bg-pattern.png"} <= names
        assert any("/photo-" in url for url in check.served)
    with zipfile.ZipFile(urdu_wacz) as z:
        description = json.loads(z.read("datapackage.json"))["description"]
    assert "capture(s) of what they need to render" in description


def test_a_wacz_goes_to_a_file_only(replica_crawl: Crawl) -> None:
    result = run_cli("export", "--format", "wacz", "-o", "-", data=replica_crawl.data)
    assert result.returncode == 2
    assert "WACZ cannot go to stdout" in result.stderr
