"""Replay checked in a real browser: archived article pages opened through the project's pywb in headless
Chromium, with every request the page makes watched.

Each page is loaded unframed (pywb's ``mp_`` mode) at its capture time, scrolled to the end for lazy
content, and left until the network is idle. A request to pywb for an archived URL is *served* (a 2xx or
3xx answer) or *missing* (pywb's 404: no capture of it); pywb's own scripts are not counted. Any request
for another origin is one that would have left for the live web: it is refused and counted, and there must
be none. A missing resource counts against the crawl (``missing_archivable``) unless the crawl could not
have archived it: it failed when the crawl asked (its last fetch was an error), or it is on the live web
and the page is of a local origin (a crawl of a local origin stays local).
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from archive.api import REPLAY_COLLECTION, Archive
from archive.store.page_resources import PageResource
from archive.store.query import Filters
from archive.store.snippets import Snippet

PAGE_TIMEOUT_MS = 30_000
IDLE_TIMEOUT_MS = 10_000


@dataclass
class PageCheck:
    """What replaying one page asked for and got."""

    url: str
    replay_url: str
    title_found: bool = False  # the snippet's title is in the replayed page's text
    requested: list[str] = field(default_factory=list)  # original URLs of the resources the page asked for
    served: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    missing_archivable: list[str] = field(default_factory=list)  # missing, and the crawl could have had it
    left_for_live_web: list[str] = field(default_factory=list)  # refused: replay must never reach the live web
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.missing_archivable and not self.left_for_live_web


@dataclass
class QaReport:
    pages: list[PageCheck]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.pages)

    def totals(self) -> dict[str, int]:
        return {"pages": len(self.pages), "pages_ok": sum(p.ok for p in self.pages),
                "requested": sum(len(p.requested) for p in self.pages),
                "served": sum(len(p.served) for p in self.pages),
                "missing": sum(len(p.missing) for p in self.pages),
                "missing_archivable": sum(len(p.missing_archivable) for p in self.pages),
                "left_for_live_web": sum(len(p.left_for_live_web) for p in self.pages),
                "errors": sum(bool(p.error) for p in self.pages)}

    def as_dict(self) -> dict[str, Any]:
        return {"totals": self.totals(), "pages": [{**asdict(p), "ok": p.ok} for p in self.pages]}


def sample(archive: Archive, site: str | None, size: int, seed: int = 0) -> list[Snippet]:
    """Up to ``size`` archived articles (the latest version of each), drawn at random with a fixed seed so a
    second check looks at the same pages."""
    body, params = Filters(site=site).sql(archive.store.dialect)  # ids only: the texts of the few drawn are read
    ids = [int(row[0]) for row in archive.store.db.execute(f"SELECT s.id{body} ORDER BY s.id", params)]
    chosen = ids if len(ids) <= size else sorted(random.Random(seed).sample(ids, size))
    return [archive.get(i) for i in chosen]


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _could_not_archive(url: str, page_url: str, known: dict[str, PageResource]) -> bool:
    resource = known.get(url)
    if resource is not None and resource.status is not None and resource.status >= 400:
        return True  # the live site failed it when the crawl asked
    return _is_local(page_url) and not _is_local(url)


def replay_url(base: str, snippet: Snippet, collection: str = REPLAY_COLLECTION) -> str:
    stamp = datetime.fromisoformat(snippet.fetched_at).strftime("%Y%m%d%H%M%S")
    return f"{base}/{collection}/{stamp}mp_/{snippet.url}"


def _frame_texts(page: Any) -> list[str]:
    """The title and text of the page and of each frame in it (a script-built page's text is in its
    frame only after its script ran)."""
    texts = []
    for frame in page.frames:
        with contextlib.suppress(Exception):  # a frame that went away meanwhile
            texts.append(frame.title() + "\n" + frame.inner_text("body"))
    return texts


def check_page(context: Any, base: str, snippet: Snippet, resources: Iterable[PageResource],
               collection: str = REPLAY_COLLECTION) -> PageCheck:
    """Replay one page in a new tab of ``context`` (a Playwright browser context) and watch its requests;
    ``collection`` is the pywb collection at ``base`` that holds it (the archive's own, or an imported
    WACZ's)."""
    check = PageCheck(snippet.url, replay_url(base, snippet, collection))
    archived = re.compile(rf"^/{re.escape(collection)}/(\d{{14}})([a-z]{{2}}_)?/(.+)$")
    statuses: dict[str, int] = {}
    page = context.new_page()

    def route(handle: Any) -> None:
        url = handle.request.url
        if url.startswith(base + "/") or url.startswith(("data:", "blob:", "about:")):
            handle.continue_()
        else:
            check.left_for_live_web.append(url)
            handle.abort()

    def answered(response: Any) -> None:
        path = urlsplit(response.url).path
        query = urlsplit(response.url).query
        match = archived.match(path + (f"?{query}" if query else ""))
        if match and response.url.startswith(base + "/") and match.group(3) != snippet.url:
            statuses.setdefault(match.group(3), response.status)

    page.route("**/*", route)
    page.on("response", answered)
    try:
        page.goto(check.replay_url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        for frame in page.frames:  # pywb may put the page in a frame under its banner: scroll it there
            with contextlib.suppress(Exception):
                frame.evaluate("window.scrollTo(0, document.body ? document.body.scrollHeight : 0)")
        with contextlib.suppress(Exception):  # a page that never idles (it polls): what it loaded so far counts
            page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
        check.title_found = any(snippet.title.strip() in text for text in _frame_texts(page))
    except Exception as exc:  # a page that cannot be replayed costs that page only
        check.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        page.close()
    known = {r.url: r for r in resources}
    for url, status in statuses.items():
        check.requested.append(url)
        if status < 400:
            check.served.append(url)
        else:
            check.missing.append(url)
            if not _could_not_archive(url, snippet.url, known):
                check.missing_archivable.append(url)
    return check


def check_replay(archive: Archive, base: str, snippets: list[Snippet], browser: Any) -> QaReport:
    """Replay each snippet's page through pywb at ``base`` in ``browser`` (a Playwright Chromium)."""
    pages = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    try:
        for snippet in snippets:
            pages.append(check_page(context, base, snippet, archive.resources(snippet)))
    finally:
        context.close()
    return QaReport(pages)
