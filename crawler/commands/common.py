"""What the subcommands share: the one-line error, the data directory, running a crawl (the exit codes and
the run summary are the running layer's: crawler.runs.outcome)."""

from __future__ import annotations

import argparse
import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.store.location import StoreLocation
from crawler.fetching.modes import RENDER_MODES, RESOURCE_MODES

if TYPE_CHECKING:
    from archive.api import Archive

DEMO_QUERY = "Kyiv"
DEMO_PORT = 8347  # the demo's replica origin, kept across runs when free


CHOICE_SETTINGS = {"NEWSARCHIVE_RESOURCES": RESOURCE_MODES, "NEWSARCHIVE_RENDER": RENDER_MODES}
FLAG_SETTINGS = {"resources": "NEWSARCHIVE_RESOURCES", "render": "NEWSARCHIVE_RENDER",
                 "screenshot": "NEWSARCHIVE_RENDER_SCREENSHOT"}  # command-line flag -> the setting it stands for


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


def parse_overrides(pairs: Sequence[str], flags: argparse.Namespace | None = None) -> dict[str, str]:
    """``-s NAME=VALUE`` settings, with the flags that stand for settings (``--resources``, ``--render``,
    ``--screenshot``: ``FLAG_SETTINGS``) as those settings."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"bad setting {pair!r}: expected NAME=VALUE")
        settings[name.strip()] = value
    for flag, name in FLAG_SETTINGS.items():
        given = getattr(flags, flag, None)
        if given:
            settings[name] = "1" if given is True else str(given)
    for name, allowed in CHOICE_SETTINGS.items():  # checked here: in the crawl they would fail as a traceback
        if name in settings and settings[name] and settings[name].strip().lower() not in allowed:
            raise CliError(f"bad setting {name}={settings[name]!r}: use one of {', '.join(allowed)}")
    return settings


def run_crawl(location: StoreLocation, spider_cls: type, spider_args: dict[str, Any], overrides: dict[str, Any],
              verbose: bool, quiet: bool = False) -> dict[str, Any]:
    """Run one crawl in this process and return its run report.

    Scrapy's own handlers turn the first SIGINT or SIGTERM into a graceful stop: in-flight responses are
    finished and archived, WARC files closed and renamed, the store committed, and the report says
    "interrupted". A second SIGINT stops at once (a second SIGTERM does not: ``crawler.runs.crawl_process``); what is
    on disk is still consistent. SIGHUP (a closed terminal or session) counts as SIGTERM.
    """
    from scrapy.settings import Settings

    from crawler.commands.terminal import wants_progress
    from crawler.core.identity import new_run_id
    from crawler.runs.crawl_process import CrawlProcess

    data = location.data_dir
    run_id = new_run_id()
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSARCHIVE_DATA", str(data), priority="cmdline")
    settings.set("NEWSARCHIVE_STORE", location.argument(), priority="cmdline")
    settings.set("NEWSARCHIVE_RUN_ID", run_id, priority="cmdline")
    if not verbose:
        settings.set("LOG_FILE", str(data / "runs" / f"{run_id}.log"), priority="cmdline")
    # a live status on a terminal; with -v the log has stderr, and -q asks for silence
    settings.set("NEWSARCHIVE_PROGRESS", wants_progress(quiet, verbose), priority="cmdline")
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


def resolve_location(data: Path, store: str | None) -> StoreLocation:
    """Where this command's store is: ``--store``, else ``$NEWSARCHIVE_STORE``, else the data directory's
    SQLite file. Decided here once; what runs below, and the crawls this command starts, are told."""
    try:
        return StoreLocation.resolve(data, store)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def open_archive(location: StoreLocation) -> Archive:
    """The archive at ``location``, read-only; a missing one is a usage error."""
    from archive.api import Archive  # the store and NumPy: not before a command needs them

    try:
        return Archive(location, readonly=True)
    except FileNotFoundError as exc:
        raise CliError(f"no archive in {location.describe()} (run a crawl first, or pass --data/--store)") from exc
