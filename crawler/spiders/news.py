"""NewsSpider: one spider for every site; where it looks for articles is its discovery strategy's
(crawler.discovery.strategy: the sources a profile names, or any page of a site in generic mode)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.store.snippets import Snippet
from crawler.core.addresses import origin
from crawler.core.spider_contract import DISCOVERY
from crawler.core.store_setting import store_location
from crawler.discovery.any_site import AnySiteDiscovery
from crawler.discovery.archive_view import ArchiveView
from crawler.discovery.articles import ArticleSchedule
from crawler.discovery.seen import DiskSet
from crawler.discovery.strategy import PRIORITY_LISTING, ProfileDiscovery
from crawler.discovery.urls import canonicalize, is_loopback, validate_url
from crawler.middlewares.robots import robots_parsed
from crawler.sites import SiteProfile, profile_class, profile_for_url
from crawler.spiders.base import LOOPBACK_CONCURRENCY, CaptureSpider

logger = logging.getLogger(__name__)

LISTING = "listing"  # request meta key: the canonical URL a page was followed under (generic mode: any page)


class NewsSpider(CaptureSpider):
    """``scrapy crawl news -a site=rki.news [-a base_url=...]`` or ``-a start_url=http://host/`` (generic).

    Where it looks for articles is its discovery strategy's; which of those it requests is its article
    schedule's. Every callback and errback of its requests is a method of the spider, so that Scrapy can
    keep waiting requests in its disk queues."""

    name = "news"
    takes_site_lock = True  # one site per run: crawler.extensions.site_lock takes its lock and repairs

    def __init__(self, site: str = "", base_url: str = "", start_url: str = "", max_articles: str | int = 0,
                 recheck_hours: str | float = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if start_url:
            self.start_url = validate_url(start_url)
            self.profile: SiteProfile = profile_for_url(self.start_url)
        elif site:
            self.profile = profile_class(site)(validate_url(base_url) if base_url else None)
            self.start_url = ""
        else:
            raise ValueError("give a site (-a site=rki.news) or a start URL (-a start_url=...)")
        self.allowed_domains = [urlsplit(self.profile.base_url).hostname or ""]
        self.named_origins = frozenset(origin(u) for u in (self.profile.base_url, self.start_url) if u)
        self.recheck_hours = float(recheck_hours)
        self.articles = ArticleSchedule(self.profile, int(max_articles or 0))
        self.followed = DiskSet(keep_values=True)  # listing (generic mode: any) page URLs requested this run
        self.discovery: ProfileDiscovery = ProfileDiscovery(self)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.articles.max_articles = spider.articles.max_articles or s.getint("NEWSARCHIVE_MAX_ARTICLES")
        spider.articles.conditional = s.getbool("NEWSARCHIVE_CONDITIONAL", True)
        for hours in (s.getfloat("NEWSARCHIVE_RECHECK_HOURS", -1), spider.profile.recheck_hours):
            spider.recheck_hours = hours if spider.recheck_hours < 0 else spider.recheck_hours
        if spider.start_url:
            budget = s.getint("NEWSARCHIVE_DISCOVERY_BUDGET") or spider.profile.max_listing_pages
            spider.discovery = AnySiteDiscovery(spider, spider.start_url, budget)
        crawler.signals.connect(spider.robots_read, signal=robots_parsed)
        return spider

    def politeness(self) -> tuple[float, int, bool]:
        """Delay and concurrency per site from the profile; none for loopback targets (the replica)."""
        if is_loopback(self.profile.base_url):
            return 0.0, LOOPBACK_CONCURRENCY, True
        return self.profile.download_delay, self.profile.concurrency, False

    @property
    def site_name(self) -> str:
        return self.profile.site_name

    @property
    def warc_prefix(self) -> str:
        return self.profile.id

    @property
    def scheduled(self) -> DiskSet:
        return self.articles.scheduled

    @property
    def limit_reached(self) -> bool:
        """True once --max-articles permalinks are scheduled: further discovery would only cost requests."""
        return self.articles.limit_reached

    async def start(self) -> AsyncIterator[Request]:
        """The re-check window first, then the discovery strategy's sources (articles are scheduled as
        they are found)."""
        if self.lock_refused or self.recovery_failed:  # another run of the site is going, or the repair
            return  # before this one failed (crawler.extensions.site_lock)
        self.known = self.articles.known = ArchiveView(store_location(self.settings), self.site_name)
        self.articles.stats = self.crawler.stats
        self.crawler.signals.connect(self.known.close, signal=signals.spider_closed)
        rechecks = [self.article_request(url, reason="recheck") for url in self.articles.rechecks(self.recheck_hours)]
        for request in [*(r for r in rechecks if r), *self.discovery.start()]:
            yield request

    def count_not_article(self, url: str) -> None:
        """Every page found without an article is counted; the examples are those the strategy names."""
        if self.discovery.example_of_not_article(url):
            super().count_not_article(url)
        elif self.crawler.stats:
            self.crawler.stats.inc_value("articles/not_article")

    def counted_as_article(self, url: str) -> bool:
        """Scheduled this run as an article (and counted against --max-articles)."""
        return canonicalize(url) in self.articles

    def listing_request(self, url: str, page_no: int) -> Request:
        canonical = canonicalize(url)
        self.followed.add(canonical)
        return Request(url, self.parse_listing, priority=PRIORITY_LISTING, errback=self.on_error,
                       meta={"page_no": page_no, DISCOVERY: True, LISTING: canonical})

    def article_request(self, url: str, *, lastmod: str | None = None, reason: str = "") -> Request | None:
        """A request for an article URL, or None when this run should not fetch it (ArticleSchedule)."""
        return self.articles.request(url, self.parse_article, self.on_error, lastmod=lastmod, reason=reason,
                                     wanted=self.discovery.takes_article(canonicalize(url)))

    def robots_read(self, response: Response, netloc: str) -> None:
        """The site's robots.txt, as the robots.txt middleware fetched it for its rules."""
        if netloc == urlsplit(self.profile.base_url).netloc and self.crawler.engine:
            for request in self.discovery.robots_read(response):
                self.crawler.engine.crawl(request)

    # -- callbacks ----------------------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        return self.discovery.robots_read(response)

    def on_probe_error(self, failure: Failure) -> None:
        self.discovery.probe_failed(failure)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        return self.discovery.from_feed(response)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        return self.discovery.from_sitemap(response)

    async def parse_listing(self, response: Response) -> AsyncIterator[Request | Snippet]:
        """A page followed for its links (and in generic mode itself a candidate article)."""
        self.discovery.answered_page(response.meta.get(LISTING, ""))
        if not isinstance(response, TextResponse):
            return
        if self.discovery.pages_are_articles:
            # a sitemap or feed may have scheduled (and counted) this URL while its link request was queued,
            # and the duplicate filter then dropped the article request: it is cleaned here
            canonical = canonicalize(response.url)
            counted = canonical in self.articles
            if self.limit_reached and not counted:
                return
            snippet = await self._snippet(response)
            if snippet is not None and not counted:
                self.articles.counted(canonical)
            for item in self.with_resources(snippet, response):
                yield item
        if not self.limit_reached:
            for request in self.discovery.from_page(response, int(response.meta.get("page_no", 1))):
                yield request

    async def parse_article(self, response: Response) -> AsyncIterator[Snippet | Request]:
        if response.status == 304:
            self.count("articles/not_modified", response.url)
            return
        for item in self.with_resources(await self._snippet(response), response):
            yield item
        if isinstance(response, TextResponse) and not self.limit_reached:
            for request in self.discovery.from_article(response):
                yield request

    def profile_for(self, response: Response) -> SiteProfile:
        return self.profile

    def closed(self, reason: str) -> None:
        try:
            self.discovery.closed(stopped_early=bool(self.lock_refused or self.recovery_failed))
        finally:
            self.articles.close()
            self.followed.close()
            super().closed(reason)

    def on_answer(self, request: Request) -> None:
        self.discovery.answered_page(request.meta.get(LISTING, ""))
