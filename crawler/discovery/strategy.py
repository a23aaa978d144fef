"""Where a crawl looks for articles: the sources a site's profile names, or (generic mode) any page of a site.

``NewsSpider`` fetches, cleans and schedules; a discovery strategy decides where to look and what a page
found leads to. ``ProfileDiscovery`` reads what the site's profile names: feeds, sitemaps and listing pages,
whose article links the profile's rule recognises, through the listings' pagination. ``AnySiteDiscovery``
(``crawler.discovery.any_site``) starts from one URL of a site nobody wrote a profile for. The spider asks
the strategy the same questions in both modes, so neither mode's rules are spread through the spider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.core.spider_contract import DISCOVERY
from crawler.discovery.archive_view import ArchiveView
from crawler.discovery.seen import DiskSet
from crawler.discovery.sitemaps import entry_date, feed_links, read_sitemap
from crawler.discovery.urls import canonicalize
from crawler.sites import SiteProfile

PRIORITY_ARTICLE = 30  # articles first: they are the point, and a short run should still archive some
PRIORITY_FEED = 20
PRIORITY_SITEMAP = 10
PRIORITY_LISTING = 0
PRIORITY_SHORTLINK = -10  # after everything else, so its redirect target has usually been fetched already


class DiscoveryHost(Protocol):
    """What a strategy needs of the spider that runs it: its site, its state of this run, and the requests
    and callbacks it makes."""

    profile: SiteProfile
    crawler: Crawler
    known: ArchiveView  # what earlier runs archived of the site
    followed: DiskSet  # pages requested for their links this run (canonical URLs)

    @property
    def scheduled(self) -> DiskSet: ...  # articles requested this run

    @property
    def settings(self) -> Any: ...

    @property
    def limit_reached(self) -> bool: ...

    def listing_request(self, url: str, page_no: int) -> Request: ...

    def article_request(self, url: str, *, lastmod: str | None = None, reason: str = "") -> Request | None: ...

    def parse_feed(self, response: Response) -> Iterator[Request]: ...

    def parse_sitemap(self, response: Response) -> Iterator[Request]: ...

    def parse_robots(self, response: Response) -> Iterator[Request]: ...

    def on_probe_error(self, failure: Failure) -> None: ...

    def on_error(self, failure: Failure) -> None: ...

    def count(self, key: str, url: str) -> None: ...


class ProfileDiscovery:
    """The sources the site's profile names; listing pages lead to the article links its rule recognises,
    to category roots linked from a first page, and to the next page up to the profile's depth."""

    pages_are_articles = False  # a listing page is never itself an article

    def __init__(self, host: DiscoveryHost) -> None:
        self.host = host

    def start(self) -> Iterator[Request]:
        host, profile = self.host, self.host.profile
        for path in profile.feeds:
            yield Request(profile.url(path), host.parse_feed, priority=PRIORITY_FEED, errback=host.on_error)
        for path in profile.sitemaps:
            yield self.sitemap_request(profile.url(path), host.on_error, dropped_at_limit=False)
        for path in profile.listings:
            yield host.listing_request(profile.url(path), 1)

    def from_feed(self, response: Response) -> Iterator[Request]:
        """RSS 2.0 / Atom: item links (tracking parameters are stripped by canonicalisation)."""
        links = feed_links(response.body)
        if links is None:
            self.host.count("discovery/bad_feed", response.url)
            return
        for link in links:
            if req := self.host.article_request(urljoin(response.url, link)):
                yield req

    def from_sitemap(self, response: Response) -> Iterator[Request]:
        """Sitemap index (follow children) or urlset (article URLs, with their lastmod)."""
        host = self.host
        if host.crawler.stats:
            host.crawler.stats.inc_value("discovery/sitemaps_read")
        sitemap = read_sitemap(response.body)
        if sitemap is None:
            host.count("discovery/bad_sitemap", response.url)
            return
        kind, entries = sitemap
        for entry in entries:
            loc = urljoin(response.url, str(entry.get("loc", "")).strip())
            if not host.profile.on_site(loc):
                continue
            if kind == "sitemapindex":
                if host.limit_reached:
                    return
                yield self.sitemap_request(loc, host.on_error)
            elif req := host.article_request(loc, lastmod=entry_date(entry)):
                yield req

    def sitemap_request(self, url: str, errback: Callable[[Failure], None], dropped_at_limit: bool = True) -> Request:
        """A sitemap to read, counted so that a live status can say how many are still to read (the ones a
        profile names are read even when the article limit is reached: they are the run's first source)."""
        if self.host.crawler.stats:
            self.host.crawler.stats.inc_value("discovery/sitemaps_requested")
        return Request(url, self.host.parse_sitemap, priority=PRIORITY_SITEMAP, errback=errback,
                       meta={DISCOVERY: True} if dropped_at_limit else {})

    def takes_article(self, canonical: str) -> bool:
        """Whether a URL a sitemap, feed or listing names is worth requesting as an article."""
        return True

    def from_page(self, response: TextResponse, page_no: int) -> Iterator[Request]:
        """What a listing page leads to."""
        host = self.host
        for href in response.css("a::attr(href)").getall():
            url = canonicalize(urljoin(response.url, href))
            if req := host.article_request(url):
                yield req
            elif host.profile.is_listing_url(url) and "/page/" not in url and page_no == 1:
                yield host.listing_request(url, 1)  # category roots linked from a first page
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if next_href and page_no < self.listing_pages:
            yield host.listing_request(canonicalize(urljoin(response.url, next_href)), page_no + 1)

    @property
    def listing_pages(self) -> int:
        """How deep to page through listings: the first pages only once the archive has the site."""
        profile = self.host.profile
        return profile.incremental_listing_pages if self.host.known else profile.max_listing_pages

    def from_article(self, response: TextResponse) -> Iterator[Request]:
        """What an article page leads to: nothing, the profile's sources list the articles."""
        return iter(())

    def robots_read(self, response: Response) -> Iterator[Request]:
        """What the site's robots.txt leads to: nothing, the profile names its sitemaps."""
        return iter(())

    def probe_failed(self, failure: Failure) -> None:
        """A guessed source (a sitemap at a usual path) that is not there."""

    def answered_page(self, canonical: str) -> None:
        """A page followed for its links got an answer (a page or an error)."""

    def example_of_not_article(self, url: str) -> bool:
        """Whether a page the cleaner found no article in is an example worth showing in the report."""
        return True

    def closed(self, stopped_early: bool) -> None:
        """The run ends (``stopped_early``: before it began, its site locked or its repair failed)."""
