"""The replica crawl's WARC files against the verifier's rules (docs/data.md) and third-party readers."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.read import read_response
from archive.warc.verify import FileReport, verify_directory
from archive.warc.write import FILENAME_RE, sha1_digest
from crawler.sites import profile_class
from replica import ReplicaServer
from tests.conftest import Crawl, header_values, http_parts, records_by_uri
from tests.helpers import store_for

BIN = Path(sys.executable).parent


def warc_files(crawl: Crawl) -> list[Path]:
    files = sorted(crawl.warc_dir.glob("*.warc.gz"))
    assert files, "the crawl wrote no WARC file"
    return files


def test_checklist_a1_to_a11_holds(replica_crawl: Crawl) -> None:
    report = replica_crawl.report
    window = (datetime.fromisoformat(report["started_at"]) - timedelta(seconds=1),
              datetime.fromisoformat(report["finished_at"]) + timedelta(seconds=1))
    reports = verify_directory(replica_crawl.warc_dir, max_bytes=1_000_000_000, window=window)
    assert [p for r in reports for p in r.problems] == []
    assert sum(len(r.records) for r in reports) > 2 * report["pages_fetched"]


def test_no_open_file_is_left_behind(replica_crawl: Crawl) -> None:
    names = [p.name for p in replica_crawl.warc_dir.iterdir()]
    assert names
    assert [n for n in names if not FILENAME_RE.match(n)] == []


def test_warcio_check_passes(replica_crawl: Crawl) -> None:
    result = subprocess.run([BIN / "warcio", "check", "-v", *warc_files(replica_crawl)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "digest pass" in result.stdout
    assert "digest fail" not in result.stdout


def test_gzip_t_passes(replica_crawl: Crawl) -> None:
    result = subprocess.run(["gzip", "-t", *warc_files(replica_crawl)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_cdxj_indexer_indexes_every_capture(replica_crawl: Crawl, replica_reports: list[FileReport]) -> None:
    result = subprocess.run([BIN / "cdxj-indexer", *warc_files(replica_crawl)], capture_output=True, text=True,
                            check=True)
    lines = result.stdout.splitlines()
    captures = sum(1 for r in replica_reports for rec in r.records if rec.type in ("response", "revisit"))
    assert len(lines) == captures
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in lines}
    assert indexed == set(records_by_uri(replica_reports, "response")) | set(records_by_uri(replica_reports, "revisit"))


def test_warcinfo_opens_every_file(replica_reports: list[FileReport]) -> None:
    for report in replica_reports:
        first = report.records[0]
        assert first.type == "warcinfo"
        assert first.fields["WARC-Filename"] == report.path.name
        info = first.block.decode()
        for key in ("software: newsarchive/", "Scrapy/", "warcio/", "format: WARC File Format 1.1",
                    "robots: classic", "http-header-user-agent: newsarchive/", "operator:", "hostname:"):
            assert key in info, key


def test_every_exchange_is_a_request_response_pair(replica_reports: list[FileReport]) -> None:
    responses = {rec.fields["WARC-Record-ID"]: rec for r in replica_reports for rec in r.records
                 if rec.type in ("response", "revisit")}  # a body seen before (the same picture) is a revisit
    requests = [rec for r in replica_reports for rec in r.records if rec.type == "request"]
    assert len(requests) == len(responses)
    for req in requests:
        resp = responses[req.fields["WARC-Concurrent-To"]]
        assert resp.fields["WARC-Target-URI"] == req.fields["WARC-Target-URI"]
        assert resp.fields["WARC-Date"] == req.fields["WARC-Date"]
        assert req.fields["WARC-IP-Address"] == resp.fields["WARC-IP-Address"] == "127.0.0.1"


def test_robots_feeds_sitemaps_listings_redirects_and_errors_are_archived(replica_reports: list[FileReport],
                                                                         replica: ReplicaServer) -> None:
    uris = records_by_uri(replica_reports, "response")
    base = replica.base_url
    for path in ("/robots.txt", "/feed/", "/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml", "/", "/page/2/",
                 "/category/english/"):
        assert base + path in uris, path
    statuses = {http_parts(rec.block)[0].split(b" ")[1] for recs in uris.values() for rec in recs}
    assert {b"200", b"301"} <= statuses


def test_gzip_bodies_are_stored_compressed(replica_crawl: Crawl, replica_reports: list[FileReport]) -> None:
    uris = records_by_uri(replica_reports, "response")
    store = SnippetStore(store_for(replica_crawl.data), readonly=True)
    articles = [s.canonical_url for s in store.select(Filters(), order="oldest")]
    store.close()
    for url in articles:
        (rec,) = uris[url]
        _, headers, body = http_parts(rec.block)
        assert header_values(headers, b"Content-Encoding") == [b"gzip"]
        assert body[:2] == b"\x1f\x8b"
        assert rec.fields["WARC-Payload-Digest"] == sha1_digest(body)
        assert b"<html" in gzip.decompress(body)


@pytest.mark.parametrize("sample", [0, 1, 2])
def test_snippet_pointer_reopens_and_recleans_to_the_same_text(replica_crawl: Crawl, sample: int) -> None:
    store = SnippetStore(store_for(replica_crawl.data), readonly=True)
    snippets = list(store.select(Filters(), order="oldest"))
    store.close()
    profile = profile_class("rki.news")()
    for snippet in snippets[sample::3]:
        archived = read_response(replica_crawl.warc_dir / snippet.warc_file, snippet.warc_offset)
        assert archived.warc_headers["WARC-Record-ID"] == snippet.warc_record_id
        assert archived.warc_headers["WARC-Target-URI"] == snippet.url
        assert archived.warc_headers["WARC-Payload-Digest"] == snippet.payload_digest == sha1_digest(archived.payload)
        article = profile.clean(archived.body, snippet.url)
        assert article is not None
        assert article.text == snippet.text
        assert article.title == snippet.title
