"""NewsSpider: one spider for every site, driven by its profile (feeds, sitemaps, listings, article rule)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from archive import __version__
from archive.snippets import Snippet
from crawler.cleaning import Article
from crawler.sites import SiteProfile, profile_class, profile_for_url
from crawler.urls import canonicalize, is_loopback, validate_url

logger = logging.getLogger(__name__)

PRIORITY_ARTICLE = 30  # articles first: they are the point, and a short run should still archive some
PRIORITY_FEED = 20
PRIORITY_SITEMAP = 10
PRIORITY_LISTING = 0
LOOPBACK_CONCURRENCY = 8  # the local replica needs no politeness


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: UTC time of the start plus a random suffix."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def user_agent(contact: str) -> str:
    """An honest User-Agent: who we are and how to reach the operator."""
    return f"newsarchive/{__version__} (news archival crawler; +{contact or 'contact not configured'})"


class NewsSpider(scrapy.Spider):
    """``scrapy crawl news -a site=rki.news [-a base_url=...]`` or ``-a start_url=http://host/`` (generic)."""

    name = "news"

    def __init__(self, site: str = "", base_url: str = "", start_url: str = "", max_articles: str | int = 0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if start_url:
            self.start_url = validate_url(start_url)
            self.profile: SiteProfile = profile_for_url(self.start_url)
        elif site:
            self.profile = profile_class(site)(validate_url(base_url) if base_url else None)
            self.start_url = ""
        else:
            raise ValueError("give a site (-a site=rki.news) or a start URL (-a start_url=...)")
        self.max_articles = int(max_articles or 0)
        self.allowed_domains = [urlsplit(self.profile.base_url).hostname or ""]
        self.scheduled: set[str] = set()  # canonical article URLs requested this run
        self.parsed: set[str] = set()  # canonical URLs cleaned this run: one snippet per article per run
        self.pages_followed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        if not s.get("NEWSARCHIVE_RUN_ID"):
            s.set("NEWSARCHIVE_RUN_ID", new_run_id(), priority="spider")
        if not spider.max_articles:
            spider.max_articles = s.getint("NEWSARCHIVE_MAX_ARTICLES")
        s.set("USER_AGENT", user_agent(s.get("NEWSARCHIVE_CONTACT")), priority="spider")
        profile = spider.profile
        if is_loopback(profile.base_url):
            delay, concurrency = 0.0, LOOPBACK_CONCURRENCY
            s.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        else:
            delay, concurrency = profile.download_delay, profile.concurrency
        s.set("DOWNLOAD_DELAY", delay, priority="spider")
        s.set("CONCURRENT_REQUESTS_PER_DOMAIN", concurrency, priority="spider")
        s.set("AUTOTHROTTLE_START_DELAY", max(delay, 0.5), priority="spider")
        return spider

    @property
    def run_id(self) -> str:
        return str(self.settings.get("NEWSARCHIVE_RUN_ID"))

    # -- discovery -------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        p = self.profile
        if self.start_url:
            yield self._listing(self.start_url, 1)
            return
        for path in p.feeds:
            yield Request(p.url(path), self.parse_feed, priority=PRIORITY_FEED, errback=self.on_error)
        for path in p.sitemaps:
            yield Request(p.url(path), self.parse_sitemap, priority=PRIORITY_SITEMAP, errback=self.on_error)
        for path in p.listings:
            yield self._listing(p.url(path), 1)

    def _listing(self, url: str, page_no: int) -> Request:
        self.pages_followed += 1
        return Request(url, self.parse_listing, priority=PRIORITY_LISTING, errback=self.on_error,
                       meta={"page_no": page_no})

    def _article(self, url: str) -> Request | None:
        canonical = canonicalize(url)
        if canonical in self.scheduled or not self.profile.is_article_url(canonical):
            return None
        if self.max_articles and len(self.scheduled) >= self.max_articles:
            return None
        self.scheduled.add(canonical)
        return Request(canonical, self.parse_article, priority=PRIORITY_ARTICLE, errback=self.on_error)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """RSS 2.0 / Atom: item links (tracking parameters are stripped by canonicalisation)."""
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            self._count("discovery/bad_feed", response.url)
            return
        links = [el.text or "" for el in root.iter("link", "{http://www.w3.org/2005/Atom}link")]
        links += [el.get("href", "") for el in root.iter("{http://www.w3.org/2005/Atom}link")]
        for link in links:
            if link.strip() and (req := self._article(urljoin(response.url, link.strip()))):
                yield req

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Sitemap index (follow children) or urlset (article URLs)."""
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # noqa: BLE001 - lxml raises several types on garbage; any of them means "not a sitemap"
            self._count("discovery/bad_sitemap", response.url)
            return
        for entry in sitemap:
            loc = urljoin(response.url, entry.get("loc", "").strip())
            if not self.profile.on_site(loc):
                continue
            if sitemap.type == "sitemapindex":
                yield Request(loc, self.parse_sitemap, priority=PRIORITY_SITEMAP, errback=self.on_error)
            elif req := self._article(loc):
                yield req

    def parse_listing(self, response: Response) -> Iterator[Request | Snippet]:
        """Home, category or (generic mode) any page: article links, sub-listings and the next page."""
        if not isinstance(response, TextResponse):
            return
        if self.start_url:  # generic mode: every page may itself be an article
            snippet = self._snippet(response)
            if snippet is not None:
                yield snippet
        page_no = int(response.meta.get("page_no", 1))
        for href in response.css("a::attr(href)").getall():
            url = canonicalize(urljoin(response.url, href))
            if self.start_url:
                if self.profile.on_site(url) and url not in self.parsed and \
                        self.pages_followed < self.profile.max_listing_pages:
                    yield self._listing(url, page_no + 1)
            elif req := self._article(url):
                yield req
            elif self.profile.is_listing_url(url) and "/page/" not in url and page_no == 1:
                yield self._listing(url, 1)  # category roots linked from a first page
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if next_href and not self.start_url and page_no < self.profile.max_listing_pages:
            yield self._listing(canonicalize(urljoin(response.url, next_href)), page_no + 1)

    # -- articles ---------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Snippet]:
        snippet = self._snippet(response)
        if snippet is not None:
            yield snippet

    def _snippet(self, response: Response) -> Snippet | None:
        if response.status != 200:
            return None
        article: Article | None = self.profile.clean(response.body, response.url)
        if article is None:
            if not self.start_url:
                self._count("articles/not_article", response.url)
            return None
        if article.canonical_url in self.parsed:
            self._count("articles/duplicate", response.url)
            return None
        self.parsed.add(article.canonical_url)
        warc = response.meta.get("warc")
        if not warc:
            self._count("articles/no_warc_record", response.url)
            return None
        return Snippet(
            url=response.url, canonical_url=article.canonical_url, site=self.profile.name,
            title=article.title, published=article.published, modified=article.modified,
            document_date=article.document_date, authors=article.authors, categories=article.categories,
            language=article.language, text=article.text, fetched_at=warc["fetched_at"], run_id=self.run_id,
            cleaner_version=self.profile.cleaner_version, warc_file=warc["file"], warc_offset=warc["offset"],
            warc_length=warc["length"], warc_record_id=warc["record_id"], payload_digest=warc["payload_digest"],
        )

    # -- reporting --------------------------------------------------------------------------------------

    def _count(self, key: str, url: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key)
        examples = self.crawler.stats.get_value(f"{key}/examples", []) if self.crawler.stats else []
        if self.crawler.stats and len(examples) < 5:
            self.crawler.stats.set_value(f"{key}/examples", [*examples, url])

    def on_error(self, failure: Failure) -> None:
        """Every failed request is counted by kind, with example URLs, for the run report."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        response = getattr(failure.value, "response", None)
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        logger.warning("failed %s: %s", url, kind)
        self._count(f"errors/{kind}", url)
