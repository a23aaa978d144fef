"""Import speed: `newsarchive import` of a WARC file of replica articles beside a plain loop of warcio and
trafilatura over the same file, in one run.

The file is written here with warcio (as another tool would write it): ``--articles`` article pages of the
rki.news replica, one response record each. Then, in turn:

- the loop (bench/plain_loop.py): warcio's ArchiveIterator and ``trafilatura.extract`` on each HTML response, in
  one process (what a researcher writes by hand; it stores nothing);
- the import, on every core (``--workers`` default): records copied into the archive's WARC files, pages
  cleaned, snippets stored and committed.

Both run as a user runs them, each in a new process timed from its start until it ends: Python's and the
libraries' loading counts for the loop as it does for the import (the loop's own time after its imports is
printed beside it).

Printed: records per second and CPU seconds per record of each (the import's CPU counts its cleaning
workers), the import's speed over the loop's, and the import's peak memory for the whole file and for a
quarter of it; then the CPU a record costs the cleaner alone and ``trafilatura.extract`` alone, in this
process on the same pages taken in turn, which bounds what the import can reach on a number of cores.
With ``--rounds N`` the loop and the import run N times in pairs, and the median of the pairs' ratios is
printed too: on a shared machine one ratio moves by a fifth from one run to the next.

Each round also runs the loop on every core at once (one new process per core, each over a file of its share
of the records, dealt out in turn, started together and timed until the last ends): what the machine gives a
job that needs no coordination at all when all its cores work. The import over that is how much of the cores'
worth the import turns into records; the ratio to the one loop also carries how well the machine itself
scales at the time (a virtual machine's cores do not always add up).

With ``--cc-news-mb M`` it then also streams a file of about M MB (the article file's members again and
again), laid out as Common Crawl's news crawl is and served over HTTP by a server on 127.0.0.1, through
``import --cc-news`` for a host that none of its records has: the figures are MB/s read and the peak
memory of the import, which must not grow with the file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl import _children, _cpu_seconds, _kib  # noqa: E402  # the /proc readers of the crawl bench


def _tree(root: int) -> list[int]:
    """``root`` and every process under it, now."""
    tree, todo, pids = _children(), [root], []
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += tree.get(pid, [])
    return pids


def _pss_mib(pids: list[int]) -> float:
    return sum(_kib(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids) / 1024


def write_warc(path: Path, articles: int) -> int:
    """A gzip WARC of the replica's article pages, one warcio response record each; returns the count."""
    from replica.warc import article_records

    count = 0
    with path.open("wb") as f:
        for _, member in article_records(articles):
            f.write(member)
            count += 1
    return count


def split_warc(path: Path, parts: int) -> list[Path]:
    """The file's gzip members dealt out in turn to ``parts`` files beside it (together: the same records)."""
    from archive.warc.foreign import SourceReport, read_source

    paths = [path.with_name(f"{path.name.split('.')[0]}-part{k}.warc.gz") for k in range(parts)]
    outs = [p.open("wb") for p in paths]
    try:
        with path.open("rb") as f:
            for n, rec in enumerate(read_source(f, SourceReport())):
                outs[n % parts].write(rec.member)
    finally:
        for out in outs:
            out.close()
    return paths


