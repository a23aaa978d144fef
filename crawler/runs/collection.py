"""The site collection: the sites an archive keeps, each with how often to crawl it, in one TOML file
(``DATA/sites.toml`` unless given). ``newsarchive crawl --all`` crawls every site that is due.

    [[site]]
    name = "rki.news"                        # a profile ...
    every = "6h"                             # re-crawl interval: 90s, 30m, 6h, 1d
    base_url = "http://127.0.0.1:8347"       # optional: the profile pointed at another origin

    [[site]]
    start = "https://news.example.org/"      # ... or a start URL (generic mode)
    every = "1d"
    settings = { DOWNLOAD_DELAY = 5 }        # optional: Scrapy or project settings for this site's runs

A site is due when none of its runs started within its interval (a run that was refused because another
held the site's lock does not count).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archive.store.location import StoreLocation
from archive.store.snippet_store import SnippetStore
from crawler.discovery.urls import BadUrlError, validate_url
from crawler.fetching.modes import RENDER_MODES, RESOURCE_MODES
from crawler.sites import UnknownSiteError, profile_class, profile_for_url

COLLECTION_FILENAME = "sites.toml"
INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEYS = {"name", "start", "base_url", "every", "resources", "render", "settings"}
CHOICES = {"resources": RESOURCE_MODES, "render": RENDER_MODES}  # and the settings they set
SETTING_OF = {"resources": "NEWSARCHIVE_RESOURCES", "render": "NEWSARCHIVE_RENDER"}


class CollectionError(ValueError):
    """The collection file cannot be used: what is wrong and where."""


@dataclass(frozen=True)
class SiteEntry:
    site: str  # the site's name in the archive (its runs and snippets are filed under it)
    spider_args: dict[str, Any]  # site=... [base_url=...], or start_url=...
    every: timedelta
    settings: dict[str, Any] = field(default_factory=dict)


def parse_interval(value: object) -> timedelta:
    """``"90s"``, ``"30m"``, ``"6h"``, ``"1d"`` (or a number of seconds) as a timedelta of at least a second."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (m := INTERVAL_RE.match(value)):
        seconds = float(m.group(1)) * UNITS[m.group(2)]
    else:
        raise CollectionError(f"bad interval {value!r}: use a number and s, m, h or d, e.g. \"6h\"")
    if seconds < 1:
        raise CollectionError(f"bad interval {value!r}: at least one second")
    return timedelta(seconds=seconds)


def _entry(raw: dict[str, Any], where: str) -> SiteEntry:
    unknown = set(raw) - KEYS
    if unknown:
        raise CollectionError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(sorted(KEYS))})")
    if ("name" in raw) == ("start" in raw):
        raise CollectionError(f"{where}: give either name (a profile) or start (a start URL)")
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise CollectionError(f"{where}: settings must be a table, e.g. settings = {{ DOWNLOAD_DELAY = 5 }}")
    try:
        if "name" in raw:
            cls = profile_class(str(raw["name"]))
            args: dict[str, Any] = {"site": cls.name}
            if raw.get("base_url"):
                args["base_url"] = validate_url(str(raw["base_url"]))
            site = cls.name
        else:
            if raw.get("base_url"):
                raise CollectionError(f"{where}: base_url goes with a profile name, not a start URL")
            args = {"start_url": validate_url(str(raw["start"]))}
            site = profile_for_url(args["start_url"]).site_name
    except (UnknownSiteError, BadUrlError) as exc:
        raise CollectionError(f"{where}: {exc}") from exc
    try:
        every = parse_interval(raw.get("every", "1d"))
    except CollectionError as exc:
        raise CollectionError(f"{where}: {exc}") from exc
    settings = dict(settings)
    for key, allowed in CHOICES.items():
        if key in raw:
            if raw[key] not in allowed:
                raise CollectionError(f"{where}: {key} must be one of {', '.join(allowed)} (got {raw[key]!r})")
            settings[SETTING_OF[key]] = raw[key]
    return SiteEntry(site, args, every, settings)


def entry_for_target(target: str, base_url: str | None = None) -> SiteEntry:
    """The entry of a site named on the command line: a profile name (with an optional base URL) or a start
    URL, as in a collection file."""
    raw: dict[str, Any] = {"start": target} if "://" in target else {"name": target}
    if base_url:
        raw["base_url"] = base_url
    return _entry(raw, target)


def load_collection(path: Path) -> list[SiteEntry]:
    """The sites of a collection file, checked: a mistake is a CollectionError naming the entry."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CollectionError(f"no site collection at {path} (see docs/operations.md for its format)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CollectionError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CollectionError(f"{path}: {exc}") from exc
    sites = document.get("site", [])
    if not isinstance(sites, list) or not sites:
        raise CollectionError(f"{path}: no [[site]] entries")
    entries = [_entry(raw, f"{path}: site {n}") for n, raw in enumerate(sites, 1)]
    seen: set[str] = set()
    for entry in entries:
        if entry.site in seen:
            raise CollectionError(f"{path}: site {entry.site} is listed twice")
        seen.add(entry.site)
    return entries


def due_entries(entries: list[SiteEntry], location: StoreLocation) -> list[SiteEntry]:
    """The entries due now, by the runs the archive at ``location`` has recorded."""
    store = SnippetStore.existing(location)
    if store is None:
        return entries
    with store:
        runs = store.runs()
    return [entry for entry in entries if is_due(entry, runs)]


def is_due(entry: SiteEntry, runs: list[dict[str, Any]], now: datetime | None = None) -> bool:
    """True when no run of the site (``runs``: the store's, newest first) started within its interval."""
    now = now or datetime.now(UTC)
    for run in runs:
        if run["site"] != entry.site or run["status"] == "locked":
            continue
        started = datetime.fromisoformat(run["started_at"])
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        return now - started >= entry.every
    return True
