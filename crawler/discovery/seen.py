"""What one run has seen (URLs scheduled, followed, answered, cleaned), kept on disk rather than in memory.

A run over a site of 50,000 articles sees a few hundred thousand URLs. Held as Python sets they cost about
150 bytes each and the crawl process grows with the site; Heritrix keeps its already-seen set on disk for
this reason. A ``DiskSet`` is a private temporary SQLite database (SQLite deletes it when the connection
closes, and its file is unlinked from the start, so a killed crawl leaves nothing behind) keyed by a 64-bit
hash of the string, with a bounded page cache: the process holds a few MiB whatever the number of URLs.
A 64-bit key makes two different URLs collide with a chance of about n²/2⁶⁵: 3·10⁻⁸ for a million URLs.

Only the reactor thread uses a set. Sets that must give their members back (``keep_values``) store them.

The same holds for the two per-URL structures of Scrapy itself: the duplicate filter's fingerprints
(``DiskDupeFilter``) and the requests waiting in the scheduler, which go to Scrapy's own disk queues in a
job directory of the run (``queue_dir``; the spider sets ``JOBDIR`` and removes it when the run ends,
recovery removes a killed run's).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

QUEUES = "tmp"  # DATA/tmp/queue-RUN_ID: the scheduler's disk queues of one run
CACHE_KIB = 1024  # SQLite page cache per set: what stays in memory however large the set grows
RECENT = 4096  # members last added or found, answered from memory: the links every page repeats (menus)


def queue_dir(data_dir: Path, run_id: str) -> Path:
    """Where a run's scheduler keeps the requests waiting to be fetched (Scrapy's JOBDIR)."""
    return data_dir / QUEUES / f"queue-{run_id}"


def _key(value: str | bytes) -> int:
    data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


class DiskSet:
    """A set of strings (or bytes) on disk: ``add``, ``discard``, ``in``, ``len``; iteration with ``keep_values``."""

    def __init__(self, values: Iterable[str] = (), *, keep_values: bool = False) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # "": a private temporary on-disk database
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode=OFF")  # scratch data: nothing to roll back or recover
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE members (key INTEGER NOT NULL UNIQUE, value TEXT)")  # rowid: insertion order
        self._keep = keep_values
        self._len = 0
        self._recent: OrderedDict[int, None] = OrderedDict()
        for value in values:
            self.add(value)

    def _remember(self, key: int) -> None:
        self._recent[key] = None
        self._recent.move_to_end(key)
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    def add(self, value: str | bytes) -> bool:
        """Add ``value``; True when it was not a member yet (one statement, not a lookup and an insert)."""
        key = _key(value)
        if key in self._recent:
            return False
        cursor = self._db.execute("INSERT OR IGNORE INTO members (key, value) VALUES (?, ?)",
                                  (key, value if self._keep and isinstance(value, str) else None))
        self._len += cursor.rowcount
        self._remember(key)
        return cursor.rowcount > 0

    def discard(self, value: str | bytes) -> None:
        key = _key(value)
        self._recent.pop(key, None)
        self._len -= self._db.execute("DELETE FROM members WHERE key = ?", (key,)).rowcount

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str | bytes):
            return False
        key = _key(value)
        if key in self._recent:
            self._recent.move_to_end(key)
            return True
        if self._db.execute("SELECT 1 FROM members WHERE key = ?", (key,)).fetchone() is None:
            return False
        self._remember(key)
        return True

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[str]:
        """The members in the order they were first added (only for a set made with ``keep_values``)."""
        if not self._keep:
            raise TypeError("this DiskSet keeps keys only; make it with keep_values=True to iterate")
        return (value for (value,) in self._db.execute("SELECT value FROM members ORDER BY rowid"))

    def close(self) -> None:
        self._db.close()


class DiskDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter (same request fingerprints, same log and stats) with the fingerprints seen
    in a ``DiskSet`` instead of a set in memory (``DUPEFILTER_CLASS``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen = DiskSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # no job directory: the fingerprints live in the DiskSet, not in a requests.seen file
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)

    def request_seen(self, request: Request) -> bool:
        return not self._seen.add(self.fingerprinter.fingerprint(request))

    def close(self, reason: str) -> None:
        super().close(reason)
        self._seen.close()
