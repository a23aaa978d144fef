"""Snippets to JSON lines, CSV or Parquet, streamed in constant memory: what ``Archive.export`` and
``newsarchive export`` write.

The schema is the snippet's fields in SNIPPET_FIELDS order, without the store's row ``id``: stable, and
documented in docs/data.md. In CSV, ``authors``, ``categories`` and ``flags`` are JSON arrays in their cells,
and ``images`` becomes two columns, ``image_count`` and ``lead_image`` (its URL): a table holds one value a
cell. In Parquet the lists are lists of strings, ``images`` a list of structs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from archive.store.snippets import SNIPPET_FIELDS, Snippet

ExportFormat = Literal["jsonl", "csv", "parquet", "wacz"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "parquet", "wacz")  # wacz: archive/warc/wacz.py
EXPORT_FIELDS = [f for f in SNIPPET_FIELDS if f != "id"]
INT_FIELDS = {"warc_offset", "warc_length", "word_count", "version"}
LIST_FIELDS = {"authors", "categories", "flags"}
IMAGE_FIELDS = ("url", "alt", "caption", "credit")  # and ``lead``, a boolean
CSV_FIELDS = [n for f in EXPORT_FIELDS for n in (("image_count", "lead_image") if f == "images" else (f,))]
BATCH = 2000  # Parquet rows per record batch: bounds memory, whatever the archive's size


def export_record(snippet: Snippet) -> dict[str, Any]:
    """The documented export schema: every snippet field except the store's row id."""
    return {name: getattr(snippet, name) for name in EXPORT_FIELDS}


def write_jsonl(rows: Iterable[dict[str, Any]], handle: IO[str]) -> Iterator[None]:
    for row in rows:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        yield


def write_csv(rows: Iterable[dict[str, Any]], handle: IO[str]) -> Iterator[None]:
    writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in rows:
        cells = {k: json.dumps(v, ensure_ascii=False) if k in LIST_FIELDS else v for k, v in row.items()
                 if k != "images"}
        images: list[dict[str, Any]] = row["images"]
        cells["image_count"] = len(images)
        cells["lead_image"] = next((i["url"] for i in images if i.get("lead")), "")
        writer.writerow(cells)
        yield


def parquet_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in INT_FIELDS:
            return pa.int64()
        if name in LIST_FIELDS:
            return pa.list_(pa.string())
        if name == "images":
            return pa.list_(pa.struct([*((f, pa.string()) for f in IMAGE_FIELDS), ("lead", pa.bool_())]))
        return pa.string()

    return pa.schema([(name, kind(name)) for name in EXPORT_FIELDS])


def write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> Iterator[None]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("Parquet export needs pyarrow: pip install 'newsarchive[research]'") from exc
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


def write_snippets(snippets: Iterable[Snippet], destination: str | Path | IO[str], export_format: ExportFormat,
                   progress: Callable[[int], None] | None = None) -> int:
    """Write snippets to a path (or, for JSON lines and CSV, an open text handle); returns how many."""
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r} (known: {', '.join(FORMATS)})")
    rows = (export_record(s) for s in snippets)
    if export_format == "parquet":
        if not isinstance(destination, (str, Path)):
            raise ValueError("Parquet is written to a file: give a path")
        return _drain(write_parquet(rows, Path(destination)), progress)
    writer = write_csv if export_format == "csv" else write_jsonl
    if isinstance(destination, (str, Path)):
        with Path(destination).open("w", encoding="utf-8", newline="") as handle:
            return _drain(writer(rows, handle), progress)
    return _drain(writer(rows, destination), progress)


def _drain(steps: Iterator[None], progress: Callable[[int], None] | None) -> int:
    count = 0
    for _ in steps:
        count += 1
        if progress:
            progress(count)
    return count
