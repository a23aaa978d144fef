"""The snippet store: SQLite in WAL mode, one row per article version, FTS5 over title and text.

Rows are only ever inserted: a changed article gets a new version beside the old one. The same database
keeps the payload-digest index that turns repeated bodies into WARC revisit records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from archive.snippets import SNIPPET_FIELDS, Snippet
from archive.warc import CaptureRef

STORE_FILENAME = "archive.sqlite"
SCHEMA_VERSION = 1
Outcome = Literal["new", "changed", "unchanged"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS snippets (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL, canonical_url TEXT NOT NULL, site TEXT NOT NULL, title TEXT NOT NULL,
    published TEXT, published_utc TEXT, modified TEXT, document_date TEXT,
    authors TEXT NOT NULL, categories TEXT NOT NULL, language TEXT,
    text TEXT NOT NULL, word_count INTEGER NOT NULL, text_sha256 TEXT NOT NULL,
    fetched_at TEXT NOT NULL, run_id TEXT NOT NULL, cleaner_version TEXT NOT NULL,
    warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_length INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL, payload_digest TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (canonical_url, version)
);
CREATE INDEX IF NOT EXISTS snippets_site_published ON snippets (site, published_utc);
CREATE VIRTUAL TABLE IF NOT EXISTS snippets_fts USING fts5(
    title, text, content='snippets', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS snippets_ai AFTER INSERT ON snippets BEGIN
    INSERT INTO snippets_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TABLE IF NOT EXISTS captures (
    payload_digest TEXT PRIMARY KEY, record_id TEXT NOT NULL, target_uri TEXT NOT NULL,
    warc_date TEXT NOT NULL, warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, site TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL, report TEXT
);
"""


class QueryError(ValueError):
    """A search the store cannot run (for example a malformed FTS5 expression)."""


@dataclass
class SearchHit:
    """A snippet found by a search, with its highlighted fragment."""

    snippet: Snippet
    fragment: str


def to_utc(value: str | None) -> str | None:
    """ISO 8601 with offset to a UTC string that sorts and compares correctly."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row_to_snippet(row: sqlite3.Row) -> Snippet:
    data: dict[str, Any] = {k: row[k] for k in row.keys() if k in SNIPPET_FIELDS}  # noqa: SIM118 - Row has no __iter__ of keys
    data["authors"] = json.loads(row["authors"])
    data["categories"] = json.loads(row["categories"])
    return Snippet.from_dict(data)


class SnippetStore:
    """Read and write access to ``DATA/archive.sqlite``."""

    def __init__(self, data_dir: Path, *, readonly: bool = False) -> None:
        self.path = data_dir / STORE_FILENAME
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no archive at {self.path}")
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a committed snippet survives power loss
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    # -- snippets -----------------------------------------------------------------------------------

    def add(self, snippet: Snippet) -> Outcome:
        """Store a snippet unless its text equals the latest version of the same article."""
        with self.db:
            row = self.db.execute(
                "SELECT version, text_sha256, title FROM snippets WHERE canonical_url = ? "
                "ORDER BY version DESC LIMIT 1", (snippet.canonical_url,)).fetchone()
            if row and row["text_sha256"] == snippet.text_sha256 and row["title"] == snippet.title:
                return "unchanged"
            snippet.version = (row["version"] + 1) if row else 1
            data = snippet.to_dict()
            data.pop("id")
            data["authors"] = json.dumps(snippet.authors, ensure_ascii=False)
            data["categories"] = json.dumps(snippet.categories, ensure_ascii=False)
            data["published_utc"] = to_utc(snippet.published)
            cols = ", ".join(data)
            marks = ", ".join(f":{k}" for k in data)
            cur = self.db.execute(f"INSERT INTO snippets ({cols}) VALUES ({marks})", data)
            snippet.id = cur.lastrowid
        return "changed" if row else "new"

    def latest(self, site: str | None = None) -> Iterator[Snippet]:
        """The latest version of every article, oldest publication first."""
        sql = ("SELECT * FROM snippets s WHERE version = (SELECT MAX(version) FROM snippets "
               "WHERE canonical_url = s.canonical_url)")
        params: list[Any] = []
        if site:
            sql += " AND site = ?"
            params.append(site)
        for row in self.db.execute(sql + " ORDER BY published_utc, id", params):
            yield _row_to_snippet(row)

    def versions(self, canonical_url: str) -> list[Snippet]:
        rows = self.db.execute("SELECT * FROM snippets WHERE canonical_url = ? ORDER BY version", (canonical_url,))
        return [_row_to_snippet(r) for r in rows]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(DISTINCT canonical_url) FROM snippets").fetchone()[0])

    def search(self, query: str, *, site: str | None = None, since: str | None = None, until: str | None = None,
               limit: int | None = 20) -> list[SearchHit]:
        """Full-text search (FTS5 syntax) over the latest versions, newest publication first."""
        sql = ("SELECT s.*, snippet(snippets_fts, 1, '[', ']', '…', 16) AS fragment FROM snippets_fts "
               "JOIN snippets s ON s.id = snippets_fts.rowid WHERE snippets_fts MATCH ? AND s.version = "
               "(SELECT MAX(version) FROM snippets WHERE canonical_url = s.canonical_url)")
        params: list[Any] = [query]
        if site:
            sql += " AND s.site = ?"
            params.append(site)
        if since:
            sql += " AND s.published_utc >= ?"
            params.append(to_utc(since))
        if until:
            sql += " AND s.published_utc < ?"
            params.append(to_utc(until))
        sql += " ORDER BY s.published_utc DESC, s.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        try:
            rows = self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        return [SearchHit(_row_to_snippet(r), r["fragment"]) for r in rows]

    # -- payload digests for revisit records ---------------------------------------------------------

    def find_capture(self, payload_digest: str) -> CaptureRef | None:
        row = self.db.execute("SELECT record_id, target_uri, warc_date FROM captures WHERE payload_digest = ?",
                              (payload_digest,)).fetchone()
        return CaptureRef(row[0], row[1], row[2]) if row else None

    def add_capture(self, payload_digest: str, ref: CaptureRef, warc_file: str, warc_offset: int) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO captures VALUES (?, ?, ?, ?, ?, ?)",
                            (payload_digest, ref.record_id, ref.target_uri, ref.date, warc_file, warc_offset))

    def capture_location(self, record_id: str) -> tuple[str, int] | None:
        row = self.db.execute("SELECT warc_file, warc_offset FROM captures WHERE record_id = ?",
                              (record_id,)).fetchone()
        return (row[0], row[1]) if row else None

    # -- runs ------------------------------------------------------------------------------------------

    def start_run(self, run_id: str, site: str, started_at: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO runs (run_id, site, started_at, status) VALUES (?, ?, ?, 'running')",
                            (run_id, site, started_at))

    def finish_run(self, run_id: str, status: str, report: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE run_id = ?",
                            (report.get("finished_at"), status, json.dumps(report), run_id))
