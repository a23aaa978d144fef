"""UrlsSpider: fetch exactly the given URLs now, through the same cleaning and archiving as a crawl.

``newsarchive fetch URL ...`` runs it; ``scrapy crawl urls -a urls="URL URL ..."`` works as well. Each
URL is fetched unconditionally (whatever was archived before) and cleaned with the profile of its site:
the site its earlier snippets were filed under, else the profile whose host it is on, else the generic
one. Invalid URLs are reported and skipped; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Snippet
from crawler.core.addresses import origin
from crawler.core.store_setting import store_location
from crawler.discovery.urls import BadUrlError, is_loopback, validate_url
from crawler.sites import SiteProfile, profile_for_capture, profile_for_url
from crawler.spiders.base import LOOPBACK_CONCURRENCY, CaptureSpider

logger = logging.getLogger(__name__)


def split_urls(text: str) -> list[str]:
    """URLs separated by whitespace or newlines; blank lines and # comments are skipped."""
    urls = []
    for line in text.splitlines():
        line = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        urls += line.split()
    return urls


class UrlsSpider(CaptureSpider):
    """``scrapy crawl urls -a urls="URL URL" [-a site=rki.news]``; outcomes per URL in ``url_outcomes``."""

    name = "urls"
    takes_site_lock = False  # given URLs of any site; it writes no run of a site

    def __init__(self, urls: str | list[str] = "", site: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.forced_site = site
        self.requested: list[str] = []  # valid URLs, in the order given
        self.url_outcomes: dict[str, dict[str, str]] = {}  # given URL -> {"outcome", "reason", ...}
        self.profiles: dict[str, SiteProfile] = {}
        self.by_canonical: dict[str, str] = {}  # canonical URL of a fetched article -> the URL given for it
        for raw in (urls if isinstance(urls, list) else split_urls(urls)):
            try:
                self.requested.append(validate_url(raw))
            except BadUrlError as exc:
                self.url_outcomes[raw] = {"outcome": "failed", "reason": str(exc)}
        self.allowed_domains: list[str] = []  # any host given
        self.named_origins = frozenset(origin(u) for u in self.requested)

    def politeness(self) -> tuple[float, int, bool]:
        """The strictest profile among the hosts given; none when every URL is on loopback."""
        if all(is_loopback(u) for u in self.requested):
            return 0.0, LOOPBACK_CONCURRENCY, True
        profiles = [profile_for_url(u) for u in self.requested]
        return max(p.download_delay for p in profiles), min(p.concurrency for p in profiles), False

    @property
    def site_name(self) -> str:
        return self.forced_site or "urls"

    @property
    def warc_prefix(self) -> str:
        return "fetch"

    async def start(self) -> AsyncIterator[Request]:
        if self.recovery_failed:  # the repair before this run failed (crawler.extensions.site_lock)
            return
        with SnippetStore(store_location(self.settings)) as store:
            for url in self.requested:
                self.profiles[url] = profile_for_capture(url, site=self.forced_site or None, store=store)
        for url in self.requested:
            profile = self.profiles[url]
            yield Request(url, self.parse_article, dont_filter=True, errback=self.on_error,
                          meta={"given": url, "site": profile.site_name})

    def profile_for(self, response: Response) -> SiteProfile:
        return self.profiles[response.meta["given"]]

    async def parse_article(self, response: Response) -> AsyncIterator[Snippet | Request]:
        given = response.meta["given"]
        snippet = await self._snippet(response)
        if snippet is None:
            if given not in self.url_outcomes:  # a cleaning failure has said why already
                reason = f"http_{response.status}" if response.status != 200 else "not an article page"
                self.url_outcomes[given] = {"outcome": "failed", "reason": reason}
            return
        self.by_canonical[snippet.canonical_url] = given
        for item in self.with_resources(snippet, response):
            yield item

    def note_outcome(self, request: Request | None, outcome: str, reason: str = "") -> None:
        if request is not None and "given" in request.meta:
            self.url_outcomes[request.meta["given"]] = {"outcome": "failed", "reason": reason}

    def stored(self, snippet: Snippet, outcome: str) -> None:
        """Called by the store pipeline with the outcome of each snippet."""
        given = self.by_canonical.get(snippet.canonical_url, snippet.url)
        self.url_outcomes[given] = {"outcome": outcome, "canonical_url": snippet.canonical_url,
                                    "title": snippet.title, "version": str(snippet.version)}
