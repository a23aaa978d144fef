"""The address policy (crawler.core.addresses) where connections are made: before every request, redirects and
robots.txt included, and again in the DNS resolver, so a name that resolves to a public address when it is
checked and to a private one when it is connected to (DNS rebinding) is still refused.

A refused request is reported as ``blocked_address`` with its URL; nothing of it is archived, because no
request is sent. ``NEWSARCHIVE_ADDRESS_POLICY = False`` turns the policy off (a crawl of an intranet).
"""

from __future__ import annotations

import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.base import ReactorBase
from twisted.internet.threads import deferToThread

from crawler.core.addresses import is_public, literal_address, origin
from crawler.core.spider_contract import ArchiveSpider

logger = logging.getLogger(__name__)
RESOLVED_CACHE = 4096  # host names whose addresses were checked, remembered for the run


class BlockedAddress(IgnoreRequest):
    """The URL's host is, or resolves to, an address that is not public, and the user did not name its origin."""

    kind = "blocked_address"


def named_origins(crawler: Crawler) -> frozenset[str]:
    spider = getattr(crawler, "spider", None)
    return spider.named_origins if isinstance(spider, ArchiveSpider) else frozenset()


def _resolve(host: str, port: int) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})


class AddressPolicyMiddleware:
    """Refuses requests to non-public addresses outside the origins the user named."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._checked: dict[str, str | None] = {}  # host -> the non-public address it resolved to, or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressPolicyMiddleware:
        if not crawler.settings.getbool("NEWSARCHIVE_ADDRESS_POLICY", True):
            raise NotConfigured("NEWSARCHIVE_ADDRESS_POLICY is off")
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if origin(request.url) in named_origins(self.crawler):
            return
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        literal = literal_address(host)
        if literal is not None:
            blocked = None if is_public(literal) else literal
        elif host in self._checked:
            blocked = self._checked[host]
        else:
            try:
                addresses = await maybe_deferred_to_future(deferToThread(_resolve, host, parts.port or 80))
            except OSError:
                return  # the download fails on the same lookup and reports it as a DNS error
            blocked = next((a for a in addresses if not is_public(a)), None)
            if len(self._checked) < RESOLVED_CACHE:
                self._checked[host] = blocked
        if blocked is not None:
            logger.warning("blocked %s: %s is not a public address", request.url, blocked)
            raise BlockedAddress(f"{host} is {blocked}, not a public address, and not a target given")


class PolicyResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing a non-public answer for a host outside the named origins.

    One resolver serves the process (Scrapy builds it from the CrawlerProcess, not a crawler), so a host is
    allowed when any running crawl named it.
    """

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float, process: Any = None):
        super().__init__(reactor, cache_size, timeout)
        self.process = process
        self.enabled = True

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> Any:
        resolver = super().from_crawler(crawler, reactor)
        resolver.process = crawler
        resolver.enabled = crawler.settings.getbool("NEWSARCHIVE_ADDRESS_POLICY", True)
        return resolver

    def _named_hosts(self) -> set[str]:
        crawlers = getattr(self.process, "crawlers", None) or ([self.process] if self.process else [])
        return {urlsplit(o).hostname or "" for c in crawlers for o in named_origins(c)}

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        if is_public(address) or not self.enabled or name.lower() in self._named_hosts():
            return address
        raise BlockedAddress(f"{name} resolved to {address}, not a public address, and not a target given")
