"""The SQL that differs between the two stores, SQLite and PostgreSQL, in one object per backend.

The table classes write one SQL text for both (``?`` placeholders, ``ON CONFLICT``, ``RETURNING``); where
the backends part ways (full-text search, JSON arrays, NULL ordering, insertion order, durability and
statistics after bulk writes) they ask the store's dialect, which ``StoreLocation`` picks once.
"""

from __future__ import annotations

from typing import Any, ClassVar

# the columns of a snippet row (all but SQLite's time key and PostgreSQL's search vector)
ROW_COLUMNS = ("id", "url", "canonical_url", "site", "title", "published", "published_utc", "modified",
               "document_date", "authors", "categories", "language", "text", "word_count", "text_sha256",
               "fetched_at", "run_id", "cleaner_version", "warc_file", "warc_offset", "warc_length",
               "warc_record_id", "payload_digest", "version", "declared_language", "flags", "source", "images",
               "access")
Bounds = list[tuple[str, Any]]  # (operator, value): ">=" since, "<" until

ORDER_SQL = {
    "newest": "s.published_utc DESC, s.id DESC",
    "oldest": "s.published_utc ASC, s.id ASC",
    "relevance": "f.rank, s.published_utc DESC",  # FTS5's bm25: lower is better
}


class Dialect:
    """What SQLite says; ``PostgresDialect`` overrides where PostgreSQL says it otherwise."""

    name: ClassVar[str] = "sqlite"
    # a table without a key to sort by (the frontier) keeps the order rows were added in this column
    insertion_order: ClassVar[str] = "rowid"
    order_sql: ClassVar[dict[str, str]] = ORDER_SQL
    # with a query, the index's rowid is the snippet's time key (its publication second << 24, plus a
    # counter within the second): FTS5 returns matches in that order without sorting them all
    order_sql_search: ClassVar[dict[str, str]] = {**ORDER_SQL, "newest": "f.rowid DESC", "oldest": "f.rowid ASC"}

    def text_search(self, query: str, keys: Bounds, times: Bounds) -> tuple[str, list[str], list[Any]]:
        """The source of a full-text search over ``snippets s``, its conditions and their parameters;
        ``keys`` bound the time key, ``times`` the publication time (UTC), for a search that seeks."""
        where, params = ["snippets_fts MATCH ?"], [query]
        for op, key in keys:  # lets FTS5 seek to the time range instead of filtering every match
            where.append(f"f.rowid {op} ?")
            params.append(key)
        return "snippets_fts f JOIN snippets s ON s.time_key = f.rowid", where, params

    def json_values(self, column: str) -> str:
        """A table of the values of a JSON array column of ``s``, as ``value``."""
        return f"json_each(s.{column})"

    def columns(self, query: bool, fragments: bool) -> str:
        """The selected columns of a snippet row, with ``score`` and ``fragment`` for a search."""
        columns = "s.*"
        if query:
            columns += ", f.rank AS score"
            if fragments:
                columns += ", snippet(snippets_fts, -1, '[', ']', '…', 16) AS fragment"
        return columns

    def order_by(self, order: str, query: bool) -> str:
        return (self.order_sql_search if query else self.order_sql)[order]

    def prepare_batch_writes(self, db: Any) -> None:
        """For batch work that can be run again (import, backfill, re-extraction): no fsync per commit, and
        statement journals kept in memory. A snippet's INSERT inside a group commit needs one (its trigger
        writes the full-text index), and one of over 64 KiB spills to a file in the temporary directory:
        290,000 of the 333,000 page writes of a 5,000-record import. Each statement here writes one record's
        rows, so its journal is small."""
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA temp_store=MEMORY")

    def after_copy(self, db: Any) -> None:
        """After rows were copied in with their ids (inside the copy's transaction)."""

    def after_bulk_write(self, db: Any) -> None:
        """After a bulk write has committed: statistics for the query planner."""


class PostgresDialect(Dialect):
    name: ClassVar[str] = "postgresql"
    insertion_order: ClassVar[str] = "position"
    # PostgreSQL sorts NULL first in descending order, SQLite last; with a query SQLite orders by the time key
    # (publication time, else fetch time, then insertion order), which these reproduce
    order_sql: ClassVar[dict[str, str]] = {"newest": "s.published_utc DESC NULLS LAST, s.id DESC",
                                           "oldest": "s.published_utc ASC NULLS FIRST, s.id ASC",
                                           "relevance": "score, s.published_utc DESC NULLS LAST"}
    order_sql_search: ClassVar[dict[str, str]] = {
        "newest": "COALESCE(s.published_utc, s.fetched_at) DESC, s.id DESC",
        "oldest": "COALESCE(s.published_utc, s.fetched_at) ASC, s.id ASC",
        "relevance": "score, COALESCE(s.published_utc, s.fetched_at) DESC, s.id DESC"}

    def text_search(self, query: str, keys: Bounds, times: Bounds) -> tuple[str, list[str], list[Any]]:
        from archive.store.tsquery import to_tsquery_text

        where, params = ["s.search @@ q"], [to_tsquery_text(query)]
        for op, moment in times:  # implied by the publication bounds; on the order search walks, it is
            where.append(f"COALESCE(s.published_utc, s.fetched_at) {op} ?")  # where the walk starts and stops
            params.append(moment)
        return "to_tsquery('newsarchive', ?) q CROSS JOIN snippets s", where, params

    def json_values(self, column: str) -> str:
        return f"jsonb_array_elements_text(s.{column}::jsonb) AS e(value)"

    def columns(self, query: bool, fragments: bool) -> str:
        columns = ", ".join(f"s.{c}" for c in ROW_COLUMNS)
        if query:  # ts_rank: higher is better; negated, the score sorts as FTS5's bm25 rank does
            columns += ", -ts_rank(s.search, q) AS score"
            if fragments:
                columns += (", ts_headline('newsarchive', s.text, q, 'StartSel=[, StopSel=], MaxWords=16, "
                            "MinWords=6, MaxFragments=1, FragmentDelimiter=…') AS fragment")
        return columns

    def prepare_batch_writes(self, db: Any) -> None:
        """The server's own durability and memory settings stand."""

    def after_copy(self, db: Any) -> None:
        # new snippets must be numbered after the copied ones
        db.execute("SELECT setval(pg_get_serial_sequence('snippets', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM snippets), 0) + 1, false)")

    def after_bulk_write(self, db: Any) -> None:
        db.execute("ANALYZE")  # so that search picks its index from the first query


SQLITE_DIALECT = Dialect()
POSTGRESQL = PostgresDialect()
