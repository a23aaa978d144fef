"""Generic mode on a news site built unlike WordPress (replica/courier.py): no og:type, no JSON-LD, no <article>;
a consent dialog, a paywall teaser, figures with credits and READ MORE boxes inside the story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Snippet
from crawler.discovery.sitemaps import NewsSitemap, entry_date
from devkit.extraction_score import shingles
from replica.corpus import NOW
from replica.courier import CHROME_PHRASES, CourierServer, CourierSite
from tests.conftest import Crawl, crawl
from tests.helpers import store_for

STORIES = 120
CORRECTION = "Correction: this story has been updated to give the right figures."
BODY_F1_FLOOR = 0.97


@dataclass
class CourierRuns:
    first: Crawl
    second: Crawl
    truth: dict[str, dict[str, object]]  # URL -> fields, as of the first run
    edited_url: str
    first_snippets: dict[str, Snippet]
    latest: dict[str, Snippet]


def snippets_by_url(data: Path) -> dict[str, Snippet]:
    store = SnippetStore(store_for(data), readonly=True)
    try:
        return {s.url: s for s in store.select(Filters(), order="oldest")}
    finally:
        store.close()


def body_f1(got: str, want: str) -> float:
    g, w = shingles(got), shingles(want)
    return 2 * sum((g & w).values()) / (sum(g.values()) + sum(w.values()))


@pytest.fixture(scope="module")
def courier(tmp_path_factory: pytest.TempPathFactory) -> CourierRuns:
    data = tmp_path_factory.mktemp("courier")
    with CourierServer(article_count=STORIES) as server:
        first = crawl(data, server.base_url + "/")
        truth = {str(t["url"]): t for t in server.site.truth()}
        first_snippets = snippets_by_url(data)
        old = server.site.posts[-1]  # the oldest story: on no first page of any listing
        server.site.edit_article(old.post_id, 1, CORRECTION, NOW + timedelta(days=1))
        second = crawl(data, server.base_url + "/")
        edited_url = next(url for url in truth if url.endswith(f"-{old.post_id}.html"))
    return CourierRuns(first, second, truth, edited_url, first_snippets, snippets_by_url(data))


@pytest.mark.processes
def test_every_story_is_found_and_nothing_else(courier: CourierRuns) -> None:
    assert courier.first.report["counts"]["articles/new"] == STORIES
    assert set(courier.first_snippets) == set(courier.truth)


@pytest.mark.processes
def test_every_title_date_and_author_is_exact(courier: CourierRuns) -> None:
    for url, truth in courier.truth.items():
        snippet = courier.first_snippets[url]
        assert snippet.title == truth["title"], url
        assert snippet.published == truth["published"], url
        assert snippet.modified == truth["modified"], url
        assert snippet.authors == truth["authors"], url
        assert snippet.language == "en"


@pytest.mark.processes
def test_bodies_match_and_carry_no_chrome(courier: CourierRuns) -> None:
    scores = {url: body_f1(courier.first_snippets[url].text, str(t["text"])) for url, t in courier.truth.items()}
    assert min(scores.values()) >= BODY_F1_FLOOR, min(scores.items(), key=lambda kv: kv[1])
    for url, snippet in courier.first_snippets.items():
        assert not [p for p in CHROME_PHRASES if p in snippet.text + snippet.title], url


@pytest.mark.processes
def test_an_edit_found_through_the_sitemap_gives_exactly_one_new_version(courier: CourierRuns) -> None:
    assert courier.second.report["counts"]["articles/changed"] == 1
    versions = {url: s.version for url, s in courier.latest.items()}
    assert {url for url, version in versions.items() if version > 1} == {courier.edited_url}
    assert CORRECTION in courier.latest[courier.edited_url].text


def test_a_google_news_sitemap_gives_publication_dates_where_it_has_no_lastmod() -> None:
    site = CourierSite("http://courier.example", 30)
    entries = list(NewsSitemap(site.pages["/sitemaps/news.xml"].body))
    truth = {str(t["url"]): t for t in site.truth()}
    assert len(entries) == 20
    for entry in entries:
        assert "lastmod" not in entry
        assert entry_date(entry) == truth[entry["loc"]]["published"]
        assert entry["news_title"] == truth[entry["loc"]]["title"]
        assert entry["news_language"] == "en"
    archive = list(NewsSitemap(site.pages["/sitemaps/archive-2026.xml"].body))
    assert all(entry_date(e) == e["lastmod"] for e in archive)
