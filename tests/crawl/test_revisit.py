"""A second crawl of an unchanged site: identical payloads become revisit records, no snippet changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.read import read_response
from archive.warc.verify import verify_directory
from archive.warc.write import REVISIT_PROFILE_IDENTICAL
from replica import ReplicaServer
from tests.conftest import Crawl, copy_archive, crawl, http_parts, records_by_uri
from tests.helpers import store_for


@pytest.fixture(scope="module")
def second(replica_crawl: Crawl, replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    data = tmp_path_factory.mktemp("revisit") / "data"
    copy_archive(replica_crawl.data, data)
    # every archived article inside the re-check window, fetched without validators: identical bodies
    return crawl(data, "rki.news", "--base-url", replica.base_url, "-s", "NEWSARCHIVE_RECHECK_HOURS=1000000",
                 "-s", "NEWSARCHIVE_CONDITIONAL=False")


def test_unchanged_articles_store_no_new_version(second: Crawl, replica_crawl: Crawl) -> None:
    counts = second.report["counts"]
    articles = replica_crawl.report["counts"]["articles/new"]
    assert counts["articles/new"] == 0
    assert counts["articles/changed"] == 0
    assert counts["articles/unchanged"] == articles
    store = SnippetStore(store_for(second.data), readonly=True)
    try:
        assert store.count() == articles
        assert {s.version for s in store.select(Filters(), order="oldest")} == {1}
    finally:
        store.close()


def test_identical_payloads_become_revisit_records(second: Crawl, replica_crawl: Crawl) -> None:
    first_files = {p.name for p in replica_crawl.warc_dir.glob("*.warc.gz")}
    reports = verify_directory(second.warc_dir)
    assert [p for r in reports for p in r.problems] == []  # record ids stay unique across both runs
    new = [r for r in reports if r.path.name not in first_files]
    assert new
    revisits = [rec for r in new for rec in r.records if rec.type == "revisit"]
    responses = [rec for r in new for rec in r.records if rec.type == "response"]
    assert len(revisits) == second.report["counts"]["warc/records/revisit"] >= replica_crawl.report["counts"][
        "articles/new"]
    assert len(revisits) + len(responses) == second.report["pages_fetched"]
    earlier = {rec.fields["WARC-Record-ID"]: rec for r in reports if r.path.name in first_files for rec in r.records}
    for rec in revisits:
        assert rec.fields["WARC-Profile"] == REVISIT_PROFILE_IDENTICAL
        original = earlier[rec.fields["WARC-Refers-To"]]
        assert original.fields["WARC-Payload-Digest"] == rec.fields["WARC-Payload-Digest"]
        assert original.fields["WARC-Target-URI"] == rec.fields["WARC-Refers-To-Target-URI"]
        assert original.fields["WARC-Date"] == rec.fields["WARC-Refers-To-Date"]
        assert b"\r\n\r\n" in rec.block
        assert rec.block.endswith(b"\r\n\r\n")


def test_snippets_still_point_at_full_responses(second: Crawl) -> None:
    store = SnippetStore(store_for(second.data), readonly=True)
    try:
        for snippet in list(store.select(Filters(), order="oldest"))[:40]:
            archived = read_response(Path(second.warc_dir) / snippet.warc_file, snippet.warc_offset)
            assert archived.warc_headers["WARC-Type"] == "response"
            assert archived.payload
    finally:
        store.close()


def test_every_200_payload_is_stored_in_full_once(second: Crawl) -> None:
    """Redirects and errors are written in full every time; a 200 body only once."""
    reports = verify_directory(second.warc_dir)
    for uri, recs in records_by_uri(reports, "response").items():
        digests = [r.fields["WARC-Payload-Digest"] for r in recs if http_parts(r.block)[0].endswith(b" 200 OK")]
        assert len(digests) == len(set(digests)), uri
