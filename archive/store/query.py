"""Selecting snippets: the filters every reader shares (API, search, export, count, reextract), as SQL.

One builder, so ``search``, ``count`` and ``export`` given the same filters always agree on the rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Order = Literal["newest", "oldest", "relevance"]
ORDER_SQL = {
    "newest": "s.published_utc DESC, s.id DESC",
    "oldest": "s.published_utc ASC, s.id ASC",
    "relevance": "f.rank, s.published_utc DESC",  # FTS5's bm25: lower is better
}
# with a query, the index's rowid is the snippet's time key (archive/store/snippet_store.py: its publication second
# << 24, plus a counter within the second): FTS5 returns matches in that order without sorting them all
ORDER_SQL_FTS = {**ORDER_SQL, "newest": "f.rowid DESC", "oldest": "f.rowid ASC"}
# PostgreSQL sorts NULL first in descending order, SQLite last; with a query SQLite orders by the time key
# (publication time, else fetch time, then insertion order), which these reproduce
ORDER_SQL_PG = {"newest": "s.published_utc DESC NULLS LAST, s.id DESC",
                "oldest": "s.published_utc ASC NULLS FIRST, s.id ASC",
                "relevance": "score, s.published_utc DESC NULLS LAST"}
ORDER_SQL_PG_FTS = {"newest": "COALESCE(s.published_utc, s.fetched_at) DESC, s.id DESC",
                    "oldest": "COALESCE(s.published_utc, s.fetched_at) ASC, s.id ASC",
                    "relevance": "score, COALESCE(s.published_utc, s.fetched_at) DESC, s.id DESC"}
# the columns of a snippet row (all but SQLite's time key and PostgreSQL's search vector)
ROW_COLUMNS = ("id", "url", "canonical_url", "site", "title", "published", "published_utc", "modified",
               "document_date", "authors", "categories", "language", "text", "word_count", "text_sha256",
               "fetched_at", "run_id", "cleaner_version", "warc_file", "warc_offset", "warc_length",
               "warc_record_id", "payload_digest", "version", "declared_language", "flags")
TIME_KEY_SHIFT = 24


class QueryError(ValueError):
    """A search the store cannot run: a malformed FTS5 expression, a bad date, an unknown order."""


def to_utc(value: str | None) -> str | None:
    """ISO 8601 (a date, or a time with or without offset; UTC assumed without) as a sortable UTC string."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise QueryError(f"not a date: {value!r} (use YYYY-MM-DD or ISO 8601)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_key(value: str) -> int:
    """The smallest time key of a moment: its Unix second shifted as in the store's index."""
    utc = to_utc(value)
    assert utc is not None
    return int(datetime.fromisoformat(utc.replace("Z", "+00:00")).timestamp()) << TIME_KEY_SHIFT


@dataclass(frozen=True)
class Filters:
    """What to select. ``query`` is FTS5 syntax over title and text; dates bound the publication time."""

    query: str | None = None
    site: str | None = None
    since: str | None = None  # published on or after
    until: str | None = None  # published before
    language: str | None = None
    category: str | None = None  # one of the article's categories, exactly
    author: str | None = None  # one of the article's authors, case-insensitive
    all_versions: bool = False  # every stored version, not only the latest of each article

    def sql(self, postgres: bool = False) -> tuple[str, list[Any]]:
        """FROM and WHERE clauses over ``snippets s`` (and ``snippets_fts f`` with a query on SQLite, the
        tsquery ``q`` on PostgreSQL), with parameters."""
        joins = ["snippets s"]
        where: list[str] = []
        params: list[Any] = []
        if not self.all_versions:
            joins.append("JOIN latest l ON l.snippet_id = s.id")
        if self.query and postgres:
            from archive.store.tsquery import to_tsquery_text

            joins.insert(0, "to_tsquery('newsarchive', ?) q CROSS JOIN")
            params.append(to_tsquery_text(self.query))
            where.append("s.search @@ q")
        elif self.query:
            joins[0] = "snippets_fts f JOIN snippets s ON s.time_key = f.rowid"
            where.append("snippets_fts MATCH ?")
            params.append(self.query)
            for op, value in ((">=", self.since), ("<", self.until)):
                if value:  # lets FTS5 seek to the time range instead of filtering every match
                    where.append(f"f.rowid {op} ?")
                    params.append(time_key(value))
        for column, value in (("s.site", self.site), ("s.language", self.language)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        for op, value in ((">=", self.since), ("<", self.until)):
            if value:
                where.append(f"s.published_utc {op} ?")
                params.append(to_utc(value))
                if self.query and postgres:  # implied by the line above; on the key search walks, it is where
                    where.append(f"COALESCE(s.published_utc, s.fetched_at) {op} ?")  # the walk starts and stops
                    params.append(to_utc(value))
        each = "jsonb_array_elements_text(s.{}::jsonb) AS e(value)" if postgres else "json_each(s.{})"
        if self.category:
            where.append(f"EXISTS (SELECT 1 FROM {each.format('categories')} WHERE value = ?)")
            params.append(self.category)
        if self.author:
            where.append(f"EXISTS (SELECT 1 FROM {each.format('authors')} WHERE lower(value) = lower(?))")
            params.append(self.author)
        sql = " FROM " + " ".join(joins)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params


def select_rows(db: Any, filters: Filters, *, order: Order = "newest", limit: int | None = None,
                fragments: bool = False, postgres: bool = False) -> Iterator[Any]:
    """Rows of ``snippets`` (plus ``fragment`` and ``score`` with a query), streamed, in the given order."""
    if order not in ORDER_SQL:
        raise QueryError(f"unknown order {order!r}: use one of {', '.join(ORDER_SQL)}")
    if order == "relevance" and not filters.query:
        order = "newest"
    body, params = filters.sql(postgres)
    if postgres:
        columns = ", ".join(f"s.{c}" for c in ROW_COLUMNS)
        if filters.query:  # ts_rank: higher is better; negated, the score sorts as FTS5's bm25 rank does
            columns += ", -ts_rank(s.search, q) AS score"
            if fragments:
                columns += (", ts_headline('newsarchive', s.text, q, 'StartSel=[, StopSel=], MaxWords=16, "
                            "MinWords=6, MaxFragments=1, FragmentDelimiter=…') AS fragment")
        sql = f"SELECT {columns}{body} ORDER BY {(ORDER_SQL_PG_FTS if filters.query else ORDER_SQL_PG)[order]}"
    else:
        columns = "s.*"
        if filters.query:
            columns += ", f.rank AS score"
            if fragments:
                columns += ", snippet(snippets_fts, -1, '[', ']', '…', 16) AS fragment"
        sql = f"SELECT {columns}{body} ORDER BY {(ORDER_SQL_FTS if filters.query else ORDER_SQL)[order]}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    try:
        cursor = db.execute(sql, params)
        yield from cursor
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc


def count_rows(db: Any, filters: Filters, postgres: bool = False) -> int:
    body, params = filters.sql(postgres)
    try:
        return int(db.execute(f"SELECT COUNT(*){body}", params).fetchone()[0])
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc
