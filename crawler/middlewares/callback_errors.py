"""A page whose spider callback raised is an entry in the run's report, not only a traceback in the log.

Scrapy logs the exception and goes on with the crawl; the report, which is what an operator reads (and what
``--json`` and the runs table keep), would not show it. A parser bug or a page no rule foresaw is counted
here as ``errors/callback_error`` with the page's URL; the crawl goes on as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.core.errors import count_event


class CallbackErrorsMiddleware:
    """Counts the exceptions spider callbacks raise, by page, for the run report."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CallbackErrorsMiddleware:
        return cls(crawler.stats)

    def process_spider_exception(self, response: Response, exception: Exception,
                                 spider: Spider | None = None) -> Iterable[Any] | None:
        if not isinstance(exception, HttpError):  # an HTTP error status: the errback already counted it
            count_event(self.stats, "errors/callback_error", response.url)
        return None  # Scrapy logs it and the crawl goes on
