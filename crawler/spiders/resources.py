"""The spider side of page resources: asking for them once a page is archived, and their callbacks (spider
methods, so that their requests can wait in the scheduler's disk queues). The policy and the requests are
``crawler.fetching.resource_schedule``'s."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.store.snippets import Snippet
from archive.store.url_state import UrlState
from crawler.cleaning.capture import RECORD_META, RecordPointer
from crawler.core.errors import error_kind
from crawler.fetching.page_resources import Resource
from crawler.fetching.resource_schedule import KIND, ResourcePolicy, ResourceSchedule
from crawler.middlewares.archive_writer import archive_writer
from crawler.sites import SiteProfile
from crawler.spiders.rendering import RENDERED

logger = logging.getLogger(__name__)


class PageResourceCallbacks:
    """Mixed into the spiders: ``resources`` is made when the crawl starts."""

    crawler: Crawler
    resources: ResourceSchedule

    def profile_for(self, response: Response) -> SiteProfile:
        raise NotImplementedError

    def set_up_resources(self, crawler: Crawler, last_capture: Callable[[str], UrlState | None]) -> None:
        self.resources = ResourceSchedule(ResourcePolicy.from_settings(crawler.settings), None, last_capture,
                                          crawler.settings.getbool("NEWSARCHIVE_CONDITIONAL", True))
        crawler.signals.connect(self._count_resources, signal=signals.spider_opened)

    def _count_resources(self) -> None:
        self.resources.stats = self.crawler.stats  # there from the crawl's start on

    def with_resources(self, snippet: Snippet | None, response: Response) -> list[Snippet | Request]:
        """An archived page's snippet, then the requests for what the page needs to render; nothing
        without a snippet (a page that is no article is archived as it came)."""
        return [] if snippet is None else [snippet, *self.resource_requests(response)]

    def resource_requests(self, response: Response) -> list[Request]:
        """Requests for what an archived page needs to render, its list noted in the store."""
        pointer = response.meta.get(RECORD_META)
        if response.status != 200 or not isinstance(response, TextResponse) or response.meta.get(RENDERED) or \
                not isinstance(pointer, RecordPointer) or pointer.length == 0:  # a revisit kept its resources
            return []
        resources, requests = self.resources.for_page(response, pointer.record_id, self.parse_resource,
                                                      self.on_resource_error, self.profile_for(response).resources)
        self._note(pointer.record_id, resources)
        return requests

    async def parse_resource(self, response: Response) -> AsyncIterator[Request]:
        self.resources.answered(response)
        pointer = response.meta.get(RECORD_META)
        if response.meta.get(KIND) == "stylesheet" and response.status == 200 and isinstance(pointer, RecordPointer):
            resources, requests = self.resources.from_stylesheet(response, self.parse_resource,
                                                                 self.on_resource_error)
            # noted under the stylesheet's capture, not the page: every page using it lists them
            # (archive.store.page_resources), in this run and in later ones that get a 304 for it
            self._note(pointer.record_id, resources)
            for request in requests:
                yield request

    def on_resource_error(self, failure: Failure) -> None:
        """A resource that could not be fetched costs its page that resource only: counted, not an error
        of the run."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind = error_kind(failure)
        logger.info("resource not fetched, %s: %s", kind, url)
        self.resources.failed(url, kind)

    def _note(self, page_record: str, resources: list[Resource]) -> None:
        if page_record and resources:
            archive_writer(self.crawler).add_page_resources(page_record, [(r.url, r.kind) for r in resources])
