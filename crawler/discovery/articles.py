"""Which articles a run requests: new ones, changed ones, those in the re-check window, up to its limit.

Whatever found an article URL (a feed, a sitemap, a listing, generic mode's links), the same rules decide
whether this run fetches it: once per run; an archived article only when a sitemap's ``lastmod`` is later
than the archived version, or when it falls in the re-check window, and then conditionally, with the
validators of the archived response; a URL whose last fetch redirected to an archived article not at all.
Shortlinks (``/?p=ID``) go last and do not count against ``--max-articles``: their 301 usually leads to a
permalink already requested, which the duplicate filter then drops; a limited run skips them, since it
cannot know where they lead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request

from crawler.discovery.archive_view import ArchiveView
from crawler.discovery.seen import DiskSet
from crawler.discovery.sitemaps import is_later
from crawler.discovery.strategy import PRIORITY_ARTICLE, PRIORITY_SHORTLINK
from crawler.discovery.urls import canonicalize
from crawler.sites import SiteProfile


class ArticleSchedule:
    """The articles requested this run (on disk), and the requests for those still to come."""

    def __init__(self, profile: SiteProfile, max_articles: int) -> None:
        self.profile = profile
        self.max_articles = max_articles
        self.scheduled = DiskSet()  # canonical article URLs requested this run
        self.count = 0  # permalink requests, the ones --max-articles limits
        self.known = ArchiveView(None, "")  # what earlier runs archived of the site (set when the run starts)
        self.conditional = True  # conditional requests for archived articles
        self.stats: Any = None  # the crawl's stats collector, for articles/requested

    @property
    def limit_reached(self) -> bool:
        return bool(self.max_articles) and self.count >= self.max_articles

    def __contains__(self, canonical: object) -> bool:
        return canonical in self.scheduled

    def counted(self, canonical: str) -> None:
        """A page found by a link turned out to be an article: counted as requested."""
        self.scheduled.add(canonical)  # a sitemap or feed naming it later does not request it again
        self.count += 1
        if self.stats:
            self.stats.inc_value("articles/requested")

    def request(self, url: str, callback: Callable[..., Any], errback: Callable[..., Any], *,
                lastmod: str | None = None, reason: str = "", wanted: bool = True) -> Request | None:
        """A request for an article URL not scheduled yet, or None when this run should not fetch it
        (``wanted``: what the discovery strategy says of the URL)."""
        canonical = canonicalize(url)
        if canonical in self.scheduled or not wanted or not self.profile.is_article_url(canonical):
            return None
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
        if self.max_articles and (shortlink or self.count >= self.max_articles):
            return None
        self.scheduled.add(canonical)
        meta = {"reason": reason, "handle_httpstatus_list": [304]}
        if shortlink:
            return Request(canonical, callback, priority=PRIORITY_SHORTLINK, errback=errback, meta=meta)
        self.count += 1
        if self.stats:
            self.stats.inc_value("articles/requested")
        return Request(canonical, callback, priority=PRIORITY_ARTICLE, errback=errback, meta=meta,
                       headers=self._validators(canonical) if known else None)

    def rechecks(self, hours: float) -> list[str]:
        """Archived articles published within the last ``hours``: fetched again (conditionally) for edits."""
        if not self.known or hours <= 0:
            return []
        cutoff = (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.known.recent(cutoff)

    def _redirects_to_known(self, url: str) -> bool:
        state = self.known.state(url)
        return bool(state and 300 <= state.status < 400 and state.location
                    and canonicalize(state.location) in self.known)

    def _validators(self, url: str) -> dict[str, str]:
        """Conditional request headers from the last archived response of this URL."""
        state = self.known.state(url)
        headers: dict[str, str] = {}
        if not self.conditional:
            return headers
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return headers

    def close(self) -> None:
        self.scheduled.close()
