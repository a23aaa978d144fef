"""A crawl's live status on a terminal, redrawn in place, and what a Ctrl-C leaves to finish.

A polite crawl of a real site runs for minutes to hours; without this it is silent until its summary. The
line shows pages fetched, articles new and changed, errors so far, pages per minute, what is queued (the
scheduler's requests, the sitemaps still to read) and the time since the start. It is drawn by rich's
``Live`` on stderr, only when the command line asks for it (``NEWSARCHIVE_PROGRESS``: stderr is a terminal,
no ``-q``, no ``-v``), and it is transient: it leaves nothing behind, so the summary that follows reads as
it always did, and output to a file or a pipe is unchanged.
"""

from __future__ import annotations

import atexit
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

REFRESH_S = 0.25


def errors_so_far(stats: dict[str, Any]) -> int:
    return sum(v for k, v in stats.items() if k.startswith("errors/") and not k.endswith("/examples")
               and isinstance(v, int))


def elapsed_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def queued(stats: dict[str, Any]) -> int:
    """Requests waiting in the scheduler."""
    return max(int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0)), 0)


def status_line(stats: dict[str, Any], seconds: float) -> str:
    """The status of a crawl from its stats, in one line."""
    fetched = int(stats.get("downloader/response_count", 0))
    sitemaps = int(stats.get("discovery/sitemaps_requested", 0)) - int(stats.get("discovery/sitemaps_read", 0))
    rate = fetched / seconds * 60 if seconds >= 1 else 0.0
    return (f"pages fetched {fetched:,} · articles new {int(stats.get('articles/new', 0)):,}, "
            f"changed {int(stats.get('articles/changed', 0)):,} · errors {errors_so_far(stats):,} · "
            f"{rate:,.0f} pages/min · queued {queued(stats):,}"
            + (f" (sitemaps to read {sitemaps})" if sitemaps > 0 else "") + f" · {elapsed_text(seconds)}")


class CrawlStatusExtension:
    """Redraws the crawl's status line on stderr while the spider runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live: Live | None = None
        self.loop: LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStatusExtension:
        if not crawler.settings.getbool("NEWSARCHIVE_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.live = Live(self.render(), console=self.console, transient=True, auto_refresh=False)
        self.live.start()
        atexit.register(self.stop)  # a crawl stopped at once never closes its spider: the terminal is restored
        self.loop = LoopingCall(self.refresh)
        self.loop.start(REFRESH_S, now=False)

    def render(self) -> Text:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return Text(status_line(stats, time.monotonic() - self.started))

    def refresh(self) -> None:
        if self.live is not None:
            self.live.update(self.render(), refresh=True)

    def say(self, message: str, last: bool = False) -> None:
        """A line above the status (the status goes on below it); ``last``: the status stops here."""
        self.console.print(message, markup=False, highlight=False)
        if last:
            self.stop()

    def closed(self, spider: Spider) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop redrawing and take the status off the screen (the cursor shown again)."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()
            self.live = None


def in_flight(crawler: Crawler) -> tuple[int, int, int]:
    """Requests being downloaded, pages waiting for or in the cleaners, requests queued."""
    engine = crawler.engine
    downloading = len(getattr(getattr(engine, "downloader", None), "active", ()) or ())
    cleaner = getattr(crawler.spider, "cleaner", None)
    cleaning = int(getattr(cleaner, "pending", 0) or 0)
    return downloading, cleaning, queued(crawler.stats.get_stats() if crawler.stats else {})


def stopping_message(crawler: Crawler, forced: bool) -> str:
    downloading, cleaning, waiting = in_flight(crawler)
    if forced:
        return (f"stopping at once: {downloading} download(s) and {cleaning} page(s) being cleaned are dropped "
                "and not archived; everything archived so far stays intact, and the next run of the site closes "
                "the open WARC file and marks this run crashed")
    return (f"stopping gracefully: finishing {downloading} download(s) and {cleaning} page(s) being cleaned; "
            f"{waiting} queued request(s) are not fetched this run, the next run finds them again (Ctrl-C again "
            "stops at once)")


def announce_stop(crawler: Crawler, forced: bool) -> None:
    """Say what a stop leaves to finish, above the status line, where the status is shown."""
    for extension in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(extension, CrawlStatusExtension):
            extension.say(stopping_message(crawler, forced), last=forced)
