"""Benchmark: researchers reading while a crawl writes.

    ./run bench readers [--readers 4] [--articles 2000]

Crawls a generated replica of N articles (`newsarchive crawl`, in a subprocess) while reader threads in this
process run search (20 hits), show (one snippet and its versions) and export (the whole archive, counted
in the same snapshot) in a loop. Prints calls, errors and p50/p99 latency per operation, over the whole
crawl (the archive grows from nothing to N articles meanwhile, so exports grow too). The replica runs in
this process too, so all of it shares the machine: the figures are for a crawler and its readers on one box.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devkit.readers_load import OPERATIONS, ReaderLog, percentile, read_loop  # noqa: E402
from replica import ReplicaServer  # noqa: E402 - after the path set-up above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(article_count=args.articles) as server:
        data = Path(tmp) / "data"
        stop = threading.Event()
        logs = [ReaderLog() for _ in range(args.readers)]
        threads = [threading.Thread(target=read_loop, args=(data, stop, log, False)) for log in logs]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        crawl = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "rki.news", "--base-url",
                                server.base_url, "--data", str(data)], capture_output=True, text=True, cwd=ROOT,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False)
        seconds = time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join()
    print(f"crawl of {args.articles} articles with {args.readers} readers: exit {crawl.returncode}, {seconds:.1f} s")
    print(f"{'operation':10} {'calls':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for op in OPERATIONS:
        values = [t for log in logs for t in log.timings[op]]
        p50, p99 = (1000 * percentile(values, share) for share in (0.5, 0.99))
        print(f"{op:10} {len(values):>7} {p50:>8.1f} {p99:>8.1f}")
    errors = [e for log in logs for e in log.errors]
    print(f"errors: {len(errors)}")
    for error in errors[:3]:
        print(error)


if __name__ == "__main__":
    main()
