"""Benchmark: crawl the Daily Lantern (pages built by script) with `--render auto` and print rendered pages/s
and the peak memory of the whole process tree, Chromium included.

Run with `./run bench render [--articles N] [--runs N]`. Each run crawls the replica into a fresh data
directory in a subprocess, as a user would; the memory of the crawl process and every process under it (the
cleaning workers, Playwright's driver, Chromium's processes) is summed from /proc every 50 ms, as PSS:
Chromium's processes share most of their pages, which a sum of resident sizes would count many times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.browser import chromium_path  # noqa: E402 - after the path set-up above
from replica.appshell import LanternServer  # noqa: E402


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (Chromium's processes share most of theirs) counted once in all."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_kib(root: int) -> int:
    """Memory of ``root`` and all its descendants, from /proc (PSS, so shared pages are not summed twice)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kib(pid)
        todo.extend(children.get(pid, []))
    return total


def one_run(base_url: str, data: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", base_url + "/", "--render", "auto", "--data", str(data),
           "--json"]
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_kib(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}): {err[-2000:]}")
    report = json.loads(out)
    return {"wall_s": wall, "crawl_s": report["duration_s"], "rendered": report["render"].get("pages", 0),
            "articles": report["counts"]["articles/new"], "peak_tree_mib": peak / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="stories on the replica (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="number of crawls (default 3); medians are printed")
    args = parser.parse_args()
    chromium_path(install=True)
    runs = []
    with LanternServer(article_count=args.articles) as server, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            figures = one_run(server.base_url, Path(tmp) / f"run{n}")
            runs.append(figures)
            print(f"run {n + 1}: {figures['rendered']} pages rendered, {figures['articles']} articles in "
                  f"{figures['crawl_s']:.2f} s crawl / {figures['wall_s']:.2f} s wall")
    crawl_s = statistics.median(r["crawl_s"] for r in runs)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"median of {len(runs)} run(s); {args.articles} stories built by script")
    print(f"rendered pages/s  {runs[0]['rendered'] / crawl_s:6.1f}   ({runs[0]['rendered']} pages in {crawl_s:.2f} s)")
    print(f"articles stored   {runs[0]['articles']:6d} of {args.articles}")
    peak = max(r["peak_tree_mib"] for r in runs)
    print(f"peak memory       {peak:6.0f} MiB (PSS of the crawl process tree, Chromium included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
