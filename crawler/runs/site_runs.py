"""A site run as a child process, as `crawl --all` and the cluster's workers start it: its command line, what
it ended with, how that is printed, and the worst of several endings.

A job is a plain dict (it travels through Redis as JSON): the site's name, the crawl target (a profile name
or a start URL), an optional base URL and the settings of the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from archive.store.location import StoreLocation
from crawler.runs.collection import SiteEntry
from crawler.runs.outcome import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LAYOUT_DRIFT, EXIT_LOCKED, EXIT_OK, print_report

SEVERITY = [EXIT_OK, EXIT_LAYOUT_DRIFT, EXIT_LOCKED, EXIT_INTERRUPTED, EXIT_FAILED]  # the worst one is the exit


def job_of(entry: SiteEntry, overrides: dict[str, Any]) -> dict[str, Any]:
    """The job of a collection entry; ``overrides`` (the command line's settings) win over the entry's."""
    args = entry.spider_args
    return {"site": entry.site, "target": args.get("start_url") or args["site"], "base_url": args.get("base_url"),
            "settings": {**entry.settings, **overrides}}


def crawl_command(job: dict[str, Any], location: StoreLocation) -> list[str]:
    """The `newsarchive crawl ... --json` command line of a job, its store named on it."""
    command = [sys.executable, "-m", "crawler.cli", "crawl", job["target"], "--data", str(location.data_dir),
               "--store", location.argument(), "--json"]
    if job.get("base_url"):
        command += ["--base-url", job["base_url"]]
    for name, value in job.get("settings", {}).items():
        command += ["-s", f"{name}={value if isinstance(value, str) else json.dumps(value)}"]
    return command


def outcome_report(site: str, code: int, stdout: str, stderr: str) -> dict[str, Any]:
    """The run's report as it printed it, or, when it printed none, what its exit status and last error line
    say; with ``exit`` set either way."""
    try:
        report: dict[str, Any] = json.loads(stdout)
    except ValueError:
        report = {"site": site, "status": "locked" if code == EXIT_LOCKED else "failed",
                  "message": " ".join(stderr.strip().splitlines()[-1:])}
    report["exit"] = code
    return report


def worst_exit(codes: list[int]) -> int:
    """The exit status of several runs: the worst of theirs (an unknown status counts as the worst)."""
    return max(codes, key=lambda c: SEVERITY.index(c) if c in SEVERITY else len(SEVERITY), default=EXIT_OK)


def print_outcome(report: dict[str, Any], data: Path) -> None:
    """A run's summary, or the one line that says why a run left no report."""
    if "counts" in report:
        print_report(report, data)
    else:
        print(f"run of {report.get('site')}: {report.get('status')} (exit {report.get('exit')}) "
              f"{report.get('message', '')}" + (f" (its stderr: {report['stderr_file']})"
                                                 if report.get("stderr_file") else ""))
