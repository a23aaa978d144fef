"""Which resources each archived page needs: the ``page_resources`` table, keyed by the page's response
record, and what the archive holds of each (its last fetch, from ``url_state``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.store.database import Database


@dataclass(frozen=True)
class PageResource:
    """One resource of a page: its URL and kind, and the status and time of its last fetch (None: never
    fetched, for example over a limit or refused by robots.txt)."""

    url: str
    kind: str
    status: int | None
    fetched_at: str | None

    @property
    def archived(self) -> bool:
        """A record of it is in the archive that replay can serve: a 2xx response, a redirect to follow, or a
        304 revisit of an earlier capture."""
        return self.status is not None and 200 <= self.status < 400


class PageResourceIndex(Database):
    def add_page_resources(self, page_record_id: str, resources: Iterable[tuple[str, str]]) -> None:
        """Note the (URL, kind) resources of the page whose response record is ``page_record_id``."""
        rows = [(page_record_id, url, kind) for url, kind in resources]
        if not rows:
            return
        with self._writing():
            self.db.executemany("INSERT INTO page_resources (page_record_id, url, kind) VALUES (?, ?, ?) "
                                "ON CONFLICT DO NOTHING", rows)

    def page_resources(self, page_record_id: str) -> list[PageResource]:
        """The page's resources in the order they were noted, each with its last fetch."""
        rows = self.db.execute(
            "SELECT r.url, r.kind, u.status, u.fetched_at FROM page_resources r "
            "LEFT JOIN url_state u ON u.url = r.url WHERE r.page_record_id = ? ORDER BY r.url", (page_record_id,))
        return [PageResource(row[0], row[1], row[2], row[3]) for row in rows]
