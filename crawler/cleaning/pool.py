"""Cleaning off the reactor: pages are cleaned in worker processes while Scrapy goes on downloading.

Cleaning is most of the CPU a crawl spends (trafilatura alone about half of it), and on the reactor thread
it stops every download while one page is parsed. Here each page goes to a pool of worker processes
(``NEWSARCHIVE_CLEAN_WORKERS``, the number of cores by default; 0 cleans in the crawl's own thread as before).

- Backpressure: at most ``2 x workers`` pages are being cleaned or waiting in the pool; a callback beyond
  that waits for a free place, and while callbacks wait their responses stay in Scrapy's scraper slot,
  whose size limit (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) stops the engine from downloading more. A slow
  cleaner slows the crawl instead of filling memory.
- Isolation: pebble's pool (not ``concurrent.futures``, whose whole pool breaks when one worker dies) runs
  each page as a task with a time limit (``NEWSARCHIVE_CLEAN_TIMEOUT``): a page that kills its worker or
  runs too long costs that page only, raised here as ``CleaningFailed`` with the kind the report counts
  (``clean_crashed``, ``clean_timeout``, ``clean_error``); the pool replaces the worker and goes on.
- Workers come from a fork server that imported the cleaners once, so starting one is a fork, and each is
  replaced after ``MAX_TASKS_PER_WORKER`` pages, so that memory a parser leaks does not add up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from archive.children import die_with_parent
from crawler.cleaning.capture import Capture, Cleaned, clean_capture
from crawler.cleaning.fork_server import cleaning_context

if TYPE_CHECKING:
    from crawler.sites import SiteProfile

logger = logging.getLogger(__name__)
R = TypeVar("R")

MAX_TASKS_PER_WORKER = 2000


class CleaningFailed(Exception):
    """A page whose cleaning crashed, hung or raised; ``kind`` names it for the run report."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _new_pool(workers: int) -> ProcessPool:
    context = cleaning_context()
    # a worker's parent is the forkserver, which exits when the crawl does, however it ends; an idle worker
    # then sees its task pipe close, and one busy with a long page is sent SIGTERM instead of finishing it
    return ProcessPool(max_workers=workers, max_tasks=MAX_TASKS_PER_WORKER, context=context,
                       initializer=die_with_parent)


def _failure(exc: BaseException, timeout: float | None, what: str) -> CleaningFailed:
    """The report's name for what went wrong: a time limit, a worker that died, or a cleaner that raised
    (logged with its traceback, the worker's when it raised there). Call it from the ``except`` block."""
    if isinstance(exc, FutureTimeout):
        return CleaningFailed("clean_timeout", f"cleaning took over {timeout or 0:g} s")
    if isinstance(exc, ProcessExpired):
        return CleaningFailed("clean_crashed", f"the cleaning process died (exit code {exc.exitcode})")
    remote = getattr(exc, "traceback", "")
    logger.error("cleaning %s raised %r%s", what, exc, "\n" + remote if remote else "", exc_info=not remote)
    return CleaningFailed("clean_error", f"the cleaner raised {type(exc).__name__}: {exc}")


