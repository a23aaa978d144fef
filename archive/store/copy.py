"""Copying a whole store to another backend: SQLite to PostgreSQL when one machine becomes many, and back.

Every table is copied row for row, snippet ids included, so WARC pointers, version numbers, URL states, the
revisit index, runs and the frontier come out the same; the target's own search index is built as the rows
arrive. The target must be empty: a copy never merges into an archive that already holds something.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from archive.store.database import Database
from archive.store.dialect import ROW_COLUMNS

BATCH = 2000
# table -> columns in copy order; the snippets' search index and time key are the target's own business
TABLES: dict[str, tuple[str, ...]] = {
    "snippets": ROW_COLUMNS,
    "latest": ("canonical_url", "snippet_id"),
    "captures": ("payload_digest", "record_id", "target_uri", "warc_date", "warc_file", "warc_offset"),
    "url_state": ("url", "site", "status", "fetched_at", "run_id", "location", "etag", "last_modified",
                  "ref_record_id", "ref_target_uri", "ref_date"),
    "runs": ("run_id", "site", "started_at", "finished_at", "status", "report"),
    "frontier": ("site", "url"),
    "page_resources": ("page_record_id", "url", "kind"),
    "imported_records": ("record_id", "record_type", "target_uri", "warc_date", "payload_digest", "origin",
                         "origin_offset", "origin_length", "warc_file", "warc_offset", "warc_length", "run_id"),
    "fingerprints": ("snippet_id", "canonical_url", "cluster_id", "signature"),
    "fingerprint_bands": ("band_key", "snippet_id"),
}
ORDER = {"snippets": "id", "latest": "canonical_url", "captures": "payload_digest", "url_state": "url",
         "runs": "run_id", "page_resources": "page_record_id, url", "imported_records": "record_id",
         "fingerprints": "snippet_id", "fingerprint_bands": "snippet_id, band_key"}


class CopyError(Exception):
    """The copy cannot start: the target already holds an archive."""


def _rows(source: Database, table: str) -> Iterator[tuple[Any, ...]]:
    order = ORDER.get(table) or source.dialect.insertion_order  # the frontier keeps its order
    cursor = source.db.execute(f"SELECT {', '.join(TABLES[table])} FROM {table} ORDER BY {order}")
    while batch := cursor.fetchmany(BATCH):
        yield from (tuple(row) for row in batch)


def table_counts(store: Database) -> dict[str, int]:
    return {table: int(store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in TABLES}


def copy_store(source: Database, target: Database,
               progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` in one transaction; the rows copied per table."""
    if any(table_counts(target).values()):
        raise CopyError(f"the target already holds an archive ({target.location.describe()}); copy into an empty one")
    copied: dict[str, int] = {}
    with source.snapshot(), target.transaction():
        for table, columns in TABLES.items():
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            copied[table] = 0
            batch: list[tuple[Any, ...]] = []
            for row in _rows(source, table):
                batch.append(row)
                if len(batch) >= BATCH:
                    target.db.executemany(sql, batch)
                    copied[table] += len(batch)
                    batch = []
                    if progress:
                        progress(table, copied[table])
            if batch:
                target.db.executemany(sql, batch)
                copied[table] += len(batch)
        target.dialect.after_copy(target.db)
    target.dialect.after_bulk_write(target.db)
    return copied
