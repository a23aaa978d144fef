"""The run's budgets, checked before robots.txt or the network.

DiscoveryBudgetMiddleware: once a limited run (--max-articles) has its articles, discovery stops. Listing
and sitemap requests already queued when the limit is reached would still be fetched; they are dropped here
instead, and not reported as errors. ResourceBudgetMiddleware: the resources of a page stop once they have
used the page's byte budget (crawler.fetching.resource_schedule).
"""

from __future__ import annotations

from collections import OrderedDict

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.core.errors import DiscoveryBudgetExhausted, ResourceBudgetExhausted
from crawler.core.spider_contract import DISCOVERY, ArchiveSpider
from crawler.fetching.resource_schedule import PAGES_TRACKED, RESOURCE_OF


class DiscoveryBudgetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoveryBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        # a page queued for its links may meanwhile have been counted as an article (a sitemap or feed named
        # it, and the duplicate filter dropped that request): it is still fetched, to be cleaned
        if request.meta.get(DISCOVERY) and isinstance(spider, ArchiveSpider) and spider.limit_reached and \
                not spider.counted_as_article(request.url):
            if self.crawler.stats:
                self.crawler.stats.inc_value("discovery/dropped_at_limit")
            raise DiscoveryBudgetExhausted(f"article limit reached: {request.url} not fetched")


class ResourceBudgetMiddleware:
    """Counts the bytes each page's resources have brought, as their responses arrive (before the next request
    is sent), and drops a page's further resources once they pass ``NEWSARCHIVE_RESOURCES_PAGE_BYTES``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.page_bytes: OrderedDict[str, int] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResourceBudgetMiddleware:
        return cls(crawler.settings.getint("NEWSARCHIVE_RESOURCES_PAGE_BYTES", 60 * 1024 * 1024))

    def process_request(self, request: Request) -> None:
        page = request.meta.get(RESOURCE_OF)
        if page and self.page_bytes.get(page, 0) >= self.limit:
            raise ResourceBudgetExhausted(f"the page's resources have used its byte budget: {request.url} not fetched")

    def process_response(self, request: Request, response: Response) -> Response:
        page = request.meta.get(RESOURCE_OF)
        if page:
            self.page_bytes[page] = self.page_bytes.pop(page, 0) + len(response.body)
            while len(self.page_bytes) > PAGES_TRACKED:  # the oldest pages' resources are long done
                self.page_bytes.popitem(last=False)
        return response
