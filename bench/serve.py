"""Reading-room latency: `newsarchive serve` over the research bench's store, under concurrent readers.

    ./run bench serve [--snippets 200000] [--keep DIR] [--clients 8] [--requests 200] [--no-postgresql]

Builds (or reuses, with --keep) the research bench's store of N synthetic snippets, copies it into a
PostgreSQL server of its own, and for each backend starts `newsarchive serve` and sends, from ``--clients``
threads at once, ``--requests`` requests of each kind: the search page and the search API for a common word
(newest first), the same for a rare word, the search page with filters, and an article page. Printed per
kind and backend: the first request's latency alone (it counts the matches; the room keeps those counts
until the archive changes), then p50 and p95 in milliseconds and requests per second under the load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.warc.replay import free_port  # noqa: E402 - after the path set-up above
from bench.research import build_store  # noqa: E402

CASES = [
    ("search page, common word", "/?q=wheat"),
    ("search API, common word", "/api/search?q=wheat"),
    ("search page, rare word", "/?q=irrigation"),
    ("search API, rare word", "/api/search?q=irrigation"),
    ("search page, filters", "/?q=flood&site=rki.news&since=2024-01-01&until=2025-01-01&language=en"),
    ("article page", "/articles/{id}"),
]


def serve(data: Path, store: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "crawler.cli", "serve", "--port", str(port), "--data", str(data)]
    if store:
        command += ["--store", store]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/stats", timeout=30).close()
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("newsarchive serve did not come up")


def load(base: str, path: str, clients: int, requests: int) -> tuple[float, float, float, float]:
    """(ms of the first request alone, p50 ms, p95 ms, requests/s) of ``requests`` GETs of ``path`` sent by
    ``clients`` threads at once after it. The first pays for the search's counts, which the room then keeps
    until the archive changes; the others show paging and readers asking alike."""
    times: list[float] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client() -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=120) as response:
                response.read()
            with lock:
                times.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    urllib.request.urlopen(base + path, timeout=120).read()
    first = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    times.sort()
    return first, statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(times) / wall


def measure(data: Path, store: str | None, clients: int, requests: int
            ) -> list[tuple[str, float, float, float, float]]:
    process, base = serve(data, store)
    try:
        with urllib.request.urlopen(base + "/api/search?q=wheat&per_page=1", timeout=120) as response:
            import json

            snippet_id = json.loads(response.read())["results"][0]["id"]
        return [(label, *load(base, path.format(id=snippet_id), clients, requests)) for label, path in CASES]
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it (reused when it exists)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind (default 200)")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-serve-") as tmp_name:
        data = args.keep or Path(tmp_name) / "store"
        if not (data / "archive.sqlite").exists():
            seconds = build_store(data, args.snippets)
            print(f"built {args.snippets:,} snippets in SQLite in {seconds:.0f} s")
        backends: list[tuple[str, str | None]] = [("SQLite", None)]
        pg = None
        if not args.no_postgresql:
            from devkit.services import PostgresServer

            pg = PostgresServer().__enter__()
            url = pg.new_database()
            subprocess.run([sys.executable, "-m", "crawler.cli", "store", "copy", "--to", url, "--data", str(data)],
                           cwd=ROOT, check=True, capture_output=True)
            backends.append(("PostgreSQL", url))
        try:
            print(f"{args.clients} clients at once, {args.requests} requests of each kind")
            print(f"{'':30} {'backend':>10} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
            for name, store in backends:
                for label, first, p50, p95, rate in measure(data, store, args.clients, args.requests):
                    print(f"{label:30} {name:>10} {first:9.1f} {p50:8.1f} {p95:8.1f} {rate:7.1f}", flush=True)
        finally:
            if pg is not None:
                pg.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