class CleaningPool:
    """``await pool.clean(capture, profile, run_id)`` -> what ``clean_capture`` makes of it, or CleaningFailed."""

    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self._pool: ProcessPool | None = None
        self._places: asyncio.Semaphore | None = None
        self.pending = 0  # pages handed to the pool and not done: being cleaned or waiting for a place

    def _started(self) -> ProcessPool:
        if self._pool is None:
            self._pool = _new_pool(self.workers)
        return self._pool

    def warm_up(self) -> None:
        """Start the fork server and the workers now, while the first pages download, not at the first page."""
        if self.workers > 0:
            self._started().schedule(os.getpid)

    async def clean(self, capture: Capture, profile: SiteProfile, run_id: str) -> Cleaned:
        if self.workers <= 0:
            return self._inline(capture, profile, run_id)
        if self._places is None:
            self._places = asyncio.Semaphore(2 * self.workers)
        self.pending += 1
        try:
            async with self._places:
                try:
                    future = self._started().schedule(clean_capture, args=(capture, profile, run_id),
                                                      timeout=self.timeout)
                except RuntimeError as exc:  # pebble's word for a broken pool: its fork server was killed
                    return self._without_pool(exc, capture, profile, run_id)
                try:
                    return await asyncio.wrap_future(future)
                except ProcessExpired as exc:
                    if exc.exitcode == -signal.SIGTERM:  # stopped from outside, not by this page
                        return self._without_pool(exc, capture, profile, run_id)
                    raise _failure(exc, self.timeout, capture.url) from exc
                except Exception as exc:  # this page only: the pool goes on
                    raise _failure(exc, self.timeout, capture.url) from exc
        finally:
            self.pending -= 1

    def _without_pool(self, why: BaseException, capture: Capture, profile: SiteProfile, run_id: str) -> Cleaned:
        """Clean here, and every page after this one: the pool's processes were stopped from outside. A service
        manager stopping the crawl signals every process it started, and so does a terminal's process group;
        the crawl then stops gracefully, and the pages it still has in hand must not go without a snippet."""
        if self.workers > 0:
            logger.warning("the cleaning processes were stopped from outside (%s); the crawl's own process "
                           "cleans the pages from now on", why)
            self.workers = 0
        return self._inline(capture, profile, run_id)

    @staticmethod
    def _inline(capture: Capture, profile: SiteProfile, run_id: str) -> Cleaned:
        try:
            return clean_capture(capture, profile, run_id)
        except Exception as exc:
            raise _failure(exc, None, capture.url) from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()  # type: ignore[no-untyped-call]
            self._pool.join(timeout=30)
            if self._pool.active:
                self._pool.stop()  # type: ignore[no-untyped-call]
                self._pool.join()
            self._pool = None


def ordered_results(function: Callable[..., R], jobs: Iterable[tuple[Any, ...]], workers: int,
                    timeout: float | None = None) -> Iterator[R | CleaningFailed]:
    """``function(*job)`` for every job, on ``workers`` processes (0: here), results in the jobs' order.

    For batch work over an archive (``reextract``): jobs go to the workers in chunks of ``CHUNK``, at most
    ``4 x workers`` chunks ahead of the result being waited for, so memory stays bounded however many
    records there are. A job that raises yields a ``CleaningFailed`` in its place; one that kills its worker
    or times out costs its chunk (each job of it yields the failure), and the rest go on.
    """
    if workers <= 0:
        for job in jobs:
            try:
                yield function(*job)
            except Exception as exc:
                yield _failure(exc, None, repr(job[-1]))
        return
    pool = _new_pool(workers)
    window: deque[tuple[int, Future[list[Any]]]] = deque()
    chunk: list[tuple[Any, ...]] = []

    def send() -> None:
        # a chunk per task: one round trip to a worker for CHUNK jobs, which matters when cleaning is quick
        window.append((len(chunk), pool.schedule(_run_chunk, args=(function, list(chunk)),
                                                 timeout=timeout * len(chunk) if timeout else None)))
        chunk.clear()

    try:
        for job in jobs:
            chunk.append(job)
            if len(chunk) >= CHUNK:
                send()
            if len(window) >= 4 * workers:
                yield from _chunk_outcomes(*window.popleft(), timeout)
        if chunk:
            send()
        while window:
            yield from _chunk_outcomes(*window.popleft(), timeout)
    finally:
        pool.stop()  # type: ignore[no-untyped-call]
        pool.join()


CHUNK = 16  # jobs per task in ordered_results


def _run_chunk(function: Callable[..., Any], jobs: list[tuple[Any, ...]]) -> list[Any]:
    """In a worker: each job's result, or the message of the exception it raised as a ``_Raised`` (one
    exception should not cost the chunk, and exceptions with arguments of their own do not always survive
    pickling back)."""
    out: list[Any] = []
    for job in jobs:
        try:
            out.append(function(*job))
        except Exception as exc:
            out.append(_Raised(f"the cleaner raised {type(exc).__name__}: {exc}"))
    return out


class _Raised(str):
    """A job's exception message, as returned from a worker."""


def _chunk_outcomes(size: int, future: Future[list[Any]], timeout: float | None) -> Iterator[Any]:
    outcome = _outcome(future, timeout)
    if isinstance(outcome, CleaningFailed):  # the whole chunk's worker died or timed out
        yield from [outcome] * size
        return
    for result in outcome:
        yield CleaningFailed("clean_error", str(result)) if isinstance(result, _Raised) else result


def _outcome(future: Future[Any], timeout: float | None) -> Any:
    try:
        return future.result()
    except Exception as exc:
        return _failure(exc, timeout, "a chunk of records")
