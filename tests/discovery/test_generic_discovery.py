"""Generic mode finds a site's articles from its sitemaps and feeds, and picks up edits through the sitemap's lastmod,
with no profile written for the site."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import archive
from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.verify import verify_directory
from replica import ReplicaServer
from replica.corpus import NOW
from replica.courier import CourierServer, path_of
from tests.conftest import crawl, records_by_uri
from tests.helpers import store_for

SMALL_SITE = 60
LINK_BOUND = 200  # pages followed for links per run (generic mode's default is 2,000: the same rule, ten times
# the pages to crawl)
LARGE_SITE = 250  # more than that bound
CORRECTION = "Correction: an earlier version of this story misstated the figures."


def latest_versions(data: Path) -> dict[str, int]:
    store = SnippetStore(store_for(data), readonly=True)
    try:
        return {s.canonical_url: s.version for s in store.select(Filters(), order="oldest")}
    finally:
        store.close()


@pytest.mark.processes
def test_generic_mode_reads_sitemaps_and_sees_edits_by_lastmod(tmp_path: Path) -> None:
    with ReplicaServer(article_count=SMALL_SITE) as server:
        first = crawl(tmp_path, server.base_url + "/")
        requests = set(records_by_uri(verify_directory(tmp_path / "warc"), "request"))
        assert server.base_url + "/wp-sitemap.xml" in requests  # named in robots.txt
        assert len(records_by_uri(verify_directory(tmp_path / "warc"), "request")[server.base_url + "/robots.txt"]) \
            == 1  # read once, for its rules and its sitemaps
        assert server.base_url + "/feed/" in requests  # named by <link rel=alternate> on the start page
        assert first.report["counts"]["articles/new"] == SMALL_SITE
        old = [p for p in server.site.posts[-10:]]  # far outside any re-check window, linked from no first page
        edited = [old[0], old[5]]
        for post in edited:
            server.site.edit_article(post.post_id, 1, CORRECTION, NOW + timedelta(days=1))
        added = server.site.add_articles(3)
        second = crawl(tmp_path, server.base_url + "/")
        base = server.base_url
    counts = second.report["counts"]
    assert counts["articles/changed"] == 2
    assert counts["articles/new"] == 3
    versions = latest_versions(tmp_path)
    assert {url for url, version in versions.items() if version > 1} == {base + p.path for p in edited}
    assert {base + p.path for p in added} <= set(versions)
    with archive.open(store_for(tmp_path)) as a:
        for post in edited:
            assert CORRECTION in a.versions(base + post.path)[-1].text


@pytest.mark.processes
def test_a_site_larger_than_the_link_bound_is_archived_in_one_run(tmp_path: Path) -> None:
    with ReplicaServer(article_count=LARGE_SITE) as server:
        first = crawl(tmp_path, server.base_url + "/", "-s", f"NEWSARCHIVE_DISCOVERY_BUDGET={LINK_BOUND}")
        expected = {server.base_url + p.path for p in server.site.posts}
    assert first.report["counts"]["articles/new"] == LARGE_SITE
    assert set(latest_versions(tmp_path)) == expected


@pytest.mark.processes
def test_what_the_discovery_budget_leaves_is_where_the_next_run_starts(tmp_path: Path) -> None:
    """A site with no sitemap and no feed, larger than one run's budget of pages followed for links."""
    budget = ["-s", "NEWSARCHIVE_DISCOVERY_BUDGET=120"]
    with CourierServer(article_count=150, sitemaps=False) as server:
        first = crawl(tmp_path, server.base_url + "/", *budget)
        first_files = {p.name for p in first.warc_dir.glob("*.warc.gz")}
        store = SnippetStore(store_for(tmp_path), readonly=True)
        try:
            frontier = store.frontier(urlsplit(server.base_url).hostname or "")
        finally:
            store.close()
        second = crawl(tmp_path, server.base_url + "/", *budget)
        expected = {server.base_url + path_of(p) for p in server.site.posts}
    second_reports = [r for r in verify_directory(tmp_path / "warc") if r.path.name not in first_files]
    second_requests = set(records_by_uri(second_reports, "request"))
    assert first.report["counts"]["discovery/left"] == len(frontier) > 0
    assert first.report["counts"]["articles/new"] < len(expected)
    assert set(frontier) <= second_requests  # the second run fetched what the first could not
    assert second.report["counts"]["discovery/left"] == 0
    assert set(latest_versions(tmp_path)) == expected  # every story, over two runs
