"""`newsarchive export`: the matching snippets through ``Archive.export`` (schema in archive/export.py and
docs/data.md), with a progress line on a terminal."""

from __future__ import annotations

import argparse
import sys
from typing import IO

from archive.store.query import QueryError
from crawler.commands.common import CliError, open_archive
from crawler.commands.query import filters_from
from crawler.runs.outcome import EXIT_OK


class Progress:
    """A one-line counter on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int) -> None:
        if self.enabled and (done % 500 == 0 or done == self.total):
            sys.stderr.write(f"\rexported {done:,} of {self.total:,}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def cmd_export(args: argparse.Namespace) -> int:
    if args.format in ("parquet", "wacz") and args.output == "-":
        raise CliError(f"{'Parquet' if args.format == 'parquet' else 'WACZ'} cannot go to stdout: give -o FILE")
    with open_archive(args.location) as archive, archive.snapshot():  # the count and the rows from one state
        filters = filters_from(args, archive)
        progress = Progress(archive.count(**filters))
        destination: str | IO[str] = sys.stdout if args.output == "-" else args.output
        try:
            count = archive.export(destination, args.format, progress=progress, **filters)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        except (QueryError, ImportError) as exc:
            raise CliError(str(exc)) from exc
        finally:
            progress.close()
    what = "version(s)" if args.all_versions else "article(s)"
    print(f"exported {count} {what} to {args.output} ({args.format})", file=sys.stderr)
    return EXIT_OK
