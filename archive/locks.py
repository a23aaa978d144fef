"""Per-site run locks: two runs of one site on one archive never overlap.

An ``flock`` on ``DATA/locks/SITE.lock``: the kernel releases it when the process ends, however it ends,
so a crashed run never leaves a stale lock behind (unlike a pid file). When the store is PostgreSQL, runs of
one site may start on different machines, so the lock is a PostgreSQL advisory lock instead, held by a
connection of its own for the run: the server releases it when that connection ends, however the process
ended (TCP keepalives find a machine that vanished).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from archive.store.location import StoreLocation

APPLICATION_PREFIX = "newsarchive-lock:"  # the lock's connection says whose it is, for the refusal message


def site_file_stem(site: str) -> str:
    """A site's name made safe as a file name: its lock, its metrics and its run outputs are named by it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", site)


class LockedError(RuntimeError):
    """Another live process holds the lock."""


def advisory_key(site: str) -> int:
    """The site's advisory lock key: 64 bits of a hash of its name, as a signed bigint."""
    digest = hashlib.sha256(f"newsarchive-site:{site}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SiteLock:
    """Context manager holding the lock of one site for the duration of a run."""

    def __init__(self, where: StoreLocation | Path, site: str) -> None:
        location = StoreLocation.of(where)
        self.path = location.data_dir / "locks" / (site_file_stem(site) + ".lock")
        self.site = site
        self.url = location.url
        self._fd: int | None = None
        self._connection: Any = None

    def _acquire_advisory(self, url: str) -> SiteLock:
        import psycopg

        name = f"{APPLICATION_PREFIX}{site_file_stem(self.site)}:{socket.gethostname()}:{os.getpid()}"[:63]
        connection = psycopg.connect(url, autocommit=True, application_name=name, keepalives=1,
                                     keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (advisory_key(self.site),)).fetchone()
        if not row or not row[0]:
            holder = connection.execute(
                "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                (f"{APPLICATION_PREFIX}{site_file_stem(self.site)}:%",)).fetchone()
            connection.close()
            who = holder[0].split(":", 2)[2] if holder else "another process"
            raise LockedError(f"a run of this site is already in progress (host:pid {who}; PostgreSQL "
                              "advisory lock)")
        self._connection = connection
        return self

    def acquire(self) -> SiteLock:
        if self.url is not None:
            return self._acquire_advisory(self.url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(f"a run of this site is already in progress (pid {holder}; lock {self.path})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # the session's advisory locks go with it
            self._connection = None
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> SiteLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class RunLock(SiteLock):
    """Held by an import, a backfill or a reextract for as long as it runs: no two of them exclude each other,
    but a later run can tell a dead one (whose row still says 'running') from a live one by taking its lock.
    The lock file goes when the run ends; a run that was killed leaves it, and the run that finds it dead
    removes it."""

    def __init__(self, where: StoreLocation | Path, run_id: str) -> None:
        super().__init__(where, f"run-{run_id}")

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # while held: whoever opens it afterwards makes a new file
        super().release()


RECOVERY_LOCK = "recovery.lock"


@contextmanager
def repair_lock(data_dir: Path) -> Iterator[None]:
    """One repair of a data directory at a time, waited for: ``DATA/locks/recovery.lock`` (an ``flock``).

    Every run repairs the whole WARC root, dead files of other sites and other workers included, so two
    sites starting together would otherwise salvage the same dead file at once and restore its snippets
    twice. A repair is short; the second one then finds the work done.
    """
    path = data_dir / "locks" / RECOVERY_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the flock
