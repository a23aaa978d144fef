"""Per-site run locks: two runs of one site on one data directory never overlap.

An ``flock`` on ``DATA/locks/SITE.lock``: the kernel releases it when the process ends, however it ends,
so a crashed run never leaves a stale lock behind (unlike a pid file).
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path
from types import TracebackType


def site_file_stem(site: str) -> str:
    """A site's name made safe as a file name: its lock, its metrics and its run outputs are named by it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", site)


class LockedError(RuntimeError):
    """Another live process holds the lock."""


class SiteLock:
    """Context manager holding the lock of one site for the duration of a run."""

    def __init__(self, data_dir: Path, site: str) -> None:
        self.path = data_dir / "locks" / (site_file_stem(site) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> SiteLock:
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
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> SiteLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
