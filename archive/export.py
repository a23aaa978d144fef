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
# the snippet's fields, then its cluster of copies (archive/store/fingerprints.py): the cluster's id, and the
# snippet id of the cluster's first where that is another article (null for the first and for unique stories)
CLUSTER_FIELDS = ("cluster_id", "duplicate_of")
EXPORT_FIELDS = [*(f for f in SNIPPET_FIELDS if f != "id"), *CLUSTER_FIELDS]
INT_FIELDS = {"warc_offset", "warc_length", "word_count", "version", *CLUSTER_FIELDS}
ClusterFields = Callable[[list[tuple[int, str]]], dict[int, tuple[int | None, int | None]]]
LIST_FIELDS = {"authors", "categories", "flags"}
IMAGE_FIELDS = ("url", "alt", "caption", "credit")  # and ``lead``, a boolean
CSV_FIELDS = [n for f in EXPORT_FIELDS for n in (("image_count", "lead_image") if f == "images" else (f,))]
BATCH = 2000  # Parquet rows per record batch: bounds memory, whatever the archive's size


def export_record(snippet: Snippet, cluster: tuple[int | None, int | None] = (None, None)) -> dict[str, Any]:
    """The documented export schema: every snippet field except the store's row id, and its cluster."""
    row = {name: getattr(snippet, name) for name in EXPORT_FIELDS if name not in CLUSTER_FIELDS}
    row["cluster_id"], row["duplicate_of"] = cluster
    return row


def _records(snippets: Iterable[Snippet], clusters: ClusterFields | None) -> Iterator[dict[str, Any]]:
    """Export rows, the cluster fields looked up a batch of snippets at a time."""
    batch: list[Snippet] = []
    for snippet in snippets:
        batch.append(snippet)
        if len(batch) == BATCH:
            yield from _annotated(batch, clusters)
            batch = []
    yield from _annotated(batch, clusters)


def _annotated(batch: list[Snippet], clusters: ClusterFields | None) -> Iterator[dict[str, Any]]:
    found = clusters([(s.id, s.canonical_url) for s in batch if s.id is not None]) if clusters and batch else {}
    for snippet in batch:
        yield export_record(snippet, found.get(snippet.id or 0, (None, None)))


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
                   progress: Callable[[int], None] | None = None, clusters: ClusterFields | None = None) -> int:
    """Write snippets to a path (or, for JSON lines and CSV, an open text handle); returns how many.
    ``clusters`` gives the cluster fields of a batch (the store's ``cluster_fields``); without it they are null."""
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r} (known: {', '.join(FORMATS)})")
    rows = _records(snippets, clusters)
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