def loops(paths: list[Path]) -> tuple[int, float, float, float]:
    """The plain loop over each file, one new process each, all started together and timed as the import is,
    from the processes' start (Python's and trafilatura's loading included) until the last ends: (records
    extracted in all, wall seconds, CPU seconds of them all, the longest loop's own seconds after its
    loading)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    children = [subprocess.Popen([sys.executable, str(ROOT / "bench" / "plain_loop.py"), str(path)], cwd=ROOT,
                                 stdout=subprocess.PIPE) for path in paths]
    outputs = [child.communicate()[0] for child in children]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if any(child.returncode for child in children):
        raise SystemExit("a plain loop failed")
    done = [json.loads(out) for out in outputs]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return sum(d[0] for d in done), wall, cpu, max(d[1] for d in done)


def cleaner_and_trafilatura(path: Path, records: int) -> tuple[float, float, int]:
    """CPU seconds per record of the import's cleaning step (``clean_member``, the generic cleaner) and of
    ``trafilatura.extract``, over the first ``records`` pages of the file in this one process, each page given
    to both one after the other so that the machine's drifts fall on both alike: (cleaner, trafilatura,
    pages)."""
    import trafilatura

    import crawler.cleaning.preload  # noqa: F401  # the worker's start: the cleaners and the language model
    from archive.warc.foreign import SourceReport, read_source
    from archive.warc.read import plain_body
    from crawler.cleaning.capture import RecordPointer, clean_member
    from crawler.sites import GenericProfile

    pages: list[tuple[bytes, str, str]] = []
    with path.open("rb") as f:
        for rec in read_source(f, SourceReport()):
            if rec.type == "response" and len(pages) < records:
                pages.append((rec.member, rec.target_uri, rec.record_id))
    profile = GenericProfile("http://rki.example")
    ours = theirs = 0.0
    for member, url, record_id in pages:
        started = time.process_time()
        clean_member(member, RecordPointer("bench", 0, 0, record_id, "", "2024-01-01T00:00:00+00:00"), url, profile,
                     "bench")
        middle = time.process_time()
        plain = plain_body(gzip.decompress(member))
        trafilatura.extract(plain[0] if plain else b"", url=url)
        ours, theirs = ours + middle - started, theirs + time.process_time() - middle
    return ours / len(pages), theirs / len(pages), len(pages)


def run_import(path: Path, data: Path, workers: int) -> tuple[dict[str, object], float, float, float]:
    """The import as a user runs it: (its report, wall seconds, CPU seconds of it and every process under it
    (the cleaning workers are the fork server's children, which no rusage of ours sees), peak PSS MiB of
    the whole tree). The tree is sampled from /proc every tenth of a second."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "crawler.cli", "import", str(path), "--data", str(data), "--json",
               "--workers", str(workers)]
    cpu: dict[int, float] = {}
    peak_pss = 0.0
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        while process.poll() is None:
            pids = _tree(process.pid)
            for pid in pids:
                cpu[pid] = max(cpu.get(pid, 0.0), _cpu_seconds(pid))
            peak_pss = max(peak_pss, _pss_mib(pids))
            time.sleep(0.1)
        wall = time.perf_counter() - started
        out.seek(0)
        stdout = out.read().decode()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"import failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}"
                         if process.stderr else "import failed")
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)  # the import process itself
    cpu[process.pid] = max(cpu.get(process.pid, 0.0), own)
    return json.loads(stdout), wall, sum(cpu.values()), peak_pss


