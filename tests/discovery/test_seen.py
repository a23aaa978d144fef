"""The run's per-URL state on disk (crawler.discovery.seen): set semantics and order; ./run bench crawl
measures memory."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.discovery.seen import DiskDupeFilter, DiskSet
from crawler.spiders.news import NewsSpider


def test_a_disk_set_behaves_as_a_set() -> None:
    seen = DiskSet(["https://a.example/1"])
    seen.add("https://a.example/2")
    seen.add("https://a.example/1")  # again: no change
    assert "https://a.example/1" in seen
    assert "https://a.example/2" in seen
    assert "https://a.example/3" not in seen
    assert 42 not in seen
    assert len(seen) == 2
    seen.discard("https://a.example/1")
    seen.discard("https://a.example/9")  # absent: no change
    assert "https://a.example/1" not in seen
    assert len(seen) == 1
    with pytest.raises(TypeError):
        list(seen)  # keys only: the values are not kept
    seen.close()


def test_a_disk_set_that_keeps_values_gives_them_back_in_the_order_first_added() -> None:
    left = DiskSet(keep_values=True)
    for url in ["https://a.example/c", "https://a.example/a", "https://a.example/c", "https://a.example/b"]:
        left.add(url)
    assert list(left) == ["https://a.example/c", "https://a.example/a", "https://a.example/b"]
    left.close()


def test_the_disk_duplicate_filter_filters_as_scrapys_does() -> None:
    crawler = get_crawler(NewsSpider, {"DUPEFILTER_CLASS": "crawler.discovery.seen.DiskDupeFilter"})
    dupes = DiskDupeFilter.from_crawler(crawler)
    assert not dupes.request_seen(Request("https://a.example/x?b=2&a=1"))
    assert dupes.request_seen(Request("https://a.example/x?a=1&b=2"))  # the same fingerprint: canonical URL
    assert not dupes.request_seen(Request("https://a.example/x?a=1&b=2", method="POST"))
    dupes.close("finished")
