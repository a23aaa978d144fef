"""The crawl's one writer of WARC files and of the store, with group commit.

Every exchange is written to the WARC file when it arrives; what points at it (the capture index used for
revisits, the URL's fetch state, the article's snippet) goes into the store. Syncing both to disk per
exchange costs several fsyncs a page. Here they are grouped: the WARC file is fsynced and then the store
committed, in that order, once ``NEWSARCHIVE_COMMIT_EVERY`` writes are waiting or the oldest has waited
``NEWSARCHIVE_COMMIT_SECONDS``, and when the crawl closes; a snippet that comes after a quiet spell (none
committed for that long) is committed at once, so a slow crawl stores each article as it comes and only a
busy one groups them. A committed snippet never points at WARC bytes that are not durable. A crash loses
only what was not committed yet, and nothing of it for good: the WARC records are on disk (or cut back to
the last whole record), and the next run's recovery cleans the records that have no snippet.
``NEWSARCHIVE_COMMIT_EVERY = 1`` syncs per exchange, as before.

The WARC middleware and the store pipeline share this object (``archive_writer(crawler)``): one SQLite
connection, so the group's transaction never waits on a second writer of the same crawl.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from archive.store.database import store_errors
from archive.store.snippet_store import Outcome, SnippetStore
from archive.store.snippets import Snippet
from archive.warc.write import RecordPointer as WarcPointer
from archive.warc.write import WarcFileWriter, WarcRecordSpec, WarcWriteError
from crawler.core.store_setting import store_location

logger = logging.getLogger(__name__)

_WRITERS: WeakKeyDictionary[Crawler, ArchiveWriter] = WeakKeyDictionary()


def archive_writer(crawler: Crawler) -> ArchiveWriter:
    """The crawl's writer, made on first use by whichever component asks first."""
    if crawler not in _WRITERS:
        _WRITERS[crawler] = ArchiveWriter.from_crawler(crawler)
    return _WRITERS[crawler]


class ArchiveWriter:
    def __init__(self, store: SnippetStore, *, every: int, seconds: float, fsync: bool,
                 stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.store = store
        self.store.deferred = every > 1
        self.every = max(1, every)
        self.seconds = seconds
        self.fsync = fsync
        self.warc: WarcFileWriter | None = None  # set by the WARC middleware when WARC writing is on
        self._snippets: list[tuple[Snippet, Callable[[Snippet, Outcome | None], None]]] = []
        self._waiting = 0  # writes since the last commit
        self._oldest = 0.0  # monotonic time of the first of them
        self._snippet_committed = float("-inf")  # monotonic time of the last commit that stored snippets
        self._timer = task.LoopingCall(self._commit_if_due)
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveWriter:
        s = crawler.settings
        writer = cls(SnippetStore(store_location(s)), every=s.getint("NEWSARCHIVE_COMMIT_EVERY", 1),
                     seconds=s.getfloat("NEWSARCHIVE_COMMIT_SECONDS"), fsync=s.getbool("WARC_FSYNC"),
                     stats=crawler.stats)
        crawler.signals.connect(writer.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(writer.close, signal=signals.spider_closed)
        return writer

    def warc_writer(self, make: Callable[[bool], WarcFileWriter]) -> WarcFileWriter:
        """The WARC file writer, made once: fsync per write only when writes are not grouped."""
        if self.warc is None:
            self.warc = make(self.fsync and self.every == 1)
        return self.warc

    def spider_opened(self) -> None:
        if self.every > 1 and self.seconds > 0:
            self._timer.start(self.seconds, now=False)

    # -- what waits for the next commit ---------------------------------------------------------------

    def wrote(self) -> None:
        """An exchange went into the WARC file and its capture and fetch state into the open transaction."""
        self._note_write()

    def add_snippet(self, snippet: Snippet, done: Callable[[Snippet, Outcome | None], None]) -> None:
        """Store a snippet with the next commit; ``done`` gets its outcome then (None: the store failed)."""
        self._snippets.append((snippet, done))
        if time.monotonic() - self._snippet_committed >= self.seconds:
            self.commit()  # the first after a quiet spell goes at once; those that follow it fast are grouped
        else:
            self._note_write()

    def write_derived(self, record: WarcRecordSpec) -> WarcPointer | None:
        """Write a record made during the crawl from another (a rendered DOM) into the run's WARC file."""
        if self.warc is None:
            return None
        try:
            (pointer,) = self.warc.write([record], datetime.now(UTC))
        except WarcWriteError as exc:
            logger.error("WARC write failed for the %s record of %s: %s", record.record_type, record.record_id, exc)
            if self.stats is not None:
                self.stats.inc_value("warc/write_errors")
            return None
        if self.stats is not None:
            self.stats.inc_value(f"warc/records/{record.record_type}")
        self.wrote()
        return pointer

    def add_page_resources(self, page_record_id: str, resources: list[tuple[str, str]]) -> None:
        """Note which (URL, kind) resources the page of that response record needs, with the next commit."""
        try:
            self.store.add_page_resources(page_record_id, resources)
        except store_errors() as exc:  # the resources are still fetched and archived; only the list is lost
            logger.error("could not note the resources of record %s: %s", page_record_id, exc)
            return
        self._note_write()

    def _note_write(self) -> None:
        if not self._waiting:
            self._oldest = time.monotonic()
        self._waiting += 1
        if self._waiting >= self.every:
            self.commit()

    def _commit_if_due(self) -> None:
        if self._waiting and time.monotonic() - self._oldest >= self.seconds:
            self.commit()

    def commit(self) -> None:
        """WARC bytes durable first, then the store's transaction with the snippets that point at them."""
        if self.warc is not None and self.fsync:
            self.warc.sync()
        snippets, self._snippets, self._waiting = self._snippets, [], 0
        if snippets:
            self._snippet_committed = time.monotonic()
        outcomes: list[Outcome | None] = []
        for snippet, _ in snippets:
            try:
                outcomes.append(self.store.add(snippet))
            except store_errors() as exc:  # a full disk or a broken file: the run must say it failed
                logger.error("could not store the snippet of %s: %s", snippet.url, exc)
                outcomes.append(None)
        try:
            self.store.commit()
        except store_errors() as exc:
            logger.error("could not commit %d snippet(s) and the fetch states: %s", len(snippets), exc)
            self.store.db.rollback()
            outcomes = [None] * len(snippets)
        for (snippet, done), outcome in zip(snippets, outcomes, strict=True):
            done(snippet, outcome)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer.running:
            self._timer.stop()
        self.commit()
        if self.warc is not None:
            self.warc.close()
            if self.stats is not None:
                self.stats.set_value("warc/files", len(self.warc.files_closed))
                self.stats.set_value("warc/bytes", self.warc.bytes_written)
        self.store.close()
