"""`newsarchive store copy --to URL|DIR`: move the store between SQLite and PostgreSQL, losslessly."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from archive.store.copy import CopyError, copy_store, table_counts
from archive.store.database import SQLITE, describe_store, store_url
from archive.store.snippet_store import SnippetStore
from crawler.commands.common import CliError, open_archive
from crawler.commands.terminal import progress_bar, wants_progress
from crawler.runs.outcome import EXIT_OK


def _target(to: str) -> tuple[Path, str]:
    """(data directory, store location) of ``--to``: a postgresql:// URL, or a data directory for SQLite."""
    if "://" in to:
        try:
            if store_url(to) is not None:
                return Path(), to
        except ValueError as exc:
            raise CliError(f"--to: {exc}") from exc
    path = Path(to)
    if path.name.endswith(".sqlite"):
        raise CliError(f"--to: give the data directory ({path.parent}), not the file")
    return path, SQLITE


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
    target_dir, location = _target(args.to)
    source = open_archive(args.data).store
    with source, SnippetStore(target_dir, store=location) as target:
        if (source.url or source.path) == (target.url or target.path):
            raise CliError("--to names the store being copied")
        try:
            with progress_bar("store copy: rows", sum(table_counts(source).values()),
                              wants_progress(args.quiet, args.verbose)) as copied_rows:
                copied = copy_store(source, target, progress=_reporter(args.verbose, copied_rows))
        except CopyError as exc:
            raise CliError(str(exc)) from exc
    print(f"copied {describe_store(args.data)} to {describe_store(target_dir, location)}:")
    for table, rows in copied.items():
        print(f"  {table:<10} {rows:>10,} rows")
    return EXIT_OK
