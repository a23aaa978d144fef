"""The snippet store: SQLite in WAL mode, one row per article version, FTS5 over title and text.

Rows are only ever inserted: a changed article gets a new version beside the old one. The same database
keeps the payload-digest index that turns repeated bodies into WARC revisit records.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from archive.query import TIME_KEY_SHIFT, Filters, Order, count_rows, select_rows, to_utc
from archive.snippets import SNIPPET_FIELDS, Match, Snippet
from archive.warc import OPEN_SUFFIX, CaptureRef

STORE_FILENAME = "archive.sqlite"
SCHEMA_VERSION = 6
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
    time_key INTEGER,  -- publication second << TIME_KEY_SHIFT, plus a counter within the second: the full-text rowid
    declared_language TEXT, flags TEXT NOT NULL DEFAULT '[]',
    UNIQUE (canonical_url, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS snippets_time_key ON snippets (time_key);
CREATE INDEX IF NOT EXISTS snippets_site_published ON snippets (site, published_utc);
CREATE INDEX IF NOT EXISTS snippets_published ON snippets (published_utc);
CREATE TABLE IF NOT EXISTS latest (canonical_url TEXT PRIMARY KEY, snippet_id INTEGER NOT NULL UNIQUE);
INSERT OR IGNORE INTO latest SELECT canonical_url, id FROM snippets s
    WHERE version = (SELECT MAX(version) FROM snippets WHERE canonical_url = s.canonical_url);
CREATE VIRTUAL TABLE IF NOT EXISTS snippets_fts USING fts5(
    title, text, content='snippets', content_rowid='time_key', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS snippets_ai AFTER INSERT ON snippets BEGIN
    UPDATE snippets SET time_key = COALESCE((SELECT MAX(time_key) FROM snippets
        WHERE time_key >= TIME_BASE(new) AND time_key < TIME_BASE(new) + TIME_SPAN), TIME_BASE(new) - 1) + 1
        WHERE id = new.id;
    INSERT INTO snippets_fts (rowid, title, text) SELECT time_key, new.title, new.text FROM snippets WHERE id = new.id;
END;
CREATE TABLE IF NOT EXISTS captures (
    payload_digest TEXT PRIMARY KEY, record_id TEXT NOT NULL, target_uri TEXT NOT NULL,
    warc_date TEXT NOT NULL, warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS snippets_ad AFTER DELETE ON snippets BEGIN
    INSERT INTO snippets_fts (snippets_fts, rowid, title, text) VALUES ('delete', old.time_key, old.title, old.text);
END;
CREATE TABLE IF NOT EXISTS url_state (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, status INTEGER NOT NULL, fetched_at TEXT NOT NULL,
    run_id TEXT NOT NULL, location TEXT, etag TEXT, last_modified TEXT,
    ref_record_id TEXT, ref_target_uri TEXT, ref_date TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, site TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL, report TEXT
);
CREATE TABLE IF NOT EXISTS frontier (  -- pages a run found but did not fetch: the next run starts with them
    site TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (site, url)
);
"""
# Newest-first search with a LIMIT must not sort every match: with the index's rowid in publication order,
# FTS5 walks the matches from the newest and stops after LIMIT rows (and seeks to --until/--since).
TIME_BASE_SQL = ("(CAST(strftime('%s', COALESCE({row}.published_utc, {row}.fetched_at)) AS INTEGER) << "
                 f"{TIME_KEY_SHIFT})")
SCHEMA = SCHEMA.replace("TIME_BASE(new)", TIME_BASE_SQL.format(row="new")).replace("TIME_SPAN",
                                                                                   str(1 << TIME_KEY_SHIFT))
# stores of schema 3 and older: the index was keyed by id; the key is added (see _upgrade) and the index
# built again
DROP_ID_KEYED_INDEX = """
DROP TRIGGER IF EXISTS snippets_ai;
DROP TRIGGER IF EXISTS snippets_ad;
DROP TABLE IF EXISTS snippets_fts;
"""


@dataclass(frozen=True)
class UrlState:
    """The last fetch of a URL: its status, validators for a conditional request, and its last full capture."""

    url: str
    site: str
    status: int
    fetched_at: str
    run_id: str
    location: str | None = None  # where a redirect pointed
    etag: str | None = None
    last_modified: str | None = None
    ref: CaptureRef | None = None  # the response record a 304 or an identical body refers to


@dataclass(frozen=True)
class ArticleState:
    """What the archive knows of an article: enough to decide whether to fetch it again."""

    canonical_url: str
    modified: str | None
    published_utc: str | None
    fetched_at: str


