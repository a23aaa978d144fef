"""Runs that are not crawls (import, backfill, reextract): their row in the runs table, and how a killed one
stops saying 'running'.

A crawl holds its site's lock, so the next run of the site knows that every 'running' row of the site is
dead. These runs exclude nobody: two imports into one archive may run at once. Each holds a lock of its own
(``archive.locks.RunLock``) from before its row is written until after its status is, and a run that starts
marks 'crashed' every such row whose lock it can take.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from archive.locks import LockedError, RunLock
from archive.store.location import StoreLocation
from archive.store.runs import RunLog
from crawler.core.identity import run_kind

BATCH_KINDS = frozenset({"import", "backfill", "reextract"})


def close_dead_batch_runs(location: StoreLocation, store: RunLog) -> list[str]:
    """Mark 'crashed' the import, backfill and reextract runs still 'running' whose process is gone; their ids."""
    dead = []
    for run_id in store.running_run_ids():
        if run_kind(run_id) not in BATCH_KINDS:
            continue
        lock = RunLock(location, run_id)
        try:
            lock.acquire()
        except LockedError:
            continue  # alive
        try:
            store.mark_crashed(run_id)
            dead.append(run_id)
        finally:
            lock.release()
    return dead


@contextmanager
def batch_run(location: StoreLocation, store: RunLog, run_id: str, site: str) -> Iterator[list[str]]:
    """Hold the run's lock while its row says 'running' (the caller finishes the row inside); yields the ids of
    the dead runs it closed first. The run id must name its kind (``new_run_id(kind=...)``): that is how the
    next run tells a dead batch run from a crawl, whose rows its site lock speaks for."""
    if run_kind(run_id) not in BATCH_KINDS:
        raise ValueError(f"run id {run_id!r} names no kind of {sorted(BATCH_KINDS)}: a killed run of it could not "
                         "be told from a crawl's (make it with new_run_id(kind=...))")
    with RunLock(location, run_id):
        dead = close_dead_batch_runs(location, store)
        store.start_run(run_id, site, datetime.now(UTC).isoformat())
        yield dead
