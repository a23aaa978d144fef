"""What the subcommands share: exit codes, the one-line error, the data directory, running a crawl."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archive.api import Archive
from archive.store.database import STORE_ENV, describe_store, store_url

EXIT_OK = 0  # the run did its job
EXIT_FAILED = 1  # it did not: site unreachable, nothing archived, every article failed
EXIT_USAGE = 2  # bad arguments or input: a one-line error on stderr
EXIT_PARTIAL = 3  # some of the work failed (fetch: some URLs), the rest is archived
EXIT_INTERRUPTED = 4  # stopped by SIGINT/SIGTERM; what was archived is intact
EXIT_LAYOUT_DRIFT = 5  # archived, but most article pages missed the site profile's rules: the profile needs work
EXIT_LOCKED = 75  # another run of the site holds its lock (EX_TEMPFAIL: try again later)
DEMO_QUERY = "Kyiv"
DEMO_PORT = 8347  # the demo's replica origin, kept across runs when free


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def default_data_dir() -> Path:
    return Path(os.environ.get("NEWSARCHIVE_DATA") or "data")


def prepare_data_dir(path: Path) -> Path:
    """Create DATA, DATA/warc and DATA/runs, and prove they are writable before any crawling starts."""
    try:
        for sub in (path, path / "warc", path / "runs"):
            sub.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"  # per process: two runs may start at once
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"data directory {path} is not writable: {exc.strerror or exc}") from exc
    return path


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"bad setting {pair!r}: expected NAME=VALUE")
        settings[name.strip()] = value
    return settings


def run_crawl(data: Path, spider_cls: type, spider_args: dict[str, Any], overrides: dict[str, Any],
              verbose: bool) -> dict[str, Any]:
    """Run one crawl in this process and return its run report.

    Scrapy's own handlers turn the first SIGINT or SIGTERM into a graceful stop: in-flight responses are
    finished and archived, WARC files closed and renamed, the store committed, and the report says
    "interrupted". A second SIGINT stops at once (a second SIGTERM does not: ``crawler.runs.crawl_process``); what is
    on disk is still consistent. SIGHUP (a closed terminal or session) counts as SIGTERM.
    """
    from scrapy.settings import Settings

    from crawler.core.identity import new_run_id
    from crawler.runs.crawl_process import CrawlProcess

    run_id = new_run_id()
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSARCHIVE_DATA", str(data), priority="cmdline")
    settings.set("NEWSARCHIVE_RUN_ID", run_id, priority="cmdline")
    if not verbose:
        settings.set("LOG_FILE", str(data / "runs" / f"{run_id}.log"), priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    process = CrawlProcess(settings)
    process.crawl(spider_cls, **spider_args)
    signal.signal(signal.SIGHUP, lambda signum, frame: signal.raise_signal(signal.SIGTERM))
    process.start()
    report_path = data / "runs" / f"{run_id}.json"
    if not report_path.exists():
        raise CliError(f"the crawl did not finish; see {data / 'runs' / (run_id + '.log')}")
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report


def print_report(report: dict[str, Any], data: Path) -> None:
    """The run report in a few lines, for people and cron mails."""
    c = report["counts"]
    print(f"run {report['run_id']}  {report['site']}  {report['status']} in {report['duration_s']} s")
    print(f"  pages fetched {report['pages_fetched']}; articles new {c['articles/new']}, "
          f"changed {c['articles/changed']}, unchanged {c['articles/unchanged']}, "
          f"not modified {c['articles/not_modified']}, gone {c['articles/gone']}; "
          f"revisit records {c['warc/records/revisit']}")
    print(f"  WARC: {c['warc/files']} file(s), {c['warc/bytes']:,} bytes in {data / 'warc'}")
    for key, urls in sorted(report.get("examples", {}).items()):
        if key == "articles/gone":
            print(f"  gone (their archived versions stay): {', '.join(urls[:3])}")
    recovery = report.get("recovery") or {}
    if recovery.get("salvaged") or recovery.get("removed") or recovery.get("crashed_runs"):
        print(f"  recovered after a crash: {len(recovery['salvaged'])} WARC file(s) salvaged, "
              f"{recovery['snippets_restored']} snippet(s) restored, runs marked crashed: "
              f"{', '.join(recovery['crashed_runs']) or 'none'}")
    if drift := report.get("layout_drift"):
        print(f"  warning: {report['site']}: {drift['misses']} of {drift['articles']} article pages "
              f"({drift['share']:.0%}) did not match the {drift['profile']} rules and were cleaned by the generic "
              f"cleaner{'; the layout has changed, update the profile' if drift['drifted'] else ''}")
    if left := report["counts"].get("discovery/left"):
        print(f"  discovery: {left} page(s) found but not fetched this run; the next run starts with them")
    if report["counts"].get("articles/encoding_guessed"):
        print(f"  {report['counts']['articles/encoding_guessed']} article(s) stored with a guessed encoding "
              "(flag encoding_guessed)")
    if report["counts"].get("articles/body_truncated"):
        print(f"  {report['counts']['articles/body_truncated']} article(s) over 8 MB read from their first 8 MB "
              "(flag body_truncated)")
    if not_articles := c.get("articles/not_article"):
        examples = report.get("examples", {}).get("articles/not_article", [])
        print(f"  not articles: {not_articles} page(s) judged not to be an article"
              + (f" (e.g. {', '.join(examples[:2])})" if examples else ""))
    if report["errors"]:
        for kind, info in sorted(report["errors"].items()):
            print(f"  errors {kind}: {info['count']} (e.g. {', '.join(info['examples'][:2])})")
    else:
        print("  errors: none")


def crawl_exit_code(report: dict[str, Any]) -> int:
    """What a scheduler should make of a run (the codes are documented in docs/operations.md)."""
    c = report["counts"]
    if report["status"] == "interrupted":
        return EXIT_INTERRUPTED
    if report["status"] != "finished" or report["pages_fetched"] - report.get("robots_fetched", 0) <= 0:
        return EXIT_FAILED  # nothing fetched, or only robots.txt (which then forbade everything)
    if c["warc/records/response"] + c["warc/records/revisit"] == 0 or c["warc/write_errors"] or c["store/errors"]:
        return EXIT_FAILED
    done = sum(c[k] for k in ("articles/new", "articles/changed", "articles/unchanged", "articles/not_modified",
                              "articles/gone"))
    if c["articles/requested"] and not done:
        return EXIT_FAILED  # every article failed
    if (report.get("layout_drift") or {}).get("drifted"):
        return EXIT_LAYOUT_DRIFT
    return EXIT_OK


def check_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    from datetime import datetime

    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{flag}: not a date: {value!r} (use YYYY-MM-DD)") from exc
    return value


def check_limit(limit: int | None) -> int | None:
    if limit is not None and limit < 1:
        raise CliError("--limit must be at least 1")
    return limit


def use_store(store: str | None) -> None:
    """Make ``--store`` the store of this process and the crawls it starts (they inherit the environment)."""
    try:
        store_url(store)  # without --store: $NEWSARCHIVE_STORE, checked the same way
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if store is not None:
        os.environ[STORE_ENV] = store


def open_archive(data: Path) -> Archive:
    """The data directory's archive, read-only; a missing one is a usage error."""
    try:
        return Archive(data, readonly=True)
    except FileNotFoundError as exc:
        raise CliError(f"no archive in {describe_store(data)} (run a crawl first, or pass --data/--store)") from exc
