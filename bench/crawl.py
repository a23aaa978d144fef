"""Benchmark: `newsarchive crawl` against a bare Scrapy spider and wget on one generated news site.

    ./run bench crawl [--articles N] [--rounds R] [--concurrency C] [--server nginx|replica]

It generates a WordPress-like site of N articles (the replica's generator), writes it out as static files
and serves them with nginx on 127.0.0.1 (installing Debian's nginx-light when it is missing and this is a
root shell with apt-get; otherwise the replica's own Python server, and it says so). Then, alternating,
R times each and all at the same concurrency with no delay: the bare Scrapy spider of bench/bare_spider.py
(follows each same-site link once, keeps nothing), `wget --recursive --warc-file` when wget is present, and
`newsarchive crawl URL` (generic mode: WARC, cleaning and store on, durability as shipped).

Printed per tool: pages/s (pages over the process's wall time, start to exit, medians), CPU seconds per
1,000 pages (user + system of the process and its children), peak RSS, and the ratios of newsarchive to
both peers; for newsarchive also the articles archived against the site's count.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica import ReplicaServer  # noqa: E402 - after the path set-up above
from replica.server import ReplicaSite  # noqa: E402

VENV_BIN = Path(sys.executable).parent


@dataclass
class Run:
    tool: str
    pages: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    articles: int | None = None
    samples: list[Sample] = field(default_factory=list)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the site, as static files --------------------------------------------------------------------------

INDEX_BY_TYPE = {"text/html": "index.html", "application/rss+xml": "index.rss", "application/xml": "index.xml"}


def export_site(site: ReplicaSite, root: Path) -> int:
    """Every 200 page of the site as a file nginx serves at the same path; returns the number written."""
    written = 0
    for path, page in site.pages.items():
        if page.status != 200:
            continue
        kind = page.content_type.split(";")[0].strip()
        target = root / path.lstrip("/")
        if path.endswith("/"):
            target = target / INDEX_BY_TYPE.get(kind, "index.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
        written += 1
    return written


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; application/rss+xml rss; application/xml xml; text/plain txt; }}
    default_type text/plain;
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    sendfile on; tcp_nopush on; keepalive_requests 100000;
    gzip on; gzip_types application/xml application/rss+xml;
    charset utf-8; charset_types text/html application/xml application/rss+xml text/plain;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html index.rss index.xml;
    }}
}}
"""


