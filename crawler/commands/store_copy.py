"""`newsarchive store copy --to URL|DIR`: move the store between SQLite and PostgreSQL, losslessly."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from archive.store.copy import CopyError, copy_store, table_counts
from archive.store.location import StoreLocation
from archive.store.snippet_store import SnippetStore
from crawler.commands.common import CliError, open_archive
from crawler.commands.terminal import progress_bar, wants_progress
from crawler.runs.outcome import EXIT_OK


def _target(to: str) -> StoreLocation:
    """The store ``--to`` names: a postgresql:// URL, or a data directory for SQLite."""
    if "://" in to:
        try:
            return StoreLocation.resolve(Path(), to, {})
        except ValueError as exc:
            raise CliError(f"--to: {exc}") from exc
    path = Path(to)
    if path.name.endswith(".sqlite"):
        raise CliError(f"--to: give the data directory ({path.parent}), not the file")
    return StoreLocation(path)


def _reporter(verbose: bool, rows: Callable[[int], None]) -> Callable[[str, int], None]:
    """A line per batch with -v; else the rows copied so far, for the progress bar."""
    finished: dict[str, int] = {}

    def report(table: str, copied: int) -> None:
        if verbose:
            print(f"  {table}: {copied:,} rows ...", file=sys.stderr, flush=True)
        finished[table] = copied
        rows(sum(finished.values()))

    return report


def cmd_store_copy(args: argparse.Namespace) -> int:
    location = _target(args.to)
    source = open_archive(args.location).store
    with source, SnippetStore(location) as target:
        if (source.url or source.path) == (target.url or target.path):
            raise CliError("--to names the store being copied")
        try:
            with progress_bar("store copy: rows", sum(table_counts(source).values()),
                              wants_progress(args.quiet, args.verbose)) as copied_rows:
                copied = copy_store(source, target, progress=_reporter(args.verbose, copied_rows))
        except CopyError as exc:
            raise CliError(str(exc)) from exc
    print(f"copied {args.location.describe()} to {location.describe()}:")
    for table, rows in copied.items():
        print(f"  {table:<10} {rows:>10,} rows")
    return EXIT_OK
