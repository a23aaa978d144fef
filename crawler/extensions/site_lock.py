"""One run per site at a time, and the repair of what a dead run left, before anything is fetched.

Every crawl takes this path, however it was started (``newsarchive crawl``, ``scrapy crawl``, Scrapyd):
when the spider opens, the site's lock is taken (an ``flock`` the kernel releases however the process
ends) and the data directory repaired (``crawler.extensions.recovery``); both happen before the run report records
this run, so the repair never takes the new run for a dead one. When another live run holds the lock, the
spider is told (``lock_refused``), fetches nothing, and the report says "locked". A repair that fails
(a store that went away, a file it cannot read) is not passed over either: the spider is told
(``recovery_failed``), fetches nothing, and the run ends "stopped: recovery_failed" with the error in its
report (exit status 1). Spiders that do not crawl one site (``urls``, behind ``newsarchive fetch``) take no
lock; the repair runs for them as well.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.locks import LockedError, SiteLock
from crawler.core.spider_contract import ArchiveSpider
from crawler.core.store_setting import store_location
from crawler.extensions.recovery import recover

logger = logging.getLogger(__name__)


class SiteLockExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.location = store_location(crawler.settings)
        self.data_dir = self.location.data_dir
        self.lock: SiteLock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteLockExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if not isinstance(spider, ArchiveSpider):
            return
        site = None  # a run of no one site repairs the WARC files and the snippets, and marks no run dead
        if spider.takes_site_lock:
            lock = SiteLock(self.location, spider.site_name)
            try:
                lock.acquire()
            except LockedError as exc:
                logger.error("not crawling %s: %s", spider.site_name, exc)
                spider.lock_refused = str(exc)
                return
            self.lock, site = lock, spider.site_name
        try:
            recovery = recover(self.location, site).as_dict()
        except Exception as exc:  # whatever it was, no crawl goes on over an unrepaired archive
            logger.exception("not crawling: the repair of %s failed", self.data_dir)
            spider.recovery_failed = f"{type(exc).__name__}: {exc}"
            recovery = {"error": spider.recovery_failed}
        if self.crawler.stats:
            self.crawler.stats.set_value("recovery", recovery)  # for the run report

    def spider_closed(self, spider: Spider) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None
