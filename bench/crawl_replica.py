"""Benchmark: crawl the local rki.news replica with `newsarchive crawl` and print throughput figures.

Run with `./run bench [--runs N] [--resources none|page|both]`. Each run crawls the replica into a fresh
data directory in a subprocess, as a user would, and reports wall time, pages/s, articles/s, CPU per 1,000
pages, WARC bytes and the crawler's peak resident memory, with page resources off and on. The replica runs
in this process on 127.0.0.1, so its own cost is included.
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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed ({result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": wall, "crawl_s": report["duration_s"], "pages": report["pages_fetched"],
            "articles": report["counts"]["articles/new"], "warc_bytes": report["counts"]["warc/bytes"],
            "resources": report.get("resources", {}).get("requested", 0),
            "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_mib": max(after.ru_maxrss, before.ru_maxrss) / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="number of crawls (default 3); medians are printed")
    parser.add_argument("--no-fsync", action="store_true", help="crawl with WARC_FSYNC=False, to see its cost")
    parser.add_argument("--resources", choices=("none", "page", "both"), default="both",
                        help="crawl with page resources off, on, or both in turn (default: both)")
    args = parser.parse_args()
    modes = ["none", "page"] if args.resources == "both" else [args.resources]
    results: dict[str, list[dict[str, Any]]] = {}
    with ReplicaServer() as server, tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        print(f"replica: {len(server.site.posts)} articles, {len(server.site.pages)} pages at {server.base_url}")
        for mode in modes:
            extra = ["--resources", mode, *(["-s", "WARC_FSYNC=False"] if args.no_fsync else [])]
            runs = results[mode] = []
            for n in range(args.runs):
                figures = one_run(server.base_url, Path(tmp) / f"{mode}{n}", extra)
                runs.append(figures)
                print(f"--resources {mode} run {n + 1}: {figures['pages']} pages, {figures['articles']} articles "
                      f"in {figures['crawl_s']:.2f} s crawl / {figures['wall_s']:.2f} s wall")
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"fsync {'off' if args.no_fsync else 'on'}; median of {args.runs} run(s)")
    for mode, runs in results.items():
        crawl_s = statistics.median(r["crawl_s"] for r in runs)
        wall_s = statistics.median(r["wall_s"] for r in runs)
        cpu_s = statistics.median(r["cpu_s"] for r in runs)
        pages, articles, warc_bytes = runs[0]["pages"], runs[0]["articles"], runs[0]["warc_bytes"]
        print(f"\n--resources {mode}: {runs[0]['resources']} resources fetched")
        print(f"pages/s      {pages / crawl_s:8.1f}   ({pages} pages in {crawl_s:.2f} s of crawl)")
        print(f"articles/s   {articles / crawl_s:8.1f}")
        print(f"CPU          {cpu_s / pages * 1000:8.1f} s per 1,000 pages (user + system, the crawl process)")
        print(f"wall time    {wall_s:8.2f} s (process start to exit, incl. imports and report)")
        print(f"WARC bytes   {warc_bytes:8,} ({warc_bytes / pages / 1024:.1f} KiB/page, gzip members)")
        print(f"peak RSS     {max(r['peak_rss_mib'] for r in runs):8.1f} MiB (largest crawl process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
