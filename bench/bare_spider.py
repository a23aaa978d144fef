"""The peer of `./run bench crawl`: a bare Scrapy spider that follows each same-site link once and keeps nothing.

    scrapy runspider bench/bare_spider.py -a start=http://127.0.0.1:8080/ -s CONCURRENT_REQUESTS_PER_DOMAIN=16

No WARC, no cleaning, no store: what Scrapy itself costs per page, the ceiling the archive's crawl is
measured against. Scrapy's duplicate filter is what makes "once".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {  # noqa: RUF012 - Scrapy's own convention for per-spider settings
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, start: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.host = urlsplit(start).netloc

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href).split("#", 1)[0]
            if urlsplit(url).netloc == self.host:
                yield scrapy.Request(url, self.parse)
