"""Requests for what an archived page needs to render: each resource once per run, conditional on its last
capture, within per-page limits, and counted for the run report.

The choices, and why:
- **Which pages.** Article pages archived with a full response this run (a 304 or an unchanged page kept
  its resources from the run that archived it: replay finds them at their own capture time).
- **robots.txt applies** to resources as to pages, as Heritrix does (Browsertrix checks pages only): a
  site that disallows its image directory is not fetched there; the report counts what robots.txt kept.
- **The address policy applies** (a page cannot make the crawler fetch from an intranet). A page served
  from a local origin (the replica, an intranet site the user named) gets only resources of local origins:
  such a crawl never reaches the live web for a tracker script its pages name.
- **Politeness per host** is Scrapy's download slot: a CDN host is a slot of its own, with the run's delay.
- **Across runs**, a resource is requested with the validators (ETag, Last-Modified) of its last capture;
  a 304 or an identical body is written as a ``revisit`` record (crawler.middlewares.warc).
- **Limits.** At most ``per_page`` resources per page (stylesheets' own references count against the
  page's budget), ``max_bytes`` per resource (Scrapy's ``download_maxsize``), ``page_bytes`` per page
  (crawler.middlewares.budget: once a page's resources have used it, the rest are not sent).
  Video and audio are off unless ``media``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from archive.store.url_state import UrlState
from crawler.core.errors import count_event
from crawler.discovery.seen import DiskSet
from crawler.discovery.urls import is_loopback
from crawler.fetching.modes import RESOURCE_MODES, ResourceMode
from crawler.fetching.page_resources import Resource, SrcsetPolicy, css_urls, page_resources

RESOURCE_OF = "resource_of"  # request meta: the URL of the page a resource is fetched for
PAGE_RECORD = "resource_page_record"  # request meta: the record id of that page's response
KIND = "resource_kind"
BUDGET = "resource_budget"  # request meta of a stylesheet: how many more resources its references may add
PRIORITY_RESOURCE = 40  # before further articles: a page's capture is complete soon after its response
PAGES_TRACKED = 10_000  # pages whose resource bytes are counted at once (the oldest are forgotten)


class ResourceSettingError(ValueError):
    """A resource setting that cannot be used: what was given and what is allowed."""


def resource_mode(value: object) -> ResourceMode:
    text = str(value).strip().lower()
    for mode in RESOURCE_MODES:
        if text == mode:
            return mode
    raise ResourceSettingError(f"resources must be one of {', '.join(RESOURCE_MODES)} (got {value!r})")


@dataclass(frozen=True)
class ResourcePolicy:
    """What to fetch beside a page, and how much of it."""

    mode: ResourceMode | None = None  # None: each page's site profile says
    per_page: int = 150
    max_bytes: int = 20 * 1024 * 1024
    srcset: SrcsetPolicy = "largest"
    media: bool = False

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ResourcePolicy:
        """The run's policy from its settings; ``NEWSARCHIVE_RESOURCES`` (the flag, a collection entry) wins
        over the site profile's ``resources`` when set."""
        srcset = str(settings.get("NEWSARCHIVE_RESOURCES_SRCSET") or "largest")
        if srcset not in ("largest", "all"):
            raise ResourceSettingError(f"NEWSARCHIVE_RESOURCES_SRCSET must be largest or all (got {srcset!r})")
        given = settings.get("NEWSARCHIVE_RESOURCES")
        return cls(mode=resource_mode(given) if given else None,
                   per_page=settings.getint("NEWSARCHIVE_RESOURCES_PER_PAGE", cls.per_page),
                   max_bytes=settings.getint("NEWSARCHIVE_RESOURCE_MAX_BYTES", cls.max_bytes),
                   srcset=srcset,  # type: ignore[arg-type]  # checked above
                   media=settings.getbool("NEWSARCHIVE_RESOURCES_MEDIA", False))


