"""Benchmark of the cluster: site runs on 1, 2 and 3 Celery workers, and search on PostgreSQL beside SQLite.

    ./run bench cluster [--sites 6] [--articles 150] [--workers 1,2,3] [--snippets 200000] [--skip-search]

1. Starts PostgreSQL, Redis and ``--sites`` replica sites on 127.0.0.1, 127.0.0.2, ... (the project's own
   servers, devkit/services.py), then for each worker count queues one run of every site with
   ``newsarchive enqueue --wait`` and times it: sites/hour and pages/s over the whole batch. The runs are not
   throttled (no download delay): what is measured is the archive's side, not a site's politeness.
2. Builds the research bench's store of ``--snippets`` synthetic snippets in SQLite, copies it into
   PostgreSQL with ``store copy``, and times the research bench's searches on both (p50 and p95 of 40 runs).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.research import build_store, time_queries  # noqa: E402 - after the path set-up above
from devkit.services import PostgresServer, RedisServer  # noqa: E402
from replica import ReplicaServer  # noqa: E402

UNTHROTTLED = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=8",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def run_batch(tmp: Path, workers: int, sites: list[ReplicaServer], pg: PostgresServer,
              redis: RedisServer) -> tuple[float, int, int]:
    """(seconds, pages fetched, articles stored) for one run of every site on ``workers`` workers."""
    data = tmp / f"workers-{workers}"
    data.mkdir()
    env = {**os.environ, "NEWSARCHIVE_STORE": pg.new_database(), "NEWSARCHIVE_BROKER": redis.url,
           "PYTHONWARNINGS": "ignore"}
    procs = []
    for n in range(workers):
        with (tmp / f"worker-{workers}-{n}.log").open("wb") as log:
            procs.append(subprocess.Popen(cli("worker", "--name", f"w{n}", "--data", str(data), *UNTHROTTLED),
                                          cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))
    try:
        time.sleep(3)  # the workers connect
        started = time.perf_counter()
        result = subprocess.run(cli("enqueue", *[f"{s.base_url}/" for s in sites], "--wait", "--json",
                                    "--data", str(data)), cwd=ROOT, env=env, capture_output=True, text=True,
                                check=True)
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait()
    reports = json.loads(result.stdout)["runs"]
    pages = sum(int(r.get("pages_fetched", 0)) for r in reports)
    articles = sum(int(r.get("counts", {}).get("articles/new", 0)) for r in reports)
    return seconds, pages, articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=6)
    parser.add_argument("--articles", type=int, default=150, help="articles per replica site")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    parser.add_argument("--snippets", type=int, default=200_000)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the SQLite store of the search figures here, and reuse it")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]  # --workers "": the search figures only
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as name, PostgresServer() as pg, \
            RedisServer() as redis:
        tmp = Path(name)
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {args.sites} replica sites of "
              f"{args.articles} articles on 127.0.0.1-{args.sites}\n")
        servers = [ReplicaServer(host=f"127.0.0.{n + 1}", article_count=args.articles).start()
                   for n in range(args.sites)]
        try:
            print(f"{'workers':>8} {'seconds':>9} {'sites/hour':>11} {'pages':>7} {'pages/s':>8} {'articles':>9}")
            for workers in counts:
                seconds, pages, articles = run_batch(tmp, workers, servers, pg, redis)
                print(f"{workers:8d} {seconds:9.1f} {args.sites / seconds * 3600:11,.0f} {pages:7,d} "
                      f"{pages / seconds:8.1f} {articles:9,d}", flush=True)
        finally:
            for server in servers:
                server.stop()
        if args.skip_search:
            return 0
        data = args.keep or tmp / "research"
        if not (data / "archive.sqlite").exists():
            seconds = build_store(data, args.snippets)
            print(f"\nbuilt {args.snippets:,} snippets in SQLite in {seconds:.0f} s")
        url = pg.new_database()
        started = time.perf_counter()
        subprocess.run(cli("store", "copy", "--to", url, "--data", str(data)), cwd=ROOT, check=True,
                       capture_output=True)
        print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s\n")
        sqlite_times = time_queries(data, "sqlite")
        pg_times = time_queries(data, url)
        print(f"{'search (limit 10, newest first)':34} {'SQLite p50':>11} {'PG p50':>8} {'SQLite p95':>11} "
              f"{'PG p95':>8} {'matches':>9}")
        for (label, s50, s95, total), (_, p50, p95, pg_total) in zip(sqlite_times, pg_times, strict=True):
            assert total == pg_total, (label, total, pg_total)
            print(f"  {label:32} {s50:11.1f} {p50:8.1f} {s95:11.1f} {p95:8.1f} {total:9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
