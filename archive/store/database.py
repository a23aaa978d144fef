"""How the store is opened, at the ``StoreLocation`` its caller was given: by default the SQLite file of the
data directory (WAL; read-only without an implicit transaction), its schema and the migrations of older
schemas; or a PostgreSQL database (see ``archive.store.postgres``) when many crawlers on many machines write
one archive. Also the transactions every table of the store writes in.

The tables live in their own modules (``url_state``, ``captures``, ``runs`` and, for the snippets,
``snippet_store``, all in ``archive.store``), each a class over this one; ``SnippetStore`` joins them. They
write SQL that both backends understand, and ask ``self.dialect`` where the two differ.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from archive.store.dialect import Dialect
from archive.store.location import STORE_FILENAME, StoreLocation, redacted
from archive.store.query import TIME_KEY_SHIFT

if TYPE_CHECKING:
    from archive.store.postgres import PostgresConnection

SCHEMA_VERSION = 9  # 7: page resources; 8: where a version came from (source), imported records; 9: images,
# access, fingerprints

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
    declared_language TEXT, flags TEXT NOT NULL DEFAULT '[]', source TEXT NOT NULL DEFAULT 'crawl',
    images TEXT NOT NULL DEFAULT '[]', access TEXT NOT NULL DEFAULT 'unknown',
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
CREATE TABLE IF NOT EXISTS page_resources (  -- what an archived page needs to render, by its response record
    page_record_id TEXT NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (page_record_id, url)
);
CREATE TABLE IF NOT EXISTS imported_records (  -- records an import or backfill copied in, by their own id
    record_id TEXT PRIMARY KEY, record_type TEXT NOT NULL, target_uri TEXT, warc_date TEXT,
    payload_digest TEXT, origin TEXT NOT NULL, origin_offset BIGINT NOT NULL, origin_length BIGINT NOT NULL,
    warc_file TEXT NOT NULL, warc_offset BIGINT NOT NULL, warc_length BIGINT NOT NULL, run_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_records_target ON imported_records (target_uri, payload_digest);
CREATE TABLE IF NOT EXISTS fingerprints (  -- a MinHash of each version's text and its cluster of copies
    snippet_id INTEGER PRIMARY KEY, canonical_url TEXT NOT NULL, cluster_id INTEGER NOT NULL, signature BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS fingerprints_cluster ON fingerprints (cluster_id);
CREATE TABLE IF NOT EXISTS fingerprint_bands (band_key INTEGER NOT NULL, snippet_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fingerprint_bands_key ON fingerprint_bands (band_key);
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


IN_BATCH = 500  # values per IN (...) list: well under SQLite's 32,766 parameters, one round trip per batch


def in_batches(values: list[Any], size: int = IN_BATCH) -> Iterator[list[Any]]:
    """``values`` in consecutive lists of at most ``size``, for queries with an IN list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def split_sql(script: str) -> list[str]:
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


def store_errors() -> tuple[type[Exception], ...]:
    """What a failing store raises, whichever backend: for ``except store_errors():``. psycopg's errors count
    once psycopg is loaded, which opening a PostgreSQL store does; until then none of them can be raised, and
    a process that never opens one (a cleaning worker, a command on a SQLite archive) does not load it."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


class Database:
    """Read and write access to the store (``DATA/archive.sqlite`` or PostgreSQL), its schema brought up to
    date on opening."""

    db: Any  # sqlite3.Connection, or a PostgresConnection with the same interface

    def __init__(self, where: StoreLocation | Path, *, readonly: bool = False) -> None:
        """``where``: a location, or a data directory whose SQLite store is meant."""
        self.location = StoreLocation.of(where)
        self.readonly = readonly
        data_dir = self.location.data_dir
        self.path = self.location.sqlite_path
        self.url = self.location.url
        self._postgres = self.location.postgres
        self.dialect: Dialect = self.location.dialect
        # True: add, add_capture and record_fetch leave their writes in one open transaction, for the
        # crawl's group commit to end with commit() once the WARC bytes they point at are durable
        self.deferred = False
        if self.url is not None:
            self.db = self._connect_postgres(self.url, readonly)
            return
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

    @staticmethod
    def _connect_postgres(url: str, readonly: bool) -> PostgresConnection:
        from archive.store.postgres import PostgresConnection

        connection = PostgresConnection(url, readonly=readonly)
        if not readonly:
            connection.set_up()
        elif not connection.has_schema():
            connection.close()
            raise FileNotFoundError(f"no archive at {redacted(url)}")
        return connection

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write: in the open group-commit transaction when deferred, else in one of its own."""
        if self.deferred and self._postgres:
            # autocommit otherwise: the deferred writes must wait for commit(); and where SQLite fails one
            # statement, PostgreSQL fails the whole transaction, so each write gets a savepoint of its own
            self.db.begin()
            self.db.execute("SAVEPOINT write")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK TO SAVEPOINT write")
                raise
            self.db.execute("RELEASE SAVEPOINT write")
        elif self.deferred:
            yield
        else:
            with self.transaction():
                yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The block in one transaction, committed at its end, rolled back on an exception."""
        if self._postgres:
            with self.db.transaction():
                yield
        else:
            with self.db:
                yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read within the block sees the store as it was at the first one, whatever a crawl commits
        meanwhile (a WAL read transaction); nested blocks share the outer one."""
        if self.db.in_transaction:
            yield
            return
        if self._postgres:
            self.db.begin("REPEATABLE READ")
        else:
            self.db.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")  # a read transaction: nothing is written, the snapshot is let go

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
            Database(data_dir).close()
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
        for column, declaration in (("declared_language", "TEXT"), ("flags", "TEXT NOT NULL DEFAULT '[]'"),
                                    ("source", "TEXT NOT NULL DEFAULT 'crawl'"),
                                    ("images", "TEXT NOT NULL DEFAULT '[]'"),
                                    ("access", "TEXT NOT NULL DEFAULT 'unknown'")):
            if columns and column not in columns:  # schema 4 and older; 7 for source; 8 for images and access
                self.db.execute(f"ALTER TABLE snippets ADD COLUMN {column} {declaration}")
        statements = (DROP_ID_KEYED_INDEX if migrating else "") + SCHEMA
        if migrating:
            statements += "\nINSERT INTO snippets_fts (snippets_fts) VALUES ('rebuild');"
        for statement in split_sql(statements):
            self.db.execute(statement)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
