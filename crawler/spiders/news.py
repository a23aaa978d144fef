"""NewsSpider: one spider for every site, driven by its profile (feeds, sitemaps, listings, article rule)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Snippet
from crawler.cleaning.detect import url_score
from crawler.core.addresses import origin
from crawler.core.errors import error_kind
from crawler.discovery.archive_view import ArchiveView
from crawler.discovery.seen import DiskSet
from crawler.discovery.sitemaps import entry_date, feed_links, is_later, read_sitemap
from crawler.discovery.traps import QueryPatternBound
from crawler.discovery.urls import canonicalize, is_loopback, validate_url
from crawler.middlewares.budget import DISCOVERY, DiscoveryBudgetExhausted
from crawler.middlewares.robots import robots_parsed
from crawler.sites import SiteProfile, profile_class, profile_for_url
from crawler.spiders.base import LOOPBACK_CONCURRENCY, CaptureSpider

logger = logging.getLogger(__name__)

PRIORITY_ARTICLE = 30  # articles first: they are the point, and a short run should still archive some
PRIORITY_FEED = 20
PRIORITY_SITEMAP = 10
PRIORITY_LISTING = 0
PRIORITY_SHORTLINK = -10  # after everything else, so its redirect target has usually been fetched already
LISTING = "listing"  # request meta key: the canonical URL a page was followed under (generic mode: any page)
USUAL_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/news-sitemap.xml")


class NewsSpider(CaptureSpider):
    """``scrapy crawl news -a site=rki.news [-a base_url=...]`` or ``-a start_url=http://host/`` (generic)."""

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
        self.max_articles = int(max_articles or 0)
        self.recheck_hours = float(recheck_hours)
        # per-URL state of this run, on disk (crawler.discovery.seen): the process does not grow with the site
        self.scheduled = DiskSet()  # canonical article URLs requested this run
        self.articles_scheduled = 0  # permalink requests, the ones --max-articles limits
        self.followed = DiskSet(keep_values=True)  # listing (generic mode: any) page URLs requested this run
        self.answered = DiskSet()  # ... and those that got an answer (a page or an error)
        self.left = DiskSet(keep_values=True)  # generic mode: pages found beyond the discovery budget, in order
        self.discovery_budget = 0  # generic mode: pages followed for links per run (set from the settings)
        self.query_patterns = QueryPatternBound()  # generic mode: endless ?page=1, 2, 3 ... links

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        if not spider.max_articles:
            spider.max_articles = s.getint("NEWSARCHIVE_MAX_ARTICLES")
        if spider.recheck_hours < 0:
            spider.recheck_hours = s.getfloat("NEWSARCHIVE_RECHECK_HOURS", -1)
        if spider.recheck_hours < 0:
            spider.recheck_hours = spider.profile.recheck_hours
        spider.discovery_budget = s.getint("NEWSARCHIVE_DISCOVERY_BUDGET") or spider.profile.max_listing_pages
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

    def load_archive(self) -> None:
        """What earlier runs archived of this site: the run is incremental from it."""
        self.known = ArchiveView(Path(self.settings.get("NEWSARCHIVE_DATA")), self.site_name)
        self.crawler.signals.connect(self.known.close, signal=signals.spider_closed)

    # -- discovery -------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Discovery sources first (articles are scheduled as they are found), then the re-check window."""
        if self.lock_refused or self.recovery_failed:  # another run of the site is going, or the repair
            return  # before this one failed (crawler.extensions.site_lock)
        self.load_archive()
        p = self.profile
        for request in self._rechecks():
            yield request
        if self.start_url:
            # any site: its sitemaps (named in robots.txt, else at the usual paths) and feeds first, links after
            if not self.settings.getbool("ROBOTSTXT_OBEY"):  # else robots_read takes the one the rules came from
                yield Request(p.url("/robots.txt"), self.parse_robots, priority=PRIORITY_SITEMAP + 1,
                              errback=self.on_probe_error, meta={DISCOVERY: True, "dont_obey_robotstxt": True})
            yield self._listing(self.start_url, 1)
            # what the last run found but could not fetch comes next, within this run's budget
            for url in self.known.frontier():
                if url in self.followed:
                    continue
                if len(self.followed) < self.discovery_budget:
                    yield self._listing(url, 2)
                else:
                    self.left.add(url)
            return
        for path in p.feeds:
            yield Request(p.url(path), self.parse_feed, priority=PRIORITY_FEED, errback=self.on_error)
        for path in p.sitemaps:
            yield Request(p.url(path), self.parse_sitemap, priority=PRIORITY_SITEMAP, errback=self.on_error)
        for path in p.listings:
            yield self._listing(p.url(path), 1)

    def _rechecks(self) -> Iterator[Request]:
        """Archived articles published within the re-check window, fetched again (conditionally) for edits."""
        if not self.known or self.recheck_hours <= 0:
            return
        cutoff = (datetime.now(UTC) - timedelta(hours=self.recheck_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for url in self.known.recent(cutoff):
            if req := self._article(url, reason="recheck"):
                yield req

    @property
    def incremental(self) -> bool:
        return bool(self.known)

    @property
    def listing_pages(self) -> int:
        """How deep to page through listings: the first pages only once the archive has the site."""
        return self.profile.incremental_listing_pages if self.incremental else self.profile.max_listing_pages

    @property
    def limit_reached(self) -> bool:
        """True once --max-articles permalinks are scheduled: further discovery would only cost requests."""
        return bool(self.max_articles) and self.articles_scheduled >= self.max_articles

    def count_not_article(self, url: str) -> None:
        """In generic mode most pages are listings: all are counted, and the examples are pages whose URL
        does not say listing, where an article detection refused would be."""
        if self.start_url and url_score(url) < 0 and self.crawler.stats:
            self.crawler.stats.inc_value("articles/not_article")
        else:
            super().count_not_article(url)

    def counted_as_article(self, url: str) -> bool:
        """Scheduled this run as an article (and counted against --max-articles)."""
        return canonicalize(url) in self.scheduled

    def _listing(self, url: str, page_no: int) -> Request:
        canonical = canonicalize(url)
        self.followed.add(canonical)
        return Request(url, self.parse_listing, priority=PRIORITY_LISTING, errback=self.on_error,
                       meta={"page_no": page_no, DISCOVERY: True, LISTING: canonical})

    def _trap(self, url: str) -> bool:
        """Generic mode: many URLs that differ only in query values (?attachment_id=1, 2, 3 ...) are a trap."""
        verdict = self.query_patterns.check(url)
        if verdict == "first_refused":
            logger.warning("crawl trap? more than %d URLs like %s; following no more", self.query_patterns.limit, url)
            self._count("discovery/trap_bounded", url)
        return verdict != "follow"

    def _article(self, url: str, *, lastmod: str | None = None, reason: str = "") -> Request | None:
        """A request for an article URL not scheduled yet, or None when this run should not fetch it.

        New articles are fetched; archived ones only when the sitemap's ``lastmod`` is later than the
        archived version's modification date, or for the re-check window (``reason="recheck"``), and
        then conditionally, with the validators of the archived response. Shortlinks (``/?p=ID``) go
        last and do not count against the limit: their 301 usually leads to a permalink that was already
        requested, which the duplicate filter then drops. A limited run skips them, since it cannot know
        where they lead.
        """
        canonical = canonicalize(url)
        if canonical in self.scheduled or not self.profile.is_article_url(canonical):
            return None
        if self.start_url and url_score(canonical) < 0:
            return None  # generic mode: a sitemap's author, category, tag and static pages are no articles
        known = self.known.article(canonical)
        if known is not None:
            if lastmod and is_later(lastmod, known.modified or known.fetched_at):
                reason = "modified"
            elif reason != "recheck":
                return None
        elif self._redirects_to_known(canonical):
            return None
        else:
            reason = "new"
        shortlink = self.profile.is_shortlink(canonical)
        if self.max_articles and (shortlink or self.articles_scheduled >= self.max_articles):
            return None
        self.scheduled.add(canonical)
        meta = {"reason": reason, "handle_httpstatus_list": [304]}
        if shortlink:
            return Request(canonical, self.parse_article, priority=PRIORITY_SHORTLINK, errback=self.on_error,
                           meta=meta)
        self.articles_scheduled += 1
        if self.crawler.stats:
            self.crawler.stats.inc_value("articles/requested")
        return Request(canonical, self.parse_article, priority=PRIORITY_ARTICLE, errback=self.on_error, meta=meta,
                       headers=self._validators(canonical) if known else None)

    def _redirects_to_known(self, url: str) -> bool:
        state = self.known.state(url)
        return bool(state and 300 <= state.status < 400 and state.location
                    and canonicalize(state.location) in self.known)

    def _validators(self, url: str) -> dict[str, str]:
        """Conditional request headers from the last archived response of this URL."""
        state = self.known.state(url)
        headers: dict[str, str] = {}
        if not self.settings.getbool("NEWSARCHIVE_CONDITIONAL", True):
            return headers
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return headers

    def robots_read(self, response: Response, netloc: str) -> None:
        """Generic mode: the site's robots.txt, as the robots.txt middleware fetched it for its rules."""
        if self.start_url and netloc == urlsplit(self.profile.base_url).netloc and self.crawler.engine:
            for request in self.parse_robots(response):
                self.crawler.engine.crawl(request)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """Generic mode: the sitemaps robots.txt names, else the paths where sites usually put one."""
        named = [] if response.status != 200 else [
            line.split(":", 1)[1].strip() for line in response.text.splitlines()
            if line.strip().lower().startswith("sitemap:") and ":" in line]
        urls = [urljoin(response.url, u) for u in named if u] or [self.profile.url(p) for p in USUAL_SITEMAPS]
        for url in dict.fromkeys(urls):
            if self.profile.on_site(url):
                yield Request(url, self.parse_sitemap, priority=PRIORITY_SITEMAP, errback=self.on_probe_error,
                              meta={DISCOVERY: True})

    def on_probe_error(self, failure: Failure) -> None:
        """A guessed discovery source (robots.txt, /sitemap.xml ...) that is not there: counted, not an error."""
        request = getattr(failure, "request", None)
        if isinstance(failure.value, DiscoveryBudgetExhausted):
            return
        if self.crawler.stats:
            self.crawler.stats.inc_value("discovery/sources_missing")
        logger.debug("no discovery source at %s: %s", request.url if request else "?", error_kind(failure))

    def _feeds_named(self, response: TextResponse) -> Iterator[Request]:
        """Generic mode, the start page: the feeds its <link rel=alternate> names, else /feed/."""
        hrefs = response.xpath('//link[contains(concat(" ", normalize-space(@rel), " "), " alternate ")]'
                               '[contains(@type, "rss") or contains(@type, "atom") or contains(@type, "rdf")]'
                               '/@href').getall()
        hrefs = [h for h in hrefs if "comments" not in h] or ["/feed/"]
        for href in dict.fromkeys(hrefs):
            url = urljoin(response.url, href.strip())
            if self.profile.on_site(url):
                yield Request(url, self.parse_feed, priority=PRIORITY_FEED, errback=self.on_probe_error,
                              meta={DISCOVERY: True})

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """RSS 2.0 / Atom: item links (tracking parameters are stripped by canonicalisation)."""
        links = feed_links(response.body)
        if links is None:
            self._count("discovery/bad_feed", response.url)
            return
        for link in links:
            if req := self._article(urljoin(response.url, link)):
                yield req

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Sitemap index (follow children) or urlset (article URLs)."""
        sitemap = read_sitemap(response.body)
        if sitemap is None:
            self._count("discovery/bad_sitemap", response.url)
            return
        kind, entries = sitemap
        for entry in entries:
            loc = urljoin(response.url, str(entry.get("loc", "")).strip())
            if not self.profile.on_site(loc):
                continue
            if kind == "sitemapindex":
                if self.limit_reached:
                    return
                yield Request(loc, self.parse_sitemap, priority=PRIORITY_SITEMAP, errback=self.on_error,
                              meta={DISCOVERY: True})
            elif req := self._article(loc, lastmod=entry_date(entry)):
                yield req

    async def parse_listing(self, response: Response) -> AsyncIterator[Request | Snippet]:
        """Home, category or (generic mode) any page: article links, sub-listings and the next page."""
        self.answered.add(response.meta.get(LISTING, ""))
        if not isinstance(response, TextResponse):
            return
        if self.start_url:  # generic mode: every page may itself be an article
            # a sitemap or feed may have scheduled (and counted) this URL while its link request was queued,
            # and the duplicate filter then dropped the article request: it is cleaned here
            canonical = canonicalize(response.url)
            counted = canonical in self.scheduled
            if self.limit_reached and not counted:
                return
            snippet = await self._snippet(response)
            if snippet is not None:
                if not counted:
                    self.scheduled.add(canonical)  # a sitemap or feed naming it later does not request it again
                    self.articles_scheduled += 1
                    if self.crawler.stats:
                        self.crawler.stats.inc_value("articles/requested")
                yield snippet
        page_no = int(response.meta.get("page_no", 1))
        if self.limit_reached:
            return
        if self.start_url and canonicalize(response.url) == canonicalize(self.start_url):
            for feed in self._feeds_named(response):
                yield feed
        if self.start_url:
            for request in self._links_to_follow(response, page_no):
                yield request
            return
        for href in response.css("a::attr(href)").getall():
            url = canonicalize(urljoin(response.url, href))
            if req := self._article(url):
                yield req
            elif self.profile.is_listing_url(url) and "/page/" not in url and page_no == 1:
                yield self._listing(url, 1)  # category roots linked from a first page
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if next_href and page_no < self.listing_pages:
            yield self._listing(canonicalize(urljoin(response.url, next_href)), page_no + 1)

    def _links_to_follow(self, response: TextResponse, page_no: int) -> Iterator[Request]:
        """Generic mode: every same-site link not followed, scheduled or archived yet, within the budget."""
        for href in response.css("a::attr(href)").getall():
            url = canonicalize(urljoin(response.url, href))
            if not self.profile.on_site(url) or url in self.followed or url in self.known or \
                    url in self.scheduled or self._trap(url):
                continue
            if len(self.followed) < self.discovery_budget:
                yield self._listing(url, page_no + 1)
            else:
                self.left.add(url)

    # -- articles ---------------------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Snippet | Request]:
        if response.status == 304:
            self._count("articles/not_modified", response.url)
            return
        snippet = await self._snippet(response)
        if snippet is not None:
            yield snippet
        if self.start_url and isinstance(response, TextResponse) and not self.limit_reached:
            # generic mode: an article found in a sitemap or feed links on as a page found by a link would
            for request in self._links_to_follow(response, 1):
                yield request

    def profile_for(self, response: Response) -> SiteProfile:
        return self.profile

    def closed(self, reason: str) -> None:
        try:
            self._save_frontier()
        finally:
            for state in (self.scheduled, self.followed, self.answered, self.left):
                state.close()
            super().closed(reason)

    def _save_frontier(self) -> None:
        """Generic mode: keep what this run found but did not fetch (beyond the budget, or queued when it
        stopped) for the next run, and say how much that is."""
        if not self.start_url or self.lock_refused or self.recovery_failed or not self.settings.get("NEWSARCHIVE_DATA"):
            return
        unanswered = [url for url in self.followed if url not in self.answered]
        # a page a sitemap or feed got fetched as an article after it was left is not left any more
        left = [url for url in dict.fromkeys([*unanswered, *self.left]) if url not in self.scheduled]
        with SnippetStore(Path(self.settings.get("NEWSARCHIVE_DATA"))) as store:
            store.save_frontier(self.site_name, left)
        if self.crawler.stats:
            self.crawler.stats.set_value("discovery/left", len(left))

    def on_answer(self, request: Request) -> None:
        self.answered.add(request.meta.get(LISTING, ""))
