"""Components on their own, with a real Scrapy crawler object and settings (scrapy.utils.test.get_crawler, as
Scrapy's own suite tests its middlewares), beside the end-to-end crawls that exercise them together."""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from archive.locks import LockedError, SiteLock
from crawler.errors import RobotsDisallowed, error_kind
from crawler.extensions.site_lock import SiteLockExtension
from crawler.middlewares.budget import DISCOVERY, DiscoveryBudgetExhausted, DiscoveryBudgetMiddleware
from crawler.recovery import Recovery
from crawler.sitemaps import feed_links, is_later
from crawler.spiders.contract import ArchiveSpider
from crawler.spiders.news import NewsSpider
from crawler.spiders.urls import UrlsSpider
from crawler.traps import QueryPatternBound


class LimitedSpider(NewsSpider):
    """A crawl whose --max-articles is reached, that has scheduled one article."""

    @property
    def limit_reached(self) -> bool:
        return True

    def counted_as_article(self, url: str) -> bool:
        return url.endswith("/counted/")


class ForeignSpider(scrapy.Spider):
    name = "foreign"


def test_both_spiders_keep_the_components_contract() -> None:
    assert isinstance(NewsSpider(site="rki.news"), ArchiveSpider)
    assert isinstance(UrlsSpider(urls="https://rki.news/2025/01/01/a/"), ArchiveSpider)
    assert not isinstance(ForeignSpider(), ArchiveSpider)


def test_budget_middleware_drops_discovery_only_past_the_limit() -> None:
    crawler = get_crawler(LimitedSpider)
    crawler.spider = LimitedSpider(site="rki.news")
    middleware = DiscoveryBudgetMiddleware.from_crawler(crawler)
    with pytest.raises(DiscoveryBudgetExhausted):
        middleware.process_request(Request("https://rki.news/page/2/", meta={DISCOVERY: True}))
    middleware.process_request(Request("https://rki.news/counted/", meta={DISCOVERY: True}))  # an article now
    middleware.process_request(Request("https://rki.news/2025/01/01/a/"))  # not discovery: always fetched
    assert crawler.stats is not None
    assert crawler.stats.get_value("discovery/dropped_at_limit") == 1


def test_budget_middleware_leaves_a_foreign_spider_alone() -> None:
    crawler = get_crawler(ForeignSpider)
    crawler.spider = ForeignSpider()
    DiscoveryBudgetMiddleware.from_crawler(crawler).process_request(Request("https://a.example/",
                                                                            meta={DISCOVERY: True}))


@pytest.mark.parametrize(("error", "kind"), [
    (RobotsDisallowed("Forbidden by robots.txt"), "robots_disallowed"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Ignoring response: it exceeded DOWNLOAD_MAXSIZE (32 MB)"), "body_too_large"),
    (IgnoreRequest("something else"), "IgnoreRequest"),
    (ConnectionRefusedError(), "ConnectionRefusedError"),
])
def test_error_kinds(error: Exception, kind: str) -> None:
    assert error_kind(Failure(error)) == kind  # type: ignore[no-untyped-call]


def test_query_pattern_bound_reports_once_and_keeps_patterns_apart() -> None:
    bound = QueryPatternBound(limit=2)
    verdicts = [bound.check(f"https://a.example/?attachment_id={n}") for n in range(4)]
    assert verdicts == ["follow", "follow", "first_refused", "refused"]
    assert bound.check("https://a.example/?page=1") == "follow"  # other keys, other pattern
    assert bound.check("https://a.example/plain/") == "follow"


def test_feed_links_of_rss_atom_and_rdf() -> None:
    rss = b"<rss><channel><item><link> https://a.example/1/ </link></item></channel></rss>"
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://a.example/2/"/>'
            b'<link rel="edit" href="https://a.example/edit/"/></entry></feed>')
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
           b"<item><link>https://a.example/3/</link></item></rdf:RDF>")
    assert feed_links(rss) == ["https://a.example/1/"]
    assert feed_links(atom) == ["https://a.example/2/"]
    assert feed_links(rdf) == ["https://a.example/3/"]
    assert feed_links(b"\x00\x01 not xml at all") is None


def test_is_later_reads_offsets_and_assumes_utc_without_one() -> None:
    assert is_later("2026-01-01T10:00:00+05:00", "2026-01-01T04:59:00Z")
    assert not is_later("2026-01-01T10:00:00+05:00", "2026-01-01T05:00:00")
    assert is_later("2026-01-01", None)
    assert not is_later("yesterday", "2026-01-01")


def test_site_lock_extension_refuses_a_second_run_and_repairs_before_the_first(tmp_path: Path) -> None:
    crawler = get_crawler(NewsSpider, {"NEWSARCHIVE_DATA": str(tmp_path)})
    extension = SiteLockExtension.from_crawler(crawler)
    with SiteLock(tmp_path, "rki.news"):  # another run of the site
        refused = NewsSpider(site="rki.news")
        extension.spider_opened(refused)
    assert refused.lock_refused is not None
    assert "already in progress" in refused.lock_refused
    spider = NewsSpider(site="rki.news")
    extension.spider_opened(spider)
    assert spider.lock_refused is None
    assert crawler.stats is not None
    assert crawler.stats.get_value("recovery") == Recovery().as_dict()  # nothing to repair in a new directory
    with pytest.raises(LockedError):
        SiteLock(tmp_path, "rki.news").acquire()  # held for the run ...
    extension.spider_closed(spider)
    SiteLock(tmp_path, "rki.news").acquire()  # ... and released when it ends


def test_site_lock_extension_takes_no_lock_for_given_urls(tmp_path: Path) -> None:
    crawler = get_crawler(UrlsSpider, {"NEWSARCHIVE_DATA": str(tmp_path)})
    extension = SiteLockExtension.from_crawler(crawler)
    with SiteLock(tmp_path, "rki.news"):
        spider = UrlsSpider(urls="https://rki.news/2025/01/01/a/")
        extension.spider_opened(spider)
    assert spider.lock_refused is None
