"""CaptureSpider: what both spiders share once a response is in. Run settings (run id, User-Agent,
politeness, the cleaning pool), cleaning an archived response into a snippet, and reporting every failure by
kind. ``NewsSpider`` adds discovery; ``UrlsSpider`` fetches the URLs it was given."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.store.snippets import Snippet
from crawler.cleaning.capture import BAD_ENCODING, NOT_ARTICLE, RECORD_META, Capture, RecordPointer
from crawler.cleaning.fork_server import cleaning_workers
from crawler.cleaning.pool import CleaningFailed, CleaningPool
from crawler.core.errors import DiscoveryBudgetExhausted, count_event, error_kind
from crawler.core.identity import new_run_id, user_agent
from crawler.core.responses import header_text
from crawler.discovery.archive_view import ArchiveView
from crawler.discovery.seen import DiskSet, queue_dir
from crawler.discovery.urls import canonicalize
from crawler.sites import SiteProfile
from crawler.spiders.rendering import PageRendering
from crawler.spiders.resources import PageResourceCallbacks

logger = logging.getLogger(__name__)

LOOPBACK_CONCURRENCY = 8  # the local replica needs no politeness


class CaptureSpider(PageResourceCallbacks, PageRendering, scrapy.Spider):
    """The components' contract (crawler.core.spider_contract) with the defaults of a run that is no crawl of a
    site; subclasses say how polite to be and which profile cleans a response."""

    takes_site_lock = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.known = ArchiveView(None, "")  # the archive's articles and URL states of this site, per URL
        self.parsed = DiskSet()  # canonical URLs cleaned this run: one snippet per article per run (on disk)
        self.cleaner = CleaningPool(0, 0)  # replaced by from_crawler with the settings' pool
        self.queue_dir: Path | None = None  # the scheduler's disk queues of this run, removed when it ends
        self.lock_refused: str | None = None  # set when another run holds the site's lock
        self.recovery_failed: str | None = None  # set when the repair before the run failed
        self.url_outcomes: dict[str, dict[str, str]] | None = None  # a crawl reports counts, not URLs
        self.named_origins: frozenset[str] = frozenset()  # targets the user gave: reached whatever their address

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        spider: CaptureSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        if not s.get("NEWSARCHIVE_RUN_ID"):
            s.set("NEWSARCHIVE_RUN_ID", new_run_id(), priority="spider")
        s.set("USER_AGENT", user_agent(s.get("NEWSARCHIVE_CONTACT")), priority="spider")
        if s.get("NEWSARCHIVE_DATA") and not s.get("JOBDIR"):  # the scheduler's queues on disk, for this run only
            s.set("JOBDIR", str(queue_dir(Path(s.get("NEWSARCHIVE_DATA")), s.get("NEWSARCHIVE_RUN_ID"))),
                  priority="spider")
            spider.queue_dir = Path(s.get("JOBDIR"))
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        spider.set_up_resources(crawler, lambda url: spider.known.state(url))  # the view is set when it starts
        spider.set_up_rendering(crawler)
        spider.cleaner = CleaningPool(cleaning_workers(s.getint("NEWSARCHIVE_CLEAN_WORKERS", -1)),
                                      s.getfloat("NEWSARCHIVE_CLEAN_TIMEOUT", 60.0))
        crawler.signals.connect(spider.warm_up_cleaner, signal=signals.engine_started)
        crawler.signals.connect(spider.cleaner.close, signal=signals.spider_closed)
        delay, concurrency, loopback = spider.politeness()
        if loopback:
            s.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        s.set("DOWNLOAD_DELAY", delay, priority="spider")
        s.set("CONCURRENT_REQUESTS_PER_DOMAIN", concurrency, priority="spider")
        s.set("AUTOTHROTTLE_START_DELAY", max(delay, 0.5), priority="spider")
        return spider

    def warm_up_cleaner(self) -> None:
        """Start the cleaning pool as the engine starts, once the site lock and the repair (at spider_opened,
        whose handlers run after the spider's own) have said the run goes on: a run refused its site's lock
        ends at once, and a fork server it had started would still be loading the cleaners, and print a
        traceback as it found its parent gone."""
        if not (self.lock_refused or self.recovery_failed):
            self.cleaner.warm_up()

    def politeness(self) -> tuple[float, int, bool]:
        """Delay and concurrency per site, and whether every target is on loopback (then no AutoThrottle)."""
        raise NotImplementedError

    def profile_for(self, response: Response) -> SiteProfile:
        """The profile that cleans this response."""
        raise NotImplementedError

    @property
    def run_id(self) -> str:
        return str(self.settings.get("NEWSARCHIVE_RUN_ID"))

    @property
    def limit_reached(self) -> bool:
        return False

    def counted_as_article(self, url: str) -> bool:
        return False

    # -- cleaning --------------------------------------------------------------------------------------

    async def _snippet(self, response: Response) -> Snippet | None:
        """The snippet of an archived 200 response, through the cleaning pool; None, counted, when there is none."""
        if response.status != 200:
            return None
        pointer = response.meta.get(RECORD_META)
        if not isinstance(pointer, RecordPointer):  # the exchange could not be archived: nothing to point at
            self.count("articles/no_warc_record", response.url)
            return None
        profile = self.profile_for(response)
        capture = Capture(response.url, response.body, header_text(response, b"Content-Type"), pointer)
        if self.crawler.stats:  # pages waiting for the cleaners at once: what backpressure keeps bounded
            self.crawler.stats.max_value("cleaning/max_waiting", self.cleaner.pending + 1)
        try:
            cleaned = await self.cleaner.clean(capture, profile, self.run_id)
            if self.wants_render(response, profile, cleaned):  # an app shell: the article comes by script
                cleaned = await self.rendered(response, profile, cleaned)
        except CleaningFailed as exc:  # the WARC record is kept: `reextract` can try the page again
            logger.error("not stored, %s: %s (%s)", exc.kind, response.url, exc)
            self.count(f"errors/{exc.kind}", response.url)
            self.note_outcome(response.request, "failed", exc.kind)
            return None
        if cleaned.fallback:  # the profile's rules missed a page its article rule claims: layout drift?
            self.count("articles/profile_misses", response.url)
            if self.crawler.stats:
                self.crawler.stats.set_value("articles/profile_version", profile.cleaner_version)
        if cleaned.refused == NOT_ARTICLE:  # counted in every mode: a page detection refused must show
            self.count_not_article(response.url)
            return None
        if cleaned.refused == BAD_ENCODING:  # the WARC record keeps the bytes; a fixed cleaner can re-extract them
            logger.warning("not stored, wrongly labelled encoding: %s", response.url)
            self.count("errors/bad_encoding", response.url)
            self.note_outcome(response.request, "failed", "bad_encoding")
            return None
        snippet = cleaned.snippet
        assert snippet is not None
        for flag in ("encoding_guessed", "body_truncated"):  # stored, but read by a guess or in part
            if flag in snippet.flags:
                self.count(f"articles/{flag}", response.url)
        if snippet.canonical_url in self.parsed:
            self.count("articles/duplicate", response.url)
            return None
        self.parsed.add(snippet.canonical_url)
        return snippet

    def closed(self, reason: str) -> None:
        self.parsed.close()
        self.resources.close()
        if self.queue_dir:  # the scheduler has closed its queues: what they held was this run's only
            shutil.rmtree(self.queue_dir, ignore_errors=True)

    # -- reporting --------------------------------------------------------------------------------------

    def count_not_article(self, url: str) -> None:
        """Count a page the cleaner found no article in, with its URL as an example."""
        self.count("articles/not_article", url)

    def count(self, key: str, url: str) -> None:
        """Count an event in the run's stats, with example URLs for the report."""
        count_event(self.crawler.stats, key, url)

    def on_answer(self, request: Request) -> None:
        """Hook: a request got its answer (a page or an error); a crawl keeps count for its frontier."""

    def on_error(self, failure: Failure) -> None:
        """Every failed request is counted by kind, with example URLs, for the run report."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if isinstance(failure.value, DiscoveryBudgetExhausted):
            return  # a limited run that has its articles: not an error
        if request is not None:
            self.on_answer(request)
        kind = error_kind(failure)
        if kind in ("http_404", "http_410") and canonicalize(url) in self.known:
            logger.warning("gone: %s (%s)", url, kind)
            self.count("articles/gone", url)  # its archived versions stay
            self.note_outcome(request, "gone", kind)
            return
        logger.warning("failed %s: %s", url, kind)
        self.count(f"errors/{kind}", url)
        self.note_outcome(request, "failed", kind)

    def request_dropped(self, request: Request) -> None:
        """The duplicate filter ends a redirect loop before REDIRECT_MAX_TIMES does: report it as one."""
        self.on_answer(request)  # its target was fetched under another URL
        if request.url in request.meta.get("redirect_urls", []):
            first = request.meta["redirect_urls"][0]
            logger.warning("redirect loop: %s", first)
            self.count("errors/redirect_loop", first)
            self.note_outcome(request, "failed", "redirect_loop")

    def note_outcome(self, request: Request | None, outcome: str, reason: str = "") -> None:
        """Hook for spiders that report per URL (``urls``); a crawl reports counts only."""

    def stored(self, snippet: Snippet, outcome: str) -> None:
        """Hook for spiders that report per URL (``urls``): the store pipeline stored ``snippet``."""