class ResourceSchedule:
    """One run's resource requests: made here, answered through the spider's callbacks."""

    def __init__(self, policy: ResourcePolicy, stats: StatsCollector | None,
                 last_capture: Callable[[str], UrlState | None], conditional: bool = True) -> None:
        self.policy = policy
        self.stats = stats
        self.last_capture = last_capture
        self.conditional = conditional
        self.requested = DiskSet()  # resource URLs requested this run: each once, whatever page names it

    def for_page(self, response: Response, page_record: str, callback: Callable[..., Any],
                 errback: Callable[..., Any], profile_mode: str = "page") -> tuple[list[Resource], list[Request]]:
        """The resources an archived page (its response record ``page_record``) names, within the per-page
        limit, and the requests for those not requested yet this run; ``profile_mode``: what the page's
        site profile asks for."""
        if (self.policy.mode or profile_mode) == "none":
            return [], []
        named = page_resources(response.body, response.url, srcset=self.policy.srcset, media=self.policy.media)
        kept = self._local_only(response.url, named)
        if len(kept) > self.policy.per_page:
            self._count("resources/over_page_limit", response.url, len(kept) - self.policy.per_page)
            kept = kept[: self.policy.per_page]
        self._count("resources/pages", response.url)
        self._count("resources/named", response.url, len(kept))
        budget = self.policy.per_page - len(kept)
        return kept, self._requests(kept, response.url, page_record, callback, errback, budget)

    def from_stylesheet(self, response: Response, callback: Callable[..., Any],
                        errback: Callable[..., Any]) -> tuple[list[Resource], list[Request]]:
        """Requests for what a fetched stylesheet loads (``@import``, fonts, background images)."""
        page = response.meta.get(RESOURCE_OF, response.url)
        try:
            text = response.body.decode(getattr(response, "encoding", None) or "utf-8", "replace")
        except LookupError:
            text = response.body.decode("utf-8", "replace")
        found = self._local_only(page, css_urls(text, response.url))
        budget = int(response.meta.get(BUDGET, self.policy.per_page))
        if len(found) > budget:
            self._count("resources/over_page_limit", page, len(found) - budget)
            found = found[:budget]
        self._count("resources/named", page, len(found))
        return found, self._requests(found, page, response.meta.get(PAGE_RECORD, ""), callback, errback,
                                     budget - len(found))

    def answered(self, response: Response) -> None:
        """Count a resource's answer by its status."""
        if response.status == 304:
            self._count("resources/not_modified", response.url)
        elif 200 <= response.status < 300:
            self._count("resources/archived", response.url)
        else:
            self._count(f"resources/http_{response.status}", response.url)

    def failed(self, url: str, kind: str) -> None:
        """Count a resource not fetched: over a page's limit (``over_*``), or failed by kind."""
        self._count(f"resources/{kind}" if kind.startswith("over_") else f"resources/failed_{kind}", url)

    def close(self) -> None:
        self.requested.close()

    # -- helpers -----------------------------------------------------------------------------------------

    def _local_only(self, page_url: str, resources: list[Resource]) -> list[Resource]:
        """A page of a local origin gets local resources only: such a crawl stays on this machine."""
        if not is_loopback(page_url):
            return resources
        kept = [r for r in resources if is_loopback(r.url)]
        if len(kept) < len(resources):
            self._count("resources/offsite_of_local_page", page_url, len(resources) - len(kept))
        return kept

    def _requests(self, resources: list[Resource], page: str, page_record: str, callback: Callable[..., Any],
                  errback: Callable[..., Any], budget: int) -> list[Request]:
        requests = []
        for resource in resources:
            if not self.requested.add(resource.url):
                continue  # requested for another page of this run: archived once
            meta = {RESOURCE_OF: page, PAGE_RECORD: page_record, KIND: resource.kind,
                    "download_maxsize": self.policy.max_bytes, "handle_httpstatus_all": True}
            if resource.kind == "stylesheet":
                meta[BUDGET] = max(0, budget)
            requests.append(Request(resource.url, callback, errback=errback, priority=PRIORITY_RESOURCE,
                                    dont_filter=True, meta=meta, headers=self._validators(resource.url)))
        self._count("resources/requested", page, len(requests))
        return requests

    def _validators(self, url: str) -> dict[str, str]:
        state = self.last_capture(url) if self.conditional else None
        headers: dict[str, str] = {}
        if state is not None and state.status in (200, 304):
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        return headers

    def _count(self, key: str, url: str, n: int = 1) -> None:
        if self.stats is None or n <= 0:
            return
        count_event(self.stats, key, url)
        if n > 1:
            self.stats.inc_value(key, n - 1)


