"""Generic mode: a site without a profile, crawled from a start URL with same-host discovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.verify import verify_directory
from replica import ReplicaServer
from tests.conftest import Crawl, crawl, records_by_uri
from tests.helpers import store_for


@pytest.fixture(scope="module")
def generic(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(tmp_path_factory.mktemp("generic"), replica.base_url + "/")


def test_generic_mode_finds_every_article_and_nothing_else(generic: Crawl, replica: ReplicaServer) -> None:
    truth: dict[str, dict[str, Any]] = {str(t["canonical"]): t for t in replica.site.truth()}
    store = SnippetStore(store_for(generic.data), readonly=True)
    snippets = {s.canonical_url: s for s in store.select(Filters(), order="oldest")}
    store.close()
    assert set(snippets) == set(truth)
    for url, snippet in snippets.items():
        assert snippet.site == "127.0.0.1"
        assert snippet.title == truth[url]["title"]
        assert snippet.published == truth[url]["published"]
        assert snippet.language == truth[url]["lang"]
        assert snippet.text == "\n\n".join(truth[url]["paragraphs"]), url


def test_generic_mode_stays_on_the_start_host(generic: Crawl, replica: ReplicaServer) -> None:
    uris = records_by_uri(verify_directory(generic.warc_dir), "request")
    assert uris
    assert all(u.startswith(replica.base_url + "/") for u in uris)


def test_generic_mode_honours_max_articles(replica: ReplicaServer, tmp_path: Path) -> None:
    limited = crawl(tmp_path, replica.base_url + "/", "--max-articles", "7")
    assert limited.report["counts"]["articles/new"] == 7
    assert limited.report["pages_fetched"] < 60  # of 548: queued discovery is dropped at the limit


def test_generic_mode_bounds_a_crawl_trap(generic: Crawl, replica: ReplicaServer) -> None:
    """Every article links an attachment page, and each attachment page links the next id, forever."""
    uris = records_by_uri(verify_directory(generic.warc_dir), "request")
    trap = [u for u in uris if "attachment_id=" in u]
    assert 1 <= len(trap) <= 25
    assert generic.report["counts"]["discovery/trap_bounded"] >= 1
    assert "attachment_id=" in generic.report["examples"]["discovery/trap_bounded"][0]
    assert generic.report["counts"]["articles/new"] == 320  # and every article was still found


def test_the_run_queued_its_requests_on_disk_and_removed_the_queue(generic: Crawl) -> None:
    """The scheduler's waiting requests went to disk queues under DATA/tmp/, gone once the run ended."""
    assert (generic.data / "tmp").is_dir()
    assert not list((generic.data / "tmp").iterdir())
    assert generic.report["counts"]["scheduler/unserializable"] == 0  # every request could be queued there
