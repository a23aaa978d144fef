"""`newsarchive crawl --all`: every due site of the collection (crawler/runs/collection.py), several at once.

Each site runs as its own `newsarchive crawl` process, at most ``--jobs`` at a time. Not several crawlers in
one process: a crawl's group commit keeps a SQLite write transaction open for up to a second on its reactor
thread, and SQLite has one writer per database, so two crawls sharing a reactor would each wait on the other
with the thread the other needs to commit. Separate processes wait on each other only as long as a commit
takes, and a crash or a memory blow-up of one site's crawl costs that site only. Each run keeps its own lock,
politeness, report and log; SIGINT, SIGTERM and SIGHUP are passed on (the runs stop gracefully), and the
runs end with this process however it ends.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from archive.children import Stopped, spawn, stop_signals_raise
from archive.locks import site_file_stem
from crawler.commands.common import CliError, parse_overrides, prepare_data_dir
from crawler.commands.terminal import live_lines, wants_progress
from crawler.extensions.progress import elapsed_text
from crawler.runs.collection import COLLECTION_FILENAME, CollectionError, SiteEntry, due_entries, load_collection
from crawler.runs.site_runs import crawl_command, job_of, outcome_report, print_outcome, worst_exit

GRACE_SECONDS = 120  # how long a stopped run may take to finish what is in flight


def _command(entry: SiteEntry, args: argparse.Namespace) -> list[str]:
    overrides = parse_overrides(args.set or [], args)  # wins over the collection
    command = crawl_command(job_of(entry, overrides), args.location)
    if args.max_articles:
        command += ["--max-articles", str(args.max_articles)]
    if args.recheck_hours is not None:
        command += ["--recheck-hours", str(args.recheck_hours)]
    return command


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _outcome(entry: SiteEntry, proc: subprocess.Popen[bytes], out: Path, err: Path) -> tuple[int, dict[str, Any]]:
    return proc.returncode, outcome_report(entry.site, proc.returncode, _read(out), _read(err))


def status_lines(running: list[tuple[SiteEntry, subprocess.Popen[bytes], Path, Path]],
                 finished: list[tuple[int, dict[str, Any]]], due: int, started: dict[str, float]) -> list[str]:
    """A line per site running (with its time so far), and the sites done with how each ended."""
    now = time.monotonic()
    lines = [f"  {entry.site}: crawling, {elapsed_text(now - started.get(entry.site, now))}"
             for entry, _, _, _ in running]
    ended = ", ".join(f"{report.get('site', '?')} {report.get('status', '?')}" for _, report in finished)
    return [f"crawl --all: {len(finished)} of {due} site(s) done" + (f" ({ended})" if ended else ""), *lines]


def cmd_crawl_all(args: argparse.Namespace) -> int:
    data = prepare_data_dir(args.data)
    path = Path(args.sites) if args.sites else data / COLLECTION_FILENAME
    try:
        entries = load_collection(path)
    except CollectionError as exc:
        raise CliError(str(exc)) from exc
    if args.jobs < 1:
        raise CliError(f"--jobs must be at least 1 (got {args.jobs})")
    due = due_entries(entries, args.location)
    waiting = list(due)
    running: list[tuple[SiteEntry, subprocess.Popen[bytes], Path, Path]] = []
    finished: list[tuple[int, dict[str, Any]]] = []
    started: dict[str, float] = {}  # site -> when its run was started
    spool = data / "runs"
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with stop_signals_raise(), live_lines(wants_progress(args.quiet, args.verbose)) as show:
        try:
            while waiting or running:
                while waiting and len(running) < args.jobs:
                    entry = waiting.pop(0)
                    started[entry.site] = time.monotonic()
                    name = site_file_stem(entry.site)
                    out, err = spool / f"all-{stamp}-{name}.out", spool / f"all-{stamp}-{name}.err"
                    with out.open("wb") as stdout, err.open("wb") as stderr:
                        running.append((entry, spawn(_command(entry, args), stdout=stdout, stderr=stderr),
                                        out, err))
                for item in list(running):
                    entry, proc, out, err = item
                    if proc.poll() is not None:
                        running.remove(item)
                        finished.append(_outcome(entry, proc, out, err))
                        out.unlink(missing_ok=True)
                        if "counts" in finished[-1][1]:
                            err.unlink(missing_ok=True)
                        else:  # a run that left no report: what it wrote on stderr is all there is to go on
                            finished[-1][1]["stderr_file"] = str(err)
                show(status_lines(running, finished, len(due), started))
                time.sleep(0.2)
        except (KeyboardInterrupt, Stopped):
            for _, proc, _, _ in running:  # once: each run stops gracefully and writes its report
                proc.terminate()
            for entry, proc, out, err in running:
                try:
                    proc.wait(timeout=GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    proc.kill()  # what it archived is still consistent: the next run repairs the rest
                    proc.wait()
                finished.append(_outcome(entry, proc, out, err))
            waiting.clear()
    reports = [report for _, report in finished]
    not_due = [e.site for e in entries if e not in due]
    if args.json:
        print(json.dumps({"runs": reports, "not_due": not_due}, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            print_outcome(report, data)
        print(f"{len(reports)} site(s) crawled; not due yet: {', '.join(not_due) or 'none'}")
    return worst_exit([code for code, _ in finished])
