"""`newsarchive export`: snippets to JSON lines, CSV or Parquet, streamed in constant memory.

The schema is the snippet's fields in SNIPPET_FIELDS order, without the store's row ``id``: stable, and
documented in docs/data.md. In CSV, ``authors``, ``categories`` and ``flags`` are JSON arrays in their cells; in
Parquet they are lists of strings.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from archive.query import QueryError
from archive.snippets import SNIPPET_FIELDS, Snippet
from crawler.commands.common import EXIT_OK, CliError, open_store
from crawler.commands.query import filters_from

EXPORT_FIELDS = [f for f in SNIPPET_FIELDS if f != "id"]
INT_FIELDS = {"warc_offset", "warc_length", "word_count", "version"}
LIST_FIELDS = {"authors", "categories", "flags"}
BATCH = 2000  # Parquet rows per record batch: bounds memory, whatever the archive's size


def export_record(snippet: Snippet) -> dict[str, Any]:
    """The documented export schema: every snippet field except the store's row id."""
    return {name: getattr(snippet, name) for name in EXPORT_FIELDS}


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


def write_jsonl(rows: Iterable[dict[str, Any]], handle: IO[str]) -> Iterator[None]:
    for row in rows:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        yield


def write_csv(rows: Iterable[dict[str, Any]], handle: IO[str]) -> Iterator[None]:
    writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if k in LIST_FIELDS else v for k, v in row.items()})
        yield


def parquet_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in INT_FIELDS:
            return pa.int64()
        if name in LIST_FIELDS:
            return pa.list_(pa.string())
        return pa.string()

    return pa.schema([(name, kind(name)) for name in EXPORT_FIELDS])


def write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> Iterator[None]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise CliError("--format parquet needs pyarrow: pip install 'newsarchive[research]'") from exc
    schema = parquet_schema()
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                batch.clear()
            yield
        if batch:
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "parquet" and args.output == "-":
        raise CliError("Parquet cannot go to stdout: give -o FILE")
    with open_store(args.data) as store:
        filters = filters_from(args, store)
        total = store.count_matching(filters)
        rows = (export_record(s) for s in store.select(filters, order="oldest"))
        progress = Progress(total)
        count = 0
        try:
            with contextlib.ExitStack() as stack:
                if args.format == "parquet":
                    steps = write_parquet(rows, Path(args.output))
                else:
                    handle: IO[str] = sys.stdout if args.output == "-" else stack.enter_context(
                        Path(args.output).open("w", encoding="utf-8", newline=""))
                    steps = (write_csv if args.format == "csv" else write_jsonl)(rows, handle)
                for _ in steps:
                    count += 1
                    progress(count)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        except QueryError as exc:
            raise CliError(str(exc)) from exc
        finally:
            progress.close()
    what = "version(s)" if args.all_versions else "article(s)"
    print(f"exported {count} {what} to {args.output} ({args.format})", file=sys.stderr)
    return EXIT_OK
