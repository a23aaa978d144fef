"""`newsarchive crawl --all`: every due site of the collection (crawler/collection.py), several at once.

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
import sys
import time
from pathlib import Path
from typing import Any

from archive.children import Stopped, spawn, stop_signals_raise
from archive.locks import site_file_stem
from crawler.collection import COLLECTION_FILENAME, CollectionError, SiteEntry, due_entries, load_collection
from crawler.commands.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LAYOUT_DRIFT,
    EXIT_LOCKED,
    EXIT_OK,
    CliError,
    parse_overrides,
    prepare_data_dir,
    print_report,
)

GRACE_SECONDS = 120  # how long a stopped run may take to finish what is in flight
SEVERITY = [EXIT_OK, EXIT_LAYOUT_DRIFT, EXIT_LOCKED, EXIT_INTERRUPTED, EXIT_FAILED]  # the worst one is the exit


def _command(entry: SiteEntry, data: Path, args: argparse.Namespace) -> list[str]:
    spider = entry.spider_args
    command = [sys.executable, "-m", "crawler.cli", "crawl", spider.get("start_url") or spider["site"],
               "--data", str(data), "--json"]
    if spider.get("base_url"):
        command += ["--base-url", spider["base_url"]]
    if args.max_articles:
        command += ["--max-articles", str(args.max_articles)]
    if args.recheck_hours is not None:
        command += ["--recheck-hours", str(args.recheck_hours)]
    settings = {**entry.settings, **parse_overrides(args.set or [])}  # the command line wins
    for name, value in settings.items():
        text = value if isinstance(value, str) else json.dumps(value)
        command += ["-s", f"{name}={text}"]
    return command


def _outcome(entry: SiteEntry, proc: subprocess.Popen[bytes], out: Path, err: Path) -> tuple[int, dict[str, Any]]:
    code = proc.returncode
    try:
        report: dict[str, Any] = json.loads(out.read_text())
    except (OSError, ValueError):
        message = err.read_text(errors="replace").strip().splitlines()[-1:] if err.exists() else []
        status = "locked" if code == EXIT_LOCKED else "failed"
        report = {"site": entry.site, "status": status, "exit": code, "message": " ".join(message)}
    report["exit"] = code
    return code, report


def cmd_crawl_all(args: argparse.Namespace) -> int:
    data = prepare_data_dir(args.data)
    path = Path(args.sites) if args.sites else data / COLLECTION_FILENAME
    try:
        entries = load_collection(path)
    except CollectionError as exc:
        raise CliError(str(exc)) from exc
    if args.jobs < 1:
        raise CliError(f"--jobs must be at least 1 (got {args.jobs})")
    due = due_entries(entries, data)
    waiting = list(due)
    running: list[tuple[SiteEntry, subprocess.Popen[bytes], Path, Path]] = []
    finished: list[tuple[int, dict[str, Any]]] = []
    spool = data / "runs"
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with stop_signals_raise():
        try:
            while waiting or running:
                while waiting and len(running) < args.jobs:
                    entry = waiting.pop(0)
                    name = site_file_stem(entry.site)
                    out, err = spool / f"all-{stamp}-{name}.out", spool / f"all-{stamp}-{name}.err"
                    with out.open("wb") as stdout, err.open("wb") as stderr:
                        running.append((entry, spawn(_command(entry, data, args), stdout=stdout, stderr=stderr),
                                        out, err))
                for item in list(running):
                    entry, proc, out, err = item
                    if proc.poll() is not None:
                        running.remove(item)
                        finished.append(_outcome(entry, proc, out, err))
                        out.unlink(missing_ok=True)
                        err.unlink(missing_ok=True)
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
            if "counts" in report:
                print_report(report, data)
            else:
                print(f"run of {report['site']}: {report['status']} (exit {report['exit']}) {report['message']}")
        print(f"{len(reports)} site(s) crawled; not due yet: {', '.join(not_due) or 'none'}")
    codes = [code for code, _ in finished]
    return max(codes, key=lambda c: SEVERITY.index(c) if c in SEVERITY else len(SEVERITY), default=EXIT_OK)
