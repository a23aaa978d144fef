"""What the archive knows of each URL and article between runs: the last fetch of a URL (status, validators
for a conditional request, redirect target, the capture a 304 refers to), the latest version of each article,
and the pages a run found but did not fetch (the next run's frontier). Incremental crawls decide from it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.store.database import Database
from archive.warc.write import CaptureRef


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


def _row_to_state(row: sqlite3.Row) -> UrlState:
    ref = CaptureRef(row["ref_record_id"], row["ref_target_uri"], row["ref_date"]) if row["ref_record_id"] else None
    return UrlState(row["url"], row["site"], row["status"], row["fetched_at"], row["run_id"], row["location"],
                    row["etag"], row["last_modified"], ref)


class UrlStates(Database):
    """The ``url_state`` and ``frontier`` tables, and the article states read from the snippets."""

    def record_fetch(self, state: UrlState) -> None:
        """Remember a fetch. Validators and the reference capture are kept when a fetch brings none (a 304)."""
        ref = state.ref
        with self._writing():
            self.db.execute(
                "INSERT INTO url_state VALUES (:url, :site, :status, :fetched_at, :run_id, :location, :etag, "
                ":last_modified, :ref_record_id, :ref_target_uri, :ref_date) ON CONFLICT (url) DO UPDATE SET "
                "site = excluded.site, status = excluded.status, fetched_at = excluded.fetched_at, "
                "run_id = excluded.run_id, location = excluded.location, "
                "etag = CASE WHEN excluded.status = 304 THEN url_state.etag ELSE excluded.etag END, "
                "last_modified = CASE WHEN excluded.status = 304 THEN url_state.last_modified "
                "ELSE excluded.last_modified END, "
                "ref_record_id = COALESCE(excluded.ref_record_id, url_state.ref_record_id), "
                "ref_target_uri = COALESCE(excluded.ref_target_uri, url_state.ref_target_uri), "
                "ref_date = COALESCE(excluded.ref_date, url_state.ref_date)",
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
        order = self.dialect.insertion_order
        return [r[0] for r in self.db.execute(f"SELECT url FROM frontier WHERE site = ? ORDER BY {order}", (site,))]

    def save_frontier(self, site: str, urls: list[str]) -> None:
        """Replace the site's frontier with ``urls``."""
        with self.transaction():
            self.db.execute("DELETE FROM frontier WHERE site = ?", (site,))
            self.db.executemany("INSERT INTO frontier (site, url) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                [(site, u) for u in urls])

    def has_articles(self, site: str) -> bool:
        return self.db.execute("SELECT 1 FROM snippets WHERE site = ? LIMIT 1", (site,)).fetchone() is not None
