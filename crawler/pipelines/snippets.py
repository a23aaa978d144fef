"""StorePipeline: snippets into the store, one new row per new or changed article text, with group commit."""

from __future__ import annotations

from scrapy.crawler import Crawler

from archive.store.snippet_store import Outcome
from archive.store.snippets import Snippet
from crawler.core.spider_contract import ArchiveSpider
from crawler.middlewares.archive_writer import ArchiveWriter, archive_writer


class StorePipeline:
    """Hands each Snippet to the crawl's archive writer; the outcome (new/changed/unchanged) is counted in the
    crawl stats when the group it belongs to is committed."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: ArchiveWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.writer = archive_writer(self.crawler)

    def close_spider(self) -> None:
        if self.writer is not None:  # before the spider's own close writes to the store (the frontier)
            self.writer.commit()

    def process_item(self, item: object) -> object:
        if isinstance(item, Snippet) and self.writer is not None:
            self.writer.add_snippet(item, self._stored)
        return item

    def _stored(self, snippet: Snippet, outcome: Outcome | None) -> None:
        stats = self.crawler.stats
        if outcome is None:
            if stats:
                stats.inc_value("store/errors")
            return
        if stats:
            stats.inc_value(f"articles/{outcome}")
        if isinstance(self.crawler.spider, ArchiveSpider):
            self.crawler.spider.stored(snippet, outcome)
