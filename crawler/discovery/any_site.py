"""Generic-mode discovery: from one start URL of a site nobody wrote a profile for, to all its articles.

The sitemaps robots.txt names (else those at the usual paths) and the feeds the start page names (else
``/feed/``) come first; then every same-site link of every page, each page itself a candidate article,
within a budget of pages per run. Sitemap and feed entries whose URL says listing (author, tag, category,
search, page numbers) are not requested as articles. Endless query-string URLs are bounded as a trap. What
a run found beyond its budget, or had queued when it stopped, is the next run's frontier.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.store.snippet_store import SnippetStore
from crawler.cleaning.detect import url_score
from crawler.core.errors import DiscoveryBudgetExhausted, error_kind
from crawler.core.spider_contract import DISCOVERY
from crawler.core.store_setting import store_location
from crawler.discovery.seen import DiskSet
from crawler.discovery.strategy import PRIORITY_FEED, PRIORITY_SITEMAP, DiscoveryHost, ProfileDiscovery
from crawler.discovery.traps import QueryPatternBound
from crawler.discovery.urls import canonicalize

logger = logging.getLogger(__name__)

USUAL_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/news-sitemap.xml")


class AnySiteDiscovery(ProfileDiscovery):
    """Sitemaps, feeds, then same-site links from ``start_url``, every page a candidate article."""

    pages_are_articles = True

    def __init__(self, host: DiscoveryHost, start_url: str, budget: int) -> None:
        super().__init__(host)
        self.start_url = start_url
        self.budget = budget  # pages followed for links per run
        self.answered = DiskSet()  # pages followed that got an answer (a page or an error)
        self.left = DiskSet(keep_values=True)  # pages found beyond the budget, in order
        self.query_patterns = QueryPatternBound()  # endless ?page=1, 2, 3 ... links

    def start(self) -> Iterator[Request]:
        host = self.host
        if not host.settings.getbool("ROBOTSTXT_OBEY"):  # else robots_read takes the one the rules came from
            yield Request(host.profile.url("/robots.txt"), host.parse_robots, priority=PRIORITY_SITEMAP + 1,
                          errback=host.on_probe_error, meta={DISCOVERY: True, "dont_obey_robotstxt": True})
        yield host.listing_request(self.start_url, 1)
        # what the last run found but could not fetch comes next, within this run's budget
        for url in host.known.frontier():
            if url in host.followed:
                continue
            if len(host.followed) < self.budget:
                yield host.listing_request(url, 2)
            else:
                self.left.add(url)

    def takes_article(self, canonical: str) -> bool:
        return url_score(canonical) >= 0  # a sitemap's author, category, tag and static pages are no articles

    def example_of_not_article(self, url: str) -> bool:
        return url_score(url) >= 0  # most pages of a site are listings; those whose URL says so are no news

    def robots_read(self, response: Response) -> Iterator[Request]:
        """The sitemaps the site's robots.txt names, else the paths where sites usually put one."""
        named = [] if response.status != 200 or not isinstance(response, TextResponse) else [
            line.split(":", 1)[1].strip() for line in response.text.splitlines()
            if line.strip().lower().startswith("sitemap:") and ":" in line]
        profile = self.host.profile
        urls = [urljoin(response.url, u) for u in named if u] or [profile.url(p) for p in USUAL_SITEMAPS]
        for url in dict.fromkeys(urls):
            if profile.on_site(url):
                yield self.sitemap_request(url, self.host.on_probe_error)

    def probe_failed(self, failure: Failure) -> None:
        """A guessed discovery source (robots.txt, /sitemap.xml ...) that is not there: counted, not an error."""
        request = getattr(failure, "request", None)
        if isinstance(failure.value, DiscoveryBudgetExhausted):
            return
        if self.host.crawler.stats:
            self.host.crawler.stats.inc_value("discovery/sources_missing")
        logger.debug("no discovery source at %s: %s", request.url if request else "?", error_kind(failure))

    def answered_page(self, canonical: str) -> None:
        self.answered.add(canonical)

    def from_page(self, response: TextResponse, page_no: int) -> Iterator[Request]:
        if canonicalize(response.url) == canonicalize(self.start_url):
            yield from self._feeds_named(response)
        yield from self._links_to_follow(response, page_no)

    def from_article(self, response: TextResponse) -> Iterator[Request]:
        """An article found in a sitemap or feed links on as a page found by a link would."""
        return self._links_to_follow(response, 1)

    def _feeds_named(self, response: TextResponse) -> Iterator[Request]:
        """The start page: the feeds its <link rel=alternate> names, else /feed/."""
        hrefs = response.xpath('//link[contains(concat(" ", normalize-space(@rel), " "), " alternate ")]'
                               '[contains(@type, "rss") or contains(@type, "atom") or contains(@type, "rdf")]'
                               '/@href').getall()
        hrefs = [h for h in hrefs if "comments" not in h] or ["/feed/"]
        for href in dict.fromkeys(hrefs):
            url = urljoin(response.url, href.strip())
            if self.host.profile.on_site(url):
                yield Request(url, self.host.parse_feed, priority=PRIORITY_FEED, errback=self.host.on_probe_error,
                              meta={DISCOVERY: True})

    def _links_to_follow(self, response: TextResponse, page_no: int) -> Iterator[Request]:
        """Every same-site link not followed, scheduled or archived yet, within the budget."""
        host = self.host
        for href in response.css("a::attr(href)").getall():
            url = canonicalize(urljoin(response.url, href))
            if not host.profile.on_site(url) or url in host.followed or url in host.known or \
                    url in host.scheduled or self._trap(url):
                continue
            if len(host.followed) < self.budget:
                yield host.listing_request(url, page_no + 1)
            else:
                self.left.add(url)

    def _trap(self, url: str) -> bool:
        """Many URLs that differ only in query values (?attachment_id=1, 2, 3 ...) are a trap."""
        verdict = self.query_patterns.check(url)
        if verdict == "first_refused":
            logger.warning("crawl trap? more than %d URLs like %s; following no more", self.query_patterns.limit, url)
            self.host.count("discovery/trap_bounded", url)
        return verdict != "follow"

    def closed(self, stopped_early: bool) -> None:
        try:
            if not stopped_early:
                self._save_frontier()
        finally:
            self.answered.close()
            self.left.close()

    def _save_frontier(self) -> None:
        """Keep what this run found but did not fetch (beyond the budget, or queued when it stopped) for the
        next run, and say how much that is."""
        host = self.host
        if not host.settings.get("NEWSARCHIVE_DATA"):
            return
        unanswered = [url for url in host.followed if url not in self.answered]
        # a page a sitemap or feed got fetched as an article after it was left is not left any more
        left = [url for url in dict.fromkeys([*unanswered, *self.left]) if url not in host.scheduled]
        with SnippetStore(store_location(host.settings)) as store:
            store.save_frontier(host.profile.site_name, left)
        if host.crawler.stats:
            host.crawler.stats.set_value("discovery/left", len(left))
