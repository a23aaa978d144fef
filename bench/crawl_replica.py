"""Benchmark: crawl the local rki.news replica with `newsarchive crawl` and print throughput figures.

Run with `./run bench [--runs N]`. Each run crawls the replica into a fresh data directory in a
subprocess, as a user would, and reports wall time, pages/s, articles/s, WARC bytes and the crawler's
peak resident memory. The replica runs in this process on 127.0.0.1, so its own cost is included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica import ReplicaServer  # noqa: E402 - after the path set-up above


def one_run(base_url: str, data: Path, extra: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "rki.news", "--base-url", base_url, "--data", str(data),
           "--json", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed ({result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "crawl_s": report["duration_s"], "pages": report["pages_fetched"],
            "articles": report["counts"]["articles/new"], "warc_bytes": report["counts"]["warc/bytes"],
            "peak_rss_mib": max(peak_kib, before) / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="number of crawls (default 3); medians are printed")
    parser.add_argument("--no-fsync", action="store_true", help="crawl with WARC_FSYNC=False, to see its cost")
    args = parser.parse_args()
    extra = ["-s", "WARC_FSYNC=False"] if args.no_fsync else []
    runs = []
    with ReplicaServer() as server, tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        print(f"replica: {len(server.site.posts)} articles, {len(server.site.pages)} pages at {server.base_url}")
        for n in range(args.runs):
            figures = one_run(server.base_url, Path(tmp) / f"run{n}", extra)
            runs.append(figures)
            print(f"run {n + 1}: {figures['pages']} pages, {figures['articles']} articles in "
                  f"{figures['crawl_s']:.2f} s crawl / {figures['wall_s']:.2f} s wall")
    crawl_s = statistics.median(r["crawl_s"] for r in runs)
    wall_s = statistics.median(r["wall_s"] for r in runs)
    pages = runs[0]["pages"]
    articles = runs[0]["articles"]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"fsync {'off' if args.no_fsync else 'on'}; median of {len(runs)} run(s)")
    print(f"pages/s      {pages / crawl_s:8.1f}   ({pages} pages in {crawl_s:.2f} s of crawl)")
    print(f"articles/s   {articles / crawl_s:8.1f}")
    print(f"wall time    {wall_s:8.2f} s (process start to exit, incl. imports and report)")
    warc_bytes = runs[0]["warc_bytes"]
    print(f"WARC bytes   {warc_bytes:8,} ({warc_bytes / pages / 1024:.1f} KiB/page, gzip members)")
    print(f"peak RSS     {max(r['peak_rss_mib'] for r in runs):8.1f} MiB (largest crawl process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
