"""What a run needs to know of the archive, looked up per URL rather than loaded whole.

An archive of many years holds millions of articles; a run touches a few thousand URLs. The view keeps
a read-only connection (WAL: it sees the run's own writes) and answers per URL, with a small cache.
"""

from __future__ import annotations

from functools import lru_cache

from archive.store.location import StoreLocation
from archive.store.snippet_store import ArticleState, SnippetStore, UrlState

# answers remembered per run: enough for the links every page repeats (menus, sections, most-read boxes);
# the rest is one indexed SQLite lookup away, so memory does not grow with the number of URLs a run sees
CACHE = 4096


class ArchiveView:
    """The archived articles and URL states of one site, for one run."""

    def __init__(self, location: StoreLocation | None, site: str) -> None:
        self.site = site
        self._store = SnippetStore.existing(location) if location else None
        self.article = lru_cache(maxsize=CACHE)(self._article)
        self.state = lru_cache(maxsize=CACHE)(self._state)
        self._nonempty = bool(self._store and self._store.has_articles(site))

    def _article(self, canonical_url: str) -> ArticleState | None:
        return self._store.article_state(canonical_url) if self._store else None

    def _state(self, url: str) -> UrlState | None:
        return self._store.url_state(url) if self._store else None

    def __contains__(self, canonical_url: object) -> bool:
        return isinstance(canonical_url, str) and self.article(canonical_url) is not None

    def __bool__(self) -> bool:
        """True once the archive has articles of this site: the run is incremental."""
        return self._nonempty

    def recent(self, since_utc: str) -> list[str]:
        return self._store.recent_articles(self.site, since_utc) if self._store else []

    def frontier(self) -> list[str]:
        return self._store.frontier(self.site) if self._store else []

    def close(self) -> None:
        if self._store:
            self._store.close()
            self._store = None
