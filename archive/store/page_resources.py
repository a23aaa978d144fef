"""Which resources each archived page needs: the ``page_resources`` table, keyed by the page's response
record (a stylesheet's own references by the stylesheet's), and what the archive holds of each (its last
fetch, from ``url_state``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.store.database import Database

STYLESHEET_DEPTH = 4  # @import chains followed this deep: deeper ones are a theme's mistake, or a loop


@dataclass(frozen=True)
class PageResource:
    """One resource of a page: its URL and kind, and the status and time of its last fetch (None: never
    fetched, for example over a limit or refused by robots.txt)."""

    url: str
    kind: str
    status: int | None
    fetched_at: str | None
    record_id: str | None = None  # the WARC record of its capture that the last fetch stored or referred to

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

    def inherit_page_resources(self, page_record_id: str, from_record_id: str) -> None:
        """Note for ``page_record_id`` the resources noted for ``from_record_id``, a later capture of the same
        text, when none are noted for it: the version now points at the earlier capture (an import's or a
        backfill's, which fetched no resources), and its page still renders with what the later capture
        loaded. A page's resources are looked up by URL, each at its last fetch, whichever capture noted them."""
        with self._writing():
            if self.db.execute("SELECT 1 FROM page_resources WHERE page_record_id = ? LIMIT 1",
                               (page_record_id,)).fetchone():
                return  # a capture that noted its own resources keeps them
            self.db.execute("INSERT INTO page_resources (page_record_id, url, kind) SELECT ?, url, kind "
                            "FROM page_resources WHERE page_record_id = ? ON CONFLICT DO NOTHING",
                            (page_record_id, from_record_id))

    def page_resources(self, page_record_id: str) -> list[PageResource]:
        """The page's resources, each with its last fetch: those noted for the page, and what its stylesheets
        load (noted under each stylesheet's capture, the one its last fetch refers to, @imports followed
        to ``STYLESHEET_DEPTH``)."""
        rows = self.db.execute(
            "WITH RECURSIVE noted(record_id, depth) AS ("
            " SELECT ?, 0"
            " UNION SELECT u.ref_record_id, n.depth + 1 FROM noted n"
            " JOIN page_resources r ON r.page_record_id = n.record_id AND r.kind = 'stylesheet'"
            " JOIN url_state u ON u.url = r.url"
            " WHERE u.ref_record_id IS NOT NULL AND n.depth < ?)"
            " SELECT DISTINCT r.url, r.kind, u.status, u.fetched_at, u.ref_record_id FROM noted n"
            " JOIN page_resources r ON r.page_record_id = n.record_id"
            " LEFT JOIN url_state u ON u.url = r.url ORDER BY r.url", (page_record_id, STYLESHEET_DEPTH))
        return [PageResource(row[0], row[1], row[2], row[3], row[4]) for row in rows]