def nginx_binary() -> str | None:
    """nginx on PATH or in /usr/sbin; installed from Debian's packages when missing and allowed."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    print("nginx is missing: installing Debian's nginx-light (apt-get) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], env=env, capture_output=True, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], env=env, capture_output=True, check=False)
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextmanager
def nginx_serving(site_root: Path, binary: str, port: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="newsarchive-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=site_root))
        proc = subprocess.Popen([binary, "-c", str(conf), "-p", tmp], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError as exc:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        why = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                        raise SystemExit(f"nginx did not start: {why or exc}") from exc
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(10)


# -- the three crawlers -----------------------------------------------------------------------------------

class ChildUsage:
    """CPU seconds of the children reaped inside the block, from RUSAGE_CHILDREN before and after."""

    def __enter__(self) -> ChildUsage:
        self._before = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc: object) -> None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu_s = (after.ru_utime - self._before.ru_utime) + (after.ru_stime - self._before.ru_stime)


def run_tool(tool: str, cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    with ChildUsage() as usage:
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
        wall = time.perf_counter() - started
    if done.returncode not in (0, 8):  # wget exits 8 for the 404s any site has
        raise SystemExit(f"{tool} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return wall, usage.cpu_s, done.stdout.decode(errors="replace") + done.stderr.decode(
        errors="replace")


@dataclass
class Sample:
    seconds: float
    articles: int
    tree_pss_mib: float  # the crawl process and all its children (fork server, cleaning workers), shared pages split
    largest_rss_mib: float  # the largest single process of them
    crawl_rss_mib: float  # the crawl process itself
    tree_cpu_s: float  # user + system seconds of the tree's live processes so far


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(proc.name))
    return tree


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def sample_tree(root: int, data: Path, started: float) -> Sample:
    """``root`` is the peak-RSS wrapper; its one child is the crawl process."""
    tree, todo, pids = _children(), [root], []
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += tree.get(pid, [])
    articles = 0
    store = data / "archive.sqlite"
    if store.exists():
        try:
            with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
                articles = db.execute("SELECT count(*) FROM latest").fetchone()[0]
        except sqlite3.Error:
            pass
    pss = sum(_kib(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    largest = max((_kib(Path(f"/proc/{p}/status"), "VmRSS") for p in pids), default=0)
    crawl = tree.get(root, [0])[0]
    return Sample(time.perf_counter() - started, articles, pss / 1024, largest / 1024,
                  _kib(Path(f"/proc/{crawl}/status"), "VmRSS") / 1024, sum(_cpu_seconds(p) for p in pids))


def run_sampled(tool: str, cmd: list[str], cwd: Path, data: Path) -> tuple[float, float, str, list[Sample]]:
    """run_tool, sampling the memory of the process tree and the articles stored every half second."""
    samples: list[Sample] = []
    with ChildUsage() as usage, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        while proc.poll() is None:
            samples.append(sample_tree(proc.pid, data, started))
            time.sleep(0.5)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{tool} failed ({proc.returncode}): {output[-2000:]}")
    return wall, usage.cpu_s, output, samples


def peak_rss_of(cmd: list[str]) -> list[str]:
    """Wrap a command so that its own peak RSS is printed last (GNU time is not always installed)."""
    code = ("import resource,subprocess,sys;r=subprocess.run(sys.argv[1:]).returncode;"
            "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
            "sys.exit(r)")
    return [sys.executable, "-c", code, *cmd]


def rss_from(output: str) -> float:
    for line in reversed(output.splitlines()):
        if line.startswith("PEAK_RSS_KIB"):
            return int(line.split()[1]) / 1024
    return 0.0


def bare_scrapy(base: str, work: Path, concurrency: int) -> Run:
    stats = work / "bare-stats.json"
    cmd = [str(VENV_BIN / "python"), "-c",
           "import json,sys;from scrapy.crawler import CrawlerProcess;sys.path.insert(0,sys.argv[1]);"
           "from bare_spider import BareSpider;"
           "p=CrawlerProcess({'CONCURRENT_REQUESTS':int(sys.argv[3]),'CONCURRENT_REQUESTS_PER_DOMAIN':int(sys.argv[3])});"
           "c=p.create_crawler(BareSpider);p.crawl(c,start=sys.argv[2]);p.start();"
           "json.dump(c.stats.get_stats(),open(sys.argv[4],'w'),default=str)",
           str(ROOT / "bench"), base + "/", str(concurrency), str(stats)]
    wall, cpu, output = run_tool("bare Scrapy", peak_rss_of(cmd), work)
    pages = int(json.loads(stats.read_text()).get("response_received_count", 0))
    return Run("bare Scrapy", pages, wall, cpu, rss_from(output))


def wget(base: str, work: Path, concurrency: int) -> Run:
    target = work / "wget"
    target.mkdir()
    cmd = ["wget", "--recursive", "--level=inf", "--no-parent", "--no-verbose", "--no-host-directories",
           "--directory-prefix", str(target), "--warc-file", str(target / "crawl"), "--no-warc-keep-log", base + "/"]
    wall, cpu, output = run_tool("wget", peak_rss_of(cmd), work)
    pages = sum(1 for line in output.splitlines() if " URL:" in line)
    return Run("wget", pages, wall, cpu, rss_from(output))


def newsarchive(base: str, work: Path, concurrency: int) -> Run:
    data = work / "data"
    cmd = [str(VENV_BIN / "newsarchive"), "crawl", base + "/", "--data", str(data), "--json",
           "-s", f"CONCURRENT_REQUESTS={concurrency}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    wall, cpu, output, samples = run_sampled("newsarchive", peak_rss_of(cmd), ROOT, data)
    report = json.loads(output[output.index("{"): output.rindex("}") + 1])
    counts = report["counts"]
    # cleaning workers are reaped by the fork server, not by us: their CPU is only seen while they live
    cpu = max(cpu, max((x.tree_cpu_s for x in samples), default=0.0))
    return Run("newsarchive", int(report["pages_fetched"]), wall, cpu, rss_from(output),
               articles=int(counts.get("articles/new", 0)) + int(counts.get("articles/changed", 0)),
               samples=samples)


TOOLS = {"bare Scrapy": bare_scrapy, "wget": wget, "newsarchive": newsarchive}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles of the generated site (default 2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool, alternating (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at once, per site (default 16)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"which to run, comma-separated (default: {','.join(TOOLS)})")
    parser.add_argument("--server", choices=["nginx", "replica"], default="nginx",
                        help="serve the site with nginx (default; the replica server when nginx is missing)")
    args = parser.parse_args()
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    if "newsarchive" not in wanted or any(t not in TOOLS for t in wanted):
        parser.error(f"--tools: newsarchive and any of {', '.join(TOOLS)}")
    tools = {k: v for k, v in TOOLS.items() if k in wanted and (k != "wget" or shutil.which("wget"))}
    if "wget" in wanted and "wget" not in tools:
        print("wget is not installed: compared with the bare Scrapy spider only")
    binary = nginx_binary() if args.server == "nginx" else None
    port = free_port()
    runs: dict[str, list[Run]] = {name: [] for name in tools}
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-crawl-") as tmp:
        Path(tmp).chmod(0o755)  # nginx started by root serves as nobody
        started = time.perf_counter()
        if binary:
            site = ReplicaSite(f"http://127.0.0.1:{port}", article_count=args.articles)
            files = export_site(site, Path(tmp) / "site")
            serving: AbstractContextManager[Any] = nginx_serving(Path(tmp) / "site", binary, port)
            server_name = f"nginx ({binary}), {files} static files"
        else:
            print("nginx is not available: serving with the replica's Python server, which slows every tool")
            serving = ReplicaServer(article_count=args.articles, port=port)
            server_name = "the replica's Python server"
            site = None
        with serving as base:
            base_url = base if isinstance(base, str) else base.base_url
            count = len(site.posts) if site else len(base.site.posts)
            print(f"site: {count} articles at {base_url}, served by {server_name} "
                  f"(generated in {time.perf_counter() - started:.1f} s)")
            for n in range(args.rounds):
                for name, tool in tools.items():
                    work = Path(tmp) / f"{name.replace(' ', '-')}-{n}"
                    work.mkdir()
                    run = tool(base_url, work, args.concurrency)
                    runs[name].append(run)
                    extra = f", {run.articles} articles archived" if run.articles is not None else ""
                    print(f"  round {n + 1} {name:12} {run.pages:6d} pages in {run.wall_s:6.2f} s: "
                          f"{run.pages_per_s:6.1f} pages/s, {run.cpu_s:5.1f} s CPU, {run.peak_rss_mib:5.0f} MiB{extra}",
                          flush=True)
                    shutil.rmtree(work, ignore_errors=True)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"concurrency {args.concurrency}, no delay; medians of {args.rounds} alternating rounds")
    print(f"  {'tool':12} {'pages':>6} {'pages/s':>8} {'CPU s/1k pages':>15} {'peak RSS MiB':>13}")
    medians: dict[str, float] = {}
    for name, tool_runs in runs.items():
        medians[name] = statistics.median(r.pages_per_s for r in tool_runs)
        cpu_per_k = statistics.median(1000 * r.cpu_s / r.pages for r in tool_runs if r.pages)
        print(f"  {name:12} {tool_runs[0].pages:6d} {medians[name]:8.1f} {cpu_per_k:15.1f} "
              f"{max(r.peak_rss_mib for r in tool_runs):13.0f}")
    ours = medians["newsarchive"]
    for peer in (p for p in medians if p != "newsarchive"):
        print(f"newsarchive / {peer}: {ours / medians[peer]:.2f}x")
    ours_runs = runs["newsarchive"]
    tree_peak = max(max((x.tree_pss_mib for x in r.samples), default=0.0) for r in ours_runs)
    crawl_peak = max(max((x.crawl_rss_mib for x in r.samples), default=0.0) for r in ours_runs)
    print(f"newsarchive memory: the crawl process {crawl_peak:.0f} MiB RSS at most (sampled), the largest process "
          f"{max(r.peak_rss_mib for r in ours_runs):.0f} MiB (peak RSS); the whole tree (crawl, fork server, "
          f"cleaning workers) {tree_peak:.0f} MiB PSS at most")
    curve = ours_runs[0].samples
    if curve and args.articles >= 10_000:
        print("memory curve of the first run (articles stored: crawl process RSS / tree PSS, MiB):")
        step = max(1, args.articles // 10)
        for mark in range(step, args.articles + 1, step):
            at = next((x for x in curve if x.articles >= mark), None)
            if at:
                print(f"  {mark:7,d}: {at.crawl_rss_mib:6.0f} / {at.tree_pss_mib:6.0f}  ({at.seconds:6.0f} s)")
    archived = min(r.articles or 0 for r in runs["newsarchive"])
    count = args.articles
    print(f"articles archived by newsarchive: {archived} of {count} (the fewest of its runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
