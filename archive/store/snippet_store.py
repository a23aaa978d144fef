"""The snippet store: one row per article version, full-text search over title and text (SQLite in WAL mode
with FTS5, or PostgreSQL with a GIN index: ``archive.store.database``).

A changed article gets a new version beside the old one; versions are numbered in the order of their
captures, so a capture of the past that an import brings in after later ones takes its place in time.
The same database keeps the URL states of incremental crawls (``archive.store.url_state``), the
payload-digest index that turns repeated bodies into WARC revisit records (``archive.store.captures``) and
the runs (``archive.store.runs``); ``archive.store.database`` opens it and keeps its schema.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from archive.store.captures import CaptureIndex
from archive.store.database import SCHEMA_VERSION
from archive.store.fingerprints import Fingerprints
from archive.store.imports import ImportedRecord, ImportedRecords
from archive.store.location import STORE_FILENAME, StoreLocation
from archive.store.page_resources import PageResource, PageResourceIndex
from archive.store.query import (
    FACETS,
    Filters,
    Order,
    QueryError,
    count_rows,
    facet_rows,
    facet_sample,
    select_rows,
    to_utc,
)
from archive.store.runs import RunLog
from archive.store.snippets import SNIPPET_FIELDS, Match, Snippet
from archive.store.url_state import ArticleState, UrlState, UrlStates
from archive.warc.write import OPEN_SUFFIX

Outcome = Literal["new", "changed", "unchanged"]


def _row_to_snippet(row: sqlite3.Row) -> Snippet:
    data: dict[str, Any] = {k: row[k] for k in row.keys() if k in SNIPPET_FIELDS}  # noqa: SIM118 - Row has no __iter__ of keys
    data["authors"] = json.loads(row["authors"])
    data["categories"] = json.loads(row["categories"])
    data["flags"] = json.loads(row["flags"])
    data["images"] = json.loads(row["images"])
    return Snippet.from_dict(data)


def _same(stored: Snippet, snippet: Snippet, compare: tuple[str, ...]) -> bool:
    return all(getattr(stored, name) == getattr(snippet, name) for name in compare)


def _earlier(moment: str, than: str) -> bool:
    """Whether capture time ``moment`` is before ``than`` (ISO 8601; an unreadable one is never earlier)."""
    try:
        a, b = to_utc(moment), to_utc(than)
    except QueryError:
        return False
    return a is not None and b is not None and a < b


class SnippetStore(UrlStates, CaptureIndex, PageResourceIndex, ImportedRecords, RunLog, Fingerprints):
    """Read and write access to the store: the snippets here, the other tables from the bases."""

    @classmethod
    def existing(cls, where: StoreLocation | Path) -> SnippetStore | None:
        """The store, read-only, or None when no archive is there yet (one connection, not a look and then
        another)."""
        try:
            return cls(where, readonly=True)
        except FileNotFoundError:
            return None

    def add(self, snippet: Snippet, *, compare: tuple[str, ...] = ("text_sha256", "title")) -> Outcome:
        """Store a snippet unless it equals the latest version of the same article in the ``compare`` fields.

        A crawl compares text and title (an article was edited); re-extraction compares every cleaned field.
        A capture older than the latest version (an import or a backfill of the past) takes its place in time
        instead (``_add_earlier``).
        """
        with self._writing():
            row = self.db.execute("SELECT * FROM snippets WHERE canonical_url = ? ORDER BY version DESC LIMIT 1",
                                  (snippet.canonical_url,)).fetchone()
            if row:
                stored = _row_to_snippet(row)
                if _earlier(snippet.fetched_at, stored.fetched_at):
                    return self._add_earlier(snippet, compare)
                if _same(stored, snippet, compare):
                    return "unchanged"
            snippet.version = (row["version"] + 1) if row else 1
            self._insert(snippet)
            # replaces the row of the article, and any stale row holding the id (SQLite reuses the id of a
            # deleted last row)
            self.db.execute("DELETE FROM latest WHERE canonical_url = ? OR snippet_id = ?",
                            (snippet.canonical_url, snippet.id))
            self.db.execute("INSERT INTO latest VALUES (?, ?)", (snippet.canonical_url, snippet.id))
        return "changed" if row else "new"

    def _add_earlier(self, snippet: Snippet, compare: tuple[str, ...]) -> Outcome:
        """A capture made before the article's latest version: versions are numbered in the order of their
        captures, whatever order the captures arrive in. Equal to the version before it: unchanged. Equal
        to the version after it: that text was there already, and its row now points at this earlier
        capture (a version's row is the first capture of its text), which takes the later capture's page
        resources where it noted none of its own. Otherwise a version of its own, and the
        later ones move up by one."""
        versions = [_row_to_snippet(r) for r in self.db.execute(
            "SELECT * FROM snippets WHERE canonical_url = ? ORDER BY version", (snippet.canonical_url,))]
        place = next(i for i, v in enumerate(versions) if _earlier(snippet.fetched_at, v.fetched_at))
        before, after = (versions[place - 1] if place else None), versions[place]
        if before is not None and _same(before, snippet, compare):
            return "unchanged"
        if _same(after, snippet, compare):
            self.db.execute("UPDATE snippets SET fetched_at = ?, run_id = ?, source = ?, warc_file = ?, "
                            "warc_offset = ?, warc_length = ?, warc_record_id = ?, payload_digest = ? WHERE id = ?",
                            (snippet.fetched_at, snippet.run_id, snippet.source, snippet.warc_file,
                             snippet.warc_offset, snippet.warc_length, snippet.warc_record_id,
                             snippet.payload_digest, after.id))
            if snippet.warc_record_id != after.warc_record_id:
                self.inherit_page_resources(snippet.warc_record_id, after.warc_record_id)
            return "unchanged"
        # two steps through negative numbers: (canonical_url, version) stays unique after every row's update
        self.db.execute("UPDATE snippets SET version = -version - 1 WHERE canonical_url = ? AND version >= ?",
                        (snippet.canonical_url, after.version))
        self.db.execute("UPDATE snippets SET version = -version WHERE canonical_url = ? AND version < 0",
                        (snippet.canonical_url,))
        snippet.version = after.version
        self._insert(snippet)
        return "changed"

    def _insert(self, snippet: Snippet) -> None:
        data = {name: getattr(snippet, name) for name in SNIPPET_FIELDS if name != "id"}  # a Match too
        data["authors"] = json.dumps(snippet.authors, ensure_ascii=False)
        data["categories"] = json.dumps(snippet.categories, ensure_ascii=False)
        data["flags"] = json.dumps(snippet.flags, ensure_ascii=False)
        data["images"] = json.dumps(snippet.images, ensure_ascii=False)
        data["published_utc"] = to_utc(snippet.published)
        cols = ", ".join(data)
        marks = ", ".join(f":{k}" for k in data)
        snippet.id = int(self.db.execute(f"INSERT INTO snippets ({cols}) VALUES ({marks}) RETURNING id",
                                         data).fetchone()[0])
        self.add_fingerprint(snippet.id, snippet.canonical_url, snippet.text)

    def select(self, filters: Filters, *, order: Order = "newest", limit: int | None = None) -> Iterator[Match]:
        """Snippets matching ``filters``, streamed; with a query each carries its fragment and score."""
        for row in select_rows(self.db, filters, order=order, limit=limit, fragments=bool(filters.query),
                               dialect=self.dialect):
            keys = row.keys()
            yield Match.from_snippet(_row_to_snippet(row), row["fragment"] if "fragment" in keys else "",
                                     row["score"] if "score" in keys else 0.0)

    def count_matching(self, filters: Filters, cap: int | None = None) -> int:
        return count_rows(self.db, filters, self.dialect, cap)

    def facets(self, filters: Filters, sample: int | None = None) -> dict[str, dict[str, int]]:
        """Matches per site, per language and per day of publication (the latest thousand days); with
        ``sample``, among the newest ``sample`` matches only."""
        if sample is not None:
            return facet_sample(self.db, filters, self.dialect, sample)
        return {name: dict(facet_rows(self.db, filters, name, self.dialect)) for name in FACETS}

    def sites(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT site FROM snippets ORDER BY site")]

    def stats(self) -> dict[str, Any]:
        """Counts for ``newsarchive stats``: latest versions per site, language and day; runs by status."""
        def grouped(sql: str) -> dict[str, int]:
            return {str(k) if k is not None else "": int(v) for k, v in self.db.execute(sql)}

        latest = "FROM snippets s JOIN latest l ON l.snippet_id = s.id"
        return {
            "articles": int(self.db.execute("SELECT COUNT(*) FROM latest").fetchone()[0]),
            "versions": int(self.db.execute("SELECT COUNT(*) FROM snippets").fetchone()[0]),
            "sites": grouped(f"SELECT s.site, COUNT(*) {latest} GROUP BY s.site ORDER BY COUNT(*) DESC"),
            "languages": grouped(f"SELECT s.language, COUNT(*) {latest} GROUP BY s.language ORDER BY COUNT(*) DESC"),
            "days": grouped(f"SELECT substr(s.published_utc, 1, 10) AS day, COUNT(*) {latest} GROUP BY day "
                            "ORDER BY day"),
            "runs": grouped("SELECT status, COUNT(*) FROM runs GROUP BY status ORDER BY COUNT(*) DESC"),
        }

    def get(self, snippet_id: int) -> Snippet | None:
        row = self.db.execute("SELECT * FROM snippets WHERE id = ?", (snippet_id,)).fetchone()
        return _row_to_snippet(row) if row else None

    def versions(self, canonical_url: str) -> list[Snippet]:
        rows = self.db.execute("SELECT * FROM snippets WHERE canonical_url = ? ORDER BY version", (canonical_url,))
        return [_row_to_snippet(r) for r in rows]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(DISTINCT canonical_url) FROM snippets").fetchone()[0])

    def snippet_record_ids(self, warc_files: list[str]) -> set[str]:
        """Record ids of the responses in these WARC files that a snippet points at."""
        if not warc_files:
            return set()
        marks = ", ".join("?" * len(warc_files))
        return {r[0] for r in self.db.execute(
            f"SELECT DISTINCT warc_record_id FROM snippets WHERE warc_file IN ({marks})", warc_files)}

    def drop_dangling(self, warc_dir: Path) -> int:
        """Delete snippets and index rows whose WARC record is gone; only a repair after a crash needs this.

        A record is gone when its file does not exist or ends before the record's gzip member does.
        """
        sizes: dict[str, int] = {}
        dropped = 0

        def size_of(name: str) -> int:
            # a live writer's file still has its .open suffix; it may be renamed while we look
            for candidate in (name, name + OPEN_SUFFIX, name):
                try:
                    return (warc_dir / candidate).stat().st_size
                except FileNotFoundError:
                    continue
            return -1

        def gone(name: str, offset: int, length: int = 0) -> bool:
            if name not in sizes:
                sizes[name] = size_of(name)
            return sizes[name] < offset + max(length, 1)

        with self.transaction():
            for row_id, name, offset, length in self.db.execute(
                    "SELECT id, warc_file, warc_offset, warc_length FROM snippets").fetchall():
                if gone(name, offset, length):
                    self.db.execute("DELETE FROM snippets WHERE id = ?", (row_id,))
                    dropped += 1
            if dropped:  # the latest version of an article may be among them: point at the one now latest
                self.db.execute("DELETE FROM latest WHERE snippet_id NOT IN (SELECT id FROM snippets)")
                self.db.execute("INSERT INTO latest SELECT canonical_url, id FROM snippets s WHERE version = "
                                "(SELECT MAX(version) FROM snippets WHERE canonical_url = s.canonical_url) "
                                "ON CONFLICT DO NOTHING")
            for digest, name, offset in self.db.execute(
                    "SELECT payload_digest, warc_file, warc_offset FROM captures").fetchall():
                if gone(name, offset):
                    self.db.execute("DELETE FROM captures WHERE payload_digest = ?", (digest,))
        return dropped


__all__ = ["SCHEMA_VERSION", "STORE_FILENAME", "ArticleState", "ImportedRecord", "Outcome", "PageResource",
           "SnippetStore", "UrlState"]