def cc_news_stream(article_file: Path, tmp: Path, megabytes: int) -> tuple[int, float, float]:
    """Serve a file of about ``megabytes`` MB as CC-NEWS lays its files out and stream it through
    ``import --cc-news`` for a host no record has: (bytes, wall seconds, peak PSS MiB of the import)."""
    import functools
    import gzip
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    served = tmp / "served"
    month = served / "crawl-data" / "CC-NEWS" / "2024" / "01"
    month.mkdir(parents=True)
    name = "crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101000000-00000.warc.gz"
    chunk = article_file.read_bytes()
    with (served / name).open("wb") as big:
        for _ in range(max(1, megabytes * 2**20 // len(chunk))):
            big.write(chunk)
    size = (served / name).stat().st_size
    listing = tmp / "warc.paths.gz"
    listing.write_bytes(gzip.compress((name + "\n").encode()))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(served)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        command = [sys.executable, "-m", "crawler.cli", "import", "--cc-news", str(listing), "--data-url",
                   f"http://127.0.0.1:{httpd.server_address[1]}", "--site", "nothing.example", "--json",
                   "--data", str(tmp / "cc-data")]
        started = time.perf_counter()
        peak = 0.0
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None:
            pids = _tree(process.pid)
            peak = max(peak, _pss_mib(pids))
            time.sleep(0.2)
        if process.returncode != 0:
            raise SystemExit(f"import --cc-news failed ({process.returncode})")
        return size, time.perf_counter() - started, peak
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="article records in the file (default 5000)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="the import's cleaning processes (default: one per core)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="loop and import again this many times, one right after the other, and print the "
                             "median of the rounds' ratios too (the machine's load moves a single ratio)")
    parser.add_argument("--cc-news-mb", type=int, default=0,
                        help="also stream a CC-NEWS file of about this many MB through import --cc-news")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-import-") as tmp_name:
        tmp = Path(tmp_name)
        whole, quarter = tmp / "articles.warc.gz", tmp / "quarter.warc.gz"
        records = write_warc(whole, args.articles)
        write_warc(quarter, max(1, args.articles // 4))
        cores = len(os.sched_getaffinity(0))
        shares = split_warc(whole, cores)
        print(f"a WARC file of {records:,} article records, {whole.stat().st_size / 2**20:.1f} MiB, on {cores} cores")
        loop_done, loop_wall, loop_cpu, loop_own = loops([whole])
        every_done, every_wall, _, _ = loops(shares)
        report, wall, cpu, peak = run_import(whole, tmp / "data", args.workers)
        _, _, _, peak_quarter = run_import(quarter, tmp / "data-quarter", args.workers)
        stored = int(report["new"])  # type: ignore[call-overload]
        print(f"warcio + trafilatura loop (1 process, timed from its start as the import is): {loop_done:,} texts in "
              f"{loop_wall:.1f} s ({loop_own:.1f} s after loading Python and trafilatura), "
              f"{records / loop_wall:,.0f} records/s, {1000 * loop_cpu / records:.1f} ms CPU per record")
        print(f"the same loop on every core ({cores} processes at once, the records dealt out among them): "
              f"{every_done / every_wall:,.0f} records/s, {(every_done / every_wall) / (records / loop_wall):.2f}x "
              "the one loop")
        print(f"newsarchive import ({args.workers} workers): {stored:,} articles stored in {wall:.1f} s "
              f"(with the interpreter's start), {records / wall:,.0f} records/s, "
              f"{1000 * cpu / records:.1f} ms CPU per record; {records / wall / (records / loop_wall):.2f}x the loop, "
              f"{(records / wall) / (every_done / every_wall):.2f}x the loop on every core")
        print(f"import peak memory (PSS of the import and its workers): {peak:.0f} MiB for {records:,} records, "
              f"{peak_quarter:.0f} MiB for {max(1, args.articles // 4):,}")
        if args.rounds > 1:
            ratios = [loop_wall / wall]
            against_every = [(records / wall) / (every_done / every_wall)]
            for n in range(2, args.rounds + 1):
                _, again_loop, _, _ = loops([whole])
                again_done, again_every, _, _ = loops(shares)
                _, again_wall, _, _ = run_import(whole, tmp / f"data-{n}", args.workers)
                ratios.append(again_loop / again_wall)
                against_every.append((records / again_wall) / (again_done / again_every))
            print(f"import over loop in {args.rounds} rounds: {', '.join(f'{r:.2f}x' for r in ratios)}; "
                  f"median {statistics.median(ratios):.2f}x")
            print(f"import over the loop on every core: {', '.join(f'{r:.2f}x' for r in against_every)}; "
                  f"median {statistics.median(against_every):.2f}x")
        ours, theirs, pages = cleaner_and_trafilatura(whole, 1000)
        print(f"in one process, page by page over {pages:,} records: the import's cleaning {1000 * ours:.1f} ms CPU a "
              f"record, trafilatura.extract {1000 * theirs:.1f} ms ({ours / theirs:.2f}x); the rest of the import's "
              f"CPU is reading, copying, storing and its processes' start")
        if args.cc_news_mb:
            size, seconds, cc_peak = cc_news_stream(whole, tmp, args.cc_news_mb)
            print(f"import --cc-news of a {size / 2**20:,.0f} MiB file over HTTP (no record kept): "
                  f"{size / 2**20 / seconds:,.1f} MiB/s, peak memory (PSS of the import) {cc_peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
