"""Selecting snippets: the filters every reader shares (API, search, export, count, reextract), as SQL.

One builder, so ``search``, ``count`` and ``export`` given the same filters always agree on the rows.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from archive.store.dialect import ORDER_SQL, SQLITE_DIALECT, Dialect

Order = Literal["newest", "oldest", "relevance"]
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
    access: str | None = None  # free, paywalled or unknown

    def sql(self, dialect: Dialect = SQLITE_DIALECT) -> tuple[str, list[Any]]:
        """FROM and WHERE clauses over ``snippets s`` (joined with the dialect's full-text source when there
        is a query), with parameters."""
        joins = ["snippets s"]
        where: list[str] = []
        params: list[Any] = []
        if not self.all_versions:
            joins.append("JOIN latest l ON l.snippet_id = s.id")
        bounds = [(op, value) for op, value in ((">=", self.since), ("<", self.until)) if value]
        if self.query:
            joins[0], where, params = dialect.text_search(self.query, [(op, time_key(v)) for op, v in bounds],
                                                          [(op, to_utc(v)) for op, v in bounds])
        for column, value in (("s.site", self.site), ("s.language", self.language), ("s.access", self.access)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        for op, value in bounds:
            where.append(f"s.published_utc {op} ?")
            params.append(to_utc(value))
        if self.category:
            where.append(f"EXISTS (SELECT 1 FROM {dialect.json_values('categories')} WHERE value = ?)")
            params.append(self.category)
        if self.author:
            where.append(f"EXISTS (SELECT 1 FROM {dialect.json_values('authors')} WHERE lower(value) = lower(?))")
            params.append(self.author)
        sql = " FROM " + " ".join(joins)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params


def select_rows(db: Any, filters: Filters, *, order: Order = "newest", limit: int | None = None,
                fragments: bool = False, dialect: Dialect = SQLITE_DIALECT) -> Iterator[Any]:
    """Rows of ``snippets`` (plus ``fragment`` and ``score`` with a query), streamed, in the given order."""
    if order not in ORDER_SQL:
        raise QueryError(f"unknown order {order!r}: use one of {', '.join(ORDER_SQL)}")
    if order == "relevance" and not filters.query:
        order = "newest"
    body, params = filters.sql(dialect)
    query = bool(filters.query)
    sql = f"SELECT {dialect.columns(query, fragments)}{body} ORDER BY {dialect.order_by(order, query)}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    try:
        cursor = db.execute(sql, params)
        yield from cursor
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc


FACETS = {"sites": "s.site", "languages": "s.language",
          "days": "substr(COALESCE(s.published_utc, s.fetched_at), 1, 10)"}  # name -> the key counted


def facet_rows(db: Any, filters: Filters, facet: str, dialect: Dialect = SQLITE_DIALECT,
               limit: int = 1000) -> list[tuple[str, int]]:
    """How many matches each value of a facet has (``FACETS``): by count for sites and languages, by day in
    order for days (the ``limit`` latest)."""
    body, params = filters.sql(dialect)
    key = FACETS[facet]
    if facet == "days":
        sql = f"SELECT {key} AS k, COUNT(*) AS n{body} GROUP BY k ORDER BY k DESC LIMIT ?"
    else:
        sql = f"SELECT {key} AS k, COUNT(*) AS n{body} GROUP BY k ORDER BY n DESC, k LIMIT ?"
    try:
        rows = [(str(k) if k is not None else "", int(n)) for k, n in db.execute(sql, [*params, limit])]
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc
    return sorted(rows) if facet == "days" else rows


def facet_sample(db: Any, filters: Filters, dialect: Dialect, sample: int) -> dict[str, dict[str, int]]:
    """``FACETS`` counted over the newest ``sample`` matches only: one walk of the index that stops there,
    where counting every match of a common word means reading all of them (a reading room's page must not)."""
    body, params = filters.sql(dialect)
    keys = ", ".join(FACETS.values())
    sql = f"SELECT {keys}{body} ORDER BY {dialect.order_by('newest', bool(filters.query))} LIMIT ?"
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    try:
        for row in db.execute(sql, [*params, sample]):
            for name, value in zip(FACETS, row, strict=True):
                counters[name][str(value) if value is not None else ""] += 1
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc
    return {name: dict(sorted(c.items()) if name == "days" else c.most_common()) for name, c in counters.items()}


def count_rows(db: Any, filters: Filters, dialect: Dialect = SQLITE_DIALECT, cap: int | None = None) -> int:
    """How many rows match; with ``cap``, counting stops there (at most ``cap`` is returned)."""
    body, params = filters.sql(dialect)
    try:
        if cap is not None:
            sql = f"SELECT COUNT(*) FROM (SELECT 1{body} LIMIT ?) AS capped"
            return int(db.execute(sql, [*params, cap]).fetchone()[0])
        return int(db.execute(f"SELECT COUNT(*){body}", params).fetchone()[0])
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {filters.query!r}: {exc}") from exc
