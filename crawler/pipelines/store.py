"""StorePipeline: snippets into the SQLite store, one new row per new or changed article text."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy.crawler import Crawler

from archive.snippets import Snippet
from archive.store import SnippetStore

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes each Snippet item; the outcome (new/changed/unchanged) is counted in the crawl stats."""

    def __init__(self, crawler: Crawler, data_dir: Path) -> None:
        self.crawler = crawler
        self.data_dir = data_dir
        self.store: SnippetStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, Path(crawler.settings.get("NEWSARCHIVE_DATA")))

    def open_spider(self) -> None:
        self.store = SnippetStore(self.data_dir)

    def close_spider(self) -> None:
        if self.store:
            self.store.close()

    def process_item(self, item: object) -> object:
        if isinstance(item, Snippet) and self.store is not None:
            try:
                outcome = self.store.add(item)
            except sqlite3.Error as exc:  # a full disk or a broken file: the run must say it failed
                logger.error("could not store the snippet of %s: %s", item.url, exc)
                if self.crawler.stats:
                    self.crawler.stats.inc_value("store/errors")
                return item
            if self.crawler.stats:
                self.crawler.stats.inc_value(f"articles/{outcome}")
            stored = getattr(self.crawler.spider, "stored", None)
            if stored is not None:
                stored(item, outcome)
        return item
