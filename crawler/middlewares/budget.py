"""DiscoveryBudgetMiddleware: once a limited run (--max-articles) has its articles, discovery stops.

Listing and sitemap requests already queued when the limit is reached would still be fetched; they are
dropped here instead, before robots.txt or the network, and not reported as errors.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler

from crawler.core.errors import DiscoveryBudgetExhausted
from crawler.core.spider_contract import DISCOVERY, ArchiveSpider


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