def _split_sql(script: str) -> list[str]:
    """Statements of a script, keeping trigger bodies whole (executescript would commit on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def _row_to_snippet(row: sqlite3.Row) -> Snippet:
    data: dict[str, Any] = {k: row[k] for k in row.keys() if k in SNIPPET_FIELDS}  # noqa: SIM118 - Row has no __iter__ of keys
    data["authors"] = json.loads(row["authors"])
    data["categories"] = json.loads(row["categories"])
    data["flags"] = json.loads(row["flags"])
    return Snippet.from_dict(data)


def _row_to_state(row: sqlite3.Row) -> UrlState:
    ref = CaptureRef(row["ref_record_id"], row["ref_target_uri"], row["ref_date"]) if row["ref_record_id"] else None
    return UrlState(row["url"], row["site"], row["status"], row["fetched_at"], row["run_id"], row["location"],
                    row["etag"], row["last_modified"], ref)


class SnippetStore:
    """Read and write access to ``DATA/archive.sqlite``."""

    def __init__(self, data_dir: Path, *, readonly: bool = False) -> None:
        self.path = data_dir / STORE_FILENAME
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no archive at {self.path}")
            self.db = self._connect_readonly()
            if self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                self.db.close()
                self._migrate(data_dir)
                self.db = self._connect_readonly()
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self._set_up()
        self.db.row_factory = sqlite3.Row
        # True: add, add_capture and record_fetch leave their writes in one open transaction, for the
        # crawl's group commit to end with commit() once the WARC bytes they point at are durable
        self.deferred = False

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self.deferred:
            yield
        else:
            with self.db:
                yield

    def commit(self) -> None:
        """End the open transaction of deferred writes (nothing happens when none is open)."""
        self.db.commit()

    def _connect_readonly(self) -> sqlite3.Connection:
        # autocommit: no implicit transaction may pin an old snapshot while a crawl writes (WAL)
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, isolation_level=None)

    @staticmethod
    def _migrate(data_dir: Path) -> None:
        """Bring a store written by an older version up to date before reading it."""
        try:
            SnippetStore(data_dir).close()
        except sqlite3.OperationalError as exc:
            raise sqlite3.OperationalError(f"{data_dir / STORE_FILENAME} has an older schema and cannot be "
                                           f"upgraded here ({exc}); open it once where it is writable") from exc

    def _set_up(self) -> None:
        """WAL mode and the schema, once per file. Two runs may open a new store at the same moment: SQLite
        answers "locked" to a journal-mode change or DDL without waiting, so retry for a while."""
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")  # a committed snippet survives power loss
                if self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    self._upgrade()
                return
            except sqlite3.OperationalError as exc:
                if self.db.in_transaction:
                    self.db.rollback()
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _upgrade(self) -> None:
        """Create the schema, or bring an older one up to date, in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        if self.db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:  # another process did it
            self.db.rollback()
            return
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(snippets)")}
        migrating = bool(columns) and "time_key" not in columns
        if migrating:
            self.db.execute("ALTER TABLE snippets ADD COLUMN time_key INTEGER")
            last: dict[int, int] = {}  # second -> last key given in it
            rows = self.db.execute(f"SELECT id, {TIME_BASE_SQL.format(row='snippets')} FROM snippets ORDER BY id")
            for snippet_id, base in rows.fetchall():
                last[base] = last.get(base, base - 1) + 1
                self.db.execute("UPDATE snippets SET time_key = ? WHERE id = ?", (last[base], snippet_id))
        for column, declaration in (("declared_language", "TEXT"), ("flags", "TEXT NOT NULL DEFAULT '[]'")):
            if columns and column not in columns:  # schema 4 and older
                self.db.execute(f"ALTER TABLE snippets ADD COLUMN {column} {declaration}")
        statements = (DROP_ID_KEYED_INDEX if migrating else "") + SCHEMA
        if migrating:
            statements += "\nINSERT INTO snippets_fts (snippets_fts) VALUES ('rebuild');"
        for statement in _split_sql(statements):
            self.db.execute(statement)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SnippetStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- snippets -----------------------------------------------------------------------------------

    def add(self, snippet: Snippet, *, compare: tuple[str, ...] = ("text_sha256", "title")) -> Outcome:
        """Store a snippet unless it equals the latest version of the same article in the ``compare`` fields.

        A crawl compares text and title (an article was edited); re-extraction compares every cleaned field.
        """
        with self._writing():
            row = self.db.execute("SELECT * FROM snippets WHERE canonical_url = ? ORDER BY version DESC LIMIT 1",
                                  (snippet.canonical_url,)).fetchone()
            if row:
                stored = _row_to_snippet(row)
                if all(getattr(stored, name) == getattr(snippet, name) for name in compare):
                    return "unchanged"
            snippet.version = (row["version"] + 1) if row else 1
            data = {name: getattr(snippet, name) for name in SNIPPET_FIELDS if name != "id"}  # a Match too
            data["authors"] = json.dumps(snippet.authors, ensure_ascii=False)
            data["categories"] = json.dumps(snippet.categories, ensure_ascii=False)
            data["flags"] = json.dumps(snippet.flags, ensure_ascii=False)
            data["published_utc"] = to_utc(snippet.published)
            cols = ", ".join(data)
            marks = ", ".join(f":{k}" for k in data)
            cur = self.db.execute(f"INSERT INTO snippets ({cols}) VALUES ({marks})", data)
            snippet.id = cur.lastrowid
            self.db.execute("INSERT OR REPLACE INTO latest VALUES (?, ?)", (snippet.canonical_url, snippet.id))
        return "changed" if row else "new"

    def select(self, filters: Filters, *, order: Order = "newest", limit: int | None = None) -> Iterator[Match]:
        """Snippets matching ``filters``, streamed; with a query each carries its fragment and score."""
        for row in select_rows(self.db, filters, order=order, limit=limit, fragments=bool(filters.query)):
            keys = row.keys()
            yield Match.from_snippet(_row_to_snippet(row), row["fragment"] if "fragment" in keys else "",
                                     row["score"] if "score" in keys else 0.0)

    def count_matching(self, filters: Filters) -> int:
        return count_rows(self.db, filters)

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

    # -- payload digests for revisit records ---------------------------------------------------------

    def find_capture(self, payload_digest: str) -> CaptureRef | None:
        row = self.db.execute("SELECT record_id, target_uri, warc_date FROM captures WHERE payload_digest = ?",
                              (payload_digest,)).fetchone()
        return CaptureRef(row[0], row[1], row[2]) if row else None

    def add_capture(self, payload_digest: str, ref: CaptureRef, warc_file: str, warc_offset: int) -> None:
        with self._writing():
            self.db.execute("INSERT OR IGNORE INTO captures VALUES (?, ?, ?, ?, ?, ?)",
                            (payload_digest, ref.record_id, ref.target_uri, ref.date, warc_file, warc_offset))

    def capture_location(self, record_id: str) -> tuple[str, int] | None:
        row = self.db.execute("SELECT warc_file, warc_offset FROM captures WHERE record_id = ?",
                              (record_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def snippet_record_ids(self, warc_files: list[str]) -> set[str]:
        """Record ids of the responses in these WARC files that a snippet points at."""
        if not warc_files:
            return set()
        marks = ", ".join("?" * len(warc_files))
        return {r[0] for r in self.db.execute(
            f"SELECT DISTINCT warc_record_id FROM snippets WHERE warc_file IN ({marks})", warc_files)}

    def article_state(self, canonical_url: str) -> ArticleState | None:
        row = self.db.execute(
            "SELECT s.canonical_url, s.modified, s.published_utc, s.fetched_at FROM latest l "
            "JOIN snippets s ON s.id = l.snippet_id WHERE l.canonical_url = ?", (canonical_url,)).fetchone()
        return ArticleState(row[0], row[1], row[2], row[3]) if row else None

    def recent_articles(self, site: str, since_utc: str) -> list[str]:
        """Canonical URLs of the site's articles published at or after ``since_utc``, newest first."""
        rows = self.db.execute(
            "SELECT s.canonical_url FROM snippets s JOIN latest l ON l.snippet_id = s.id "
            "WHERE s.site = ? AND s.published_utc >= ? ORDER BY s.published_utc DESC", (site, since_utc))
        return [r[0] for r in rows]

    def frontier(self, site: str) -> list[str]:
        """The pages an earlier run of the site found but did not fetch, in the order they were found."""
        return [r[0] for r in self.db.execute("SELECT url FROM frontier WHERE site = ? ORDER BY rowid", (site,))]

    def save_frontier(self, site: str, urls: list[str]) -> None:
        """Replace the site's frontier with ``urls``."""
        with self.db:
            self.db.execute("DELETE FROM frontier WHERE site = ?", (site,))
            self.db.executemany("INSERT OR IGNORE INTO frontier (site, url) VALUES (?, ?)", [(site, u) for u in urls])

    def has_articles(self, site: str) -> bool:
        return self.db.execute("SELECT 1 FROM snippets WHERE site = ? LIMIT 1", (site,)).fetchone() is not None

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

        with self.db:
            for row_id, name, offset, length in self.db.execute(
                    "SELECT id, warc_file, warc_offset, warc_length FROM snippets").fetchall():
                if gone(name, offset, length):
                    self.db.execute("DELETE FROM snippets WHERE id = ?", (row_id,))
                    dropped += 1
            if dropped:  # the latest version of an article may be among them: point at the one now latest
                self.db.execute("DELETE FROM latest WHERE snippet_id NOT IN (SELECT id FROM snippets)")
                self.db.execute("INSERT OR IGNORE INTO latest SELECT canonical_url, id FROM snippets s WHERE version = "
                                "(SELECT MAX(version) FROM snippets WHERE canonical_url = s.canonical_url)")
            for digest, name, offset in self.db.execute(
                    "SELECT payload_digest, warc_file, warc_offset FROM captures").fetchall():
                if gone(name, offset):
                    self.db.execute("DELETE FROM captures WHERE payload_digest = ?", (digest,))
        return dropped

    # -- what was fetched: validators for conditional requests, redirects, gone pages -------------------

    def record_fetch(self, state: UrlState) -> None:
        """Remember a fetch. Validators and the reference capture are kept when a fetch brings none (a 304)."""
        ref = state.ref
        with self._writing():
            self.db.execute(
                "INSERT INTO url_state VALUES (:url, :site, :status, :fetched_at, :run_id, :location, :etag, "
                ":last_modified, :ref_record_id, :ref_target_uri, :ref_date) ON CONFLICT (url) DO UPDATE SET "
                "site = excluded.site, status = excluded.status, fetched_at = excluded.fetched_at, "
                "run_id = excluded.run_id, location = excluded.location, "
                "etag = CASE WHEN excluded.status = 304 THEN etag ELSE excluded.etag END, "
                "last_modified = CASE WHEN excluded.status = 304 THEN last_modified ELSE excluded.last_modified END, "
                "ref_record_id = COALESCE(excluded.ref_record_id, ref_record_id), "
                "ref_target_uri = COALESCE(excluded.ref_target_uri, ref_target_uri), "
                "ref_date = COALESCE(excluded.ref_date, ref_date)",
                {"url": state.url, "site": state.site, "status": state.status, "fetched_at": state.fetched_at,
                 "run_id": state.run_id, "location": state.location, "etag": state.etag,
                 "last_modified": state.last_modified, "ref_record_id": ref.record_id if ref else None,
                 "ref_target_uri": ref.target_uri if ref else None, "ref_date": ref.date if ref else None})

    def site_of_origin(self, origin: str) -> str | None:
        """The site this archive files URLs of an origin (scheme://host:port) under, if it has any."""
        row = self.db.execute("SELECT site FROM url_state WHERE url >= ? AND url < ? LIMIT 1",
                              (origin + "/", origin + "0")).fetchone()  # '0' sorts right after '/'
        return str(row[0]) if row else None

    def url_state(self, url: str) -> UrlState | None:
        row = self.db.execute("SELECT * FROM url_state WHERE url = ?", (url,)).fetchone()
        return _row_to_state(row) if row else None

    # -- runs ------------------------------------------------------------------------------------------

    def start_run(self, run_id: str, site: str, started_at: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO runs (run_id, site, started_at, status) VALUES (?, ?, ?, 'running')",
                            (run_id, site, started_at))

    def run_site(self, run_id: str) -> str | None:
        row = self.db.execute("SELECT site FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return str(row[0]) if row else None

    def close_dead_runs(self, site: str) -> list[str]:
        """Mark runs of a site still 'running' as 'crashed'; called under the site lock, so none is alive."""
        with self.db:
            ids = [r[0] for r in self.db.execute("SELECT run_id FROM runs WHERE site = ? AND status = 'running'",
                                                  (site,))]
            self.db.execute("UPDATE runs SET status = 'crashed' WHERE site = ? AND status = 'running'", (site,))
        return ids

    def runs(self, site: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Past runs, newest first, with their reports where they finished."""
        sql = "SELECT run_id, site, started_at, finished_at, status, report FROM runs"
        params: list[Any] = []
        if site:
            sql += " WHERE site = ?"
            params.append(site)
        sql += " ORDER BY started_at DESC, run_id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [{"run_id": r[0], "site": r[1], "started_at": r[2], "finished_at": r[3], "status": r[4],
                 "report": json.loads(r[5]) if r[5] else None} for r in self.db.execute(sql, params)]

    def finish_run(self, run_id: str, status: str, report: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE run_id = ?",
                            (report.get("finished_at"), status, json.dumps(report), run_id))
