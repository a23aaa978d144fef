"""What the project's components (WARC recorder, store pipeline, run report, budget middleware) read from
the running spider, declared once.

Both spiders of this project satisfy it (``NewsSpider`` and its subclass ``UrlsSpider``). A spider of
someone else's run through these settings does not, and the components then use their defaults (the
spider's name as the site, no article limit, no per-URL outcomes) instead of failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from archive.store.snippets import Snippet


DISCOVERY = "discovery"  # request meta key on listing and sitemap requests: dropped once the limit is reached


@runtime_checkable
class ArchiveSpider(Protocol):
    site_name: str  # the ``site`` of this run's snippets and of its run report
    warc_prefix: str  # WARC file names start with it (unless WARC_PREFIX is set)
    limit_reached: bool  # --max-articles has its articles: discovery requests are dropped
    takes_site_lock: bool  # a crawl of one site: it runs under the site's lock (crawler.extensions.site_lock)
    lock_refused: str | None  # why the site lock was refused (another run holds it): the run does nothing
    recovery_failed: str | None  # why the repair before the run failed: the run does nothing
    url_outcomes: dict[str, dict[str, str]] | None  # fetch runs: the outcome of each URL given
    named_origins: frozenset[str]  # origins the user gave (start URL, --base-url, fetch URLs): any address allowed

    def counted_as_article(self, url: str) -> bool:
        """True for a URL this run has scheduled as an article (it is fetched even past the limit)."""
        ...

    def stored(self, snippet: Snippet, outcome: str) -> None:
        """Told of every snippet the store pipeline stored, with its outcome (new, changed, unchanged)."""
        ...
