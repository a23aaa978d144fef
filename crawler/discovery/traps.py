"""Crawl traps of generic mode: endless URLs that differ only in their query values.

A calendar's ``?month=``, a gallery's ``?attachment_id=1, 2, 3 ...`` or a faceted search can make a site
look infinite to a crawler that follows every link. Links are grouped by path and the set of query keys;
past ``limit`` URLs in one group, no more of that group are followed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

MAX_URLS_PER_QUERY_PATTERN = 25


class QueryPatternBound:
    """Counts the URLs of each (path, query keys) pattern; ``check(url)`` says whether to follow one."""

    def __init__(self, limit: int = MAX_URLS_PER_QUERY_PATTERN) -> None:
        self.limit = limit
        self._seen: dict[tuple[str, tuple[str, ...]], int] = {}

    def check(self, url: str) -> str:
        """"follow", "first_refused" (the moment the bound is reached: report it once) or "refused"."""
        parts = urlsplit(url)
        if not parts.query:
            return "follow"
        pattern = (parts.path, tuple(sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))))
        seen = self._seen.get(pattern, 0)
        self._seen[pattern] = seen + 1
        if seen < self.limit:
            return "follow"
        return "first_refused" if seen == self.limit else "refused"
