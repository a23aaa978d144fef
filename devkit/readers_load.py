"""Researchers reading while a crawl writes: reader threads run search, show and export in a loop against a
data directory and record each call's time and any error. Used by tests/archive/test_readers.py and
bench/readers.py."""

from __future__ import annotations

import io
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from archive.api import Archive
from archive.store.location import StoreLocation

OPERATIONS = ("search", "show", "export")


@dataclass
class ReaderLog:
    timings: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    errors: list[str] = field(default_factory=list)
    exports: list[tuple[int, list[dict[str, object]]]] = field(default_factory=list)  # (count, rows) per export


def read_loop(data: StoreLocation | Path, stop: threading.Event, log: ReaderLog, keep_exports: bool = True) -> None:
    """search, show and export in turn until ``stop`` is set; each export is taken with the count of the same
    snapshot, so the two must agree however the crawl goes on."""
    location = StoreLocation.of(data)
    while not location.exists() and not stop.is_set():
        time.sleep(0.05)
    while not stop.is_set():
        try:
            with Archive(location) as a:
                started = time.perf_counter()
                hits = list(a.search("the", limit=20))
                log.timings["search"].append(time.perf_counter() - started)
                if hits:
                    started = time.perf_counter()
                    snippet = a.get(hits[-1].id or 0)
                    a.versions(snippet.canonical_url)
                    log.timings["show"].append(time.perf_counter() - started)
                started = time.perf_counter()
                out = io.StringIO()
                with a.snapshot():
                    count = a.count()
                    a.export(out)
                log.timings["export"].append(time.perf_counter() - started)
                if keep_exports:
                    log.exports.append((count, [json.loads(line) for line in out.getvalue().splitlines()]))
        except Exception:  # every failure is the finding: recorded, and the loop goes on
            log.errors.append(traceback.format_exc(limit=3))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
