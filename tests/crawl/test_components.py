"""Components on their own, with a real Scrapy crawler object and settings (scrapy.utils.test.get_crawler, as
Scrapy's own suite tests its middlewares), beside the end-to-end crawls that exercise them together."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import scrapy
from prometheus_client.parser import text_string_to_metric_families
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

import crawler.settings as project_settings
from archive.locks import LockedError, SiteLock
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Snippet
from archive.warc.read import read_response
from archive.warc.verify import verify_directory
from crawler.cleaning.capture import RECORD_META, RecordPointer
from crawler.core.errors import DiscoveryBudgetExhausted, RobotsDisallowed, error_kind
from crawler.core.spider_contract import DISCOVERY, ArchiveSpider
from crawler.discovery.sitemaps import feed_links, is_later
from crawler.discovery.traps import QueryPatternBound
from crawler.extensions.recovery import Recovery
from crawler.extensions.report import RunReportExtension
from crawler.extensions.site_lock import SiteLockExtension
from crawler.middlewares.archive_writer import archive_writer
from crawler.middlewares.budget import DiscoveryBudgetMiddleware
from crawler.middlewares.robots import StrictRobotsTxtMiddleware, robots_parsed
from crawler.middlewares.warc import WarcRecorderMiddleware
from crawler.pipelines.snippets import StorePipeline
from crawler.spiders.given_urls import UrlsSpider
from crawler.spiders.news import NewsSpider
from tests.helpers import store_for


class LimitedSpider(NewsSpider):
    """A crawl whose --max-articles is reached, that has scheduled one article."""

    @property
    def limit_reached(self) -> bool:
        return True

    def counted_as_article(self, url: str) -> bool:
        return url.endswith("/counted/")


class ForeignSpider(scrapy.Spider):
    name = "foreign"


def test_both_spiders_keep_the_components_contract() -> None:
    assert isinstance(NewsSpider(site="rki.news"), ArchiveSpider)
    assert isinstance(UrlsSpider(urls="https://rki.news/2025/01/01/a/"), ArchiveSpider)
    assert not isinstance(ForeignSpider(), ArchiveSpider)


def test_budget_middleware_drops_discovery_only_past_the_limit() -> None:
    crawler = get_crawler(LimitedSpider)
    crawler.spider = LimitedSpider(site="rki.news")
    middleware = DiscoveryBudgetMiddleware.from_crawler(crawler)
    with pytest.raises(DiscoveryBudgetExhausted):
        middleware.process_request(Request("https://rki.news/page/2/", meta={DISCOVERY: True}))
    middleware.process_request(Request("https://rki.news/counted/", meta={DISCOVERY: True}))  # an article now
    middleware.process_request(Request("https://rki.news/2025/01/01/a/"))  # not discovery: always fetched
    assert crawler.stats is not None
    assert crawler.stats.get_value("discovery/dropped_at_limit") == 1


def test_budget_middleware_leaves_a_foreign_spider_alone() -> None:
    crawler = get_crawler(ForeignSpider)
    crawler.spider = ForeignSpider()
    DiscoveryBudgetMiddleware.from_crawler(crawler).process_request(Request("https://a.example/",
                                                                            meta={DISCOVERY: True}))


@pytest.mark.parametrize(("error", "kind"), [
    (RobotsDisallowed("Forbidden by robots.txt"), "robots_disallowed"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Ignoring response: it exceeded DOWNLOAD_MAXSIZE (32 MB)"), "body_too_large"),
    (IgnoreRequest("something else"), "IgnoreRequest"),
    (ConnectionRefusedError(), "ConnectionRefusedError"),
])
def test_error_kinds(error: Exception, kind: str) -> None:
    assert error_kind(Failure(error)) == kind  # type: ignore[no-untyped-call]


def test_query_pattern_bound_reports_once_and_keeps_patterns_apart() -> None:
    bound = QueryPatternBound(limit=2)
    verdicts = [bound.check(f"https://a.example/?attachment_id={n}") for n in range(4)]
    assert verdicts == ["follow", "follow", "first_refused", "refused"]
    assert bound.check("https://a.example/?page=1") == "follow"  # other keys, other pattern
    assert bound.check("https://a.example/plain/") == "follow"


def test_feed_links_of_rss_atom_and_rdf() -> None:
    rss = b"<rss><channel><item><link> https://a.example/1/ </link></item></channel></rss>"
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://a.example/2/"/>'
            b'<link rel="edit" href="https://a.example/edit/"/></entry></feed>')
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
           b"<item><link>https://a.example/3/</link></item></rdf:RDF>")
    assert feed_links(rss) == ["https://a.example/1/"]
    assert feed_links(atom) == ["https://a.example/2/"]
    assert feed_links(rdf) == ["https://a.example/3/"]
    assert feed_links(b"\x00\x01 not xml at all") is None


def test_is_later_reads_offsets_and_assumes_utc_without_one() -> None:
    assert is_later("2026-01-01T10:00:00+05:00", "2026-01-01T04:59:00Z")
    assert not is_later("2026-01-01T10:00:00+05:00", "2026-01-01T05:00:00")
    assert is_later("2026-01-01", None)
    assert not is_later("yesterday", "2026-01-01")


def test_site_lock_extension_refuses_a_second_run_and_repairs_before_the_first(tmp_path: Path) -> None:
    crawler = get_crawler(NewsSpider, {"NEWSARCHIVE_DATA": str(tmp_path)})
    extension = SiteLockExtension.from_crawler(crawler)
    with SiteLock(store_for(tmp_path), "rki.news"):  # another run of the site
        refused = NewsSpider(site="rki.news")
        extension.spider_opened(refused)
    assert refused.lock_refused is not None
    assert "already in progress" in refused.lock_refused
    spider = NewsSpider(site="rki.news")
    extension.spider_opened(spider)
    assert spider.lock_refused is None
    assert crawler.stats is not None
    assert crawler.stats.get_value("recovery") == Recovery().as_dict()  # nothing to repair in a new directory
    with pytest.raises(LockedError):
        SiteLock(store_for(tmp_path), "rki.news").acquire()  # held for the run ...
    extension.spider_closed(spider)
    SiteLock(store_for(tmp_path), "rki.news").acquire().release()  # ... and released when it ends


def test_site_lock_extension_takes_no_lock_for_given_urls(tmp_path: Path) -> None:
    crawler = get_crawler(UrlsSpider, {"NEWSARCHIVE_DATA": str(tmp_path)})
    extension = SiteLockExtension.from_crawler(crawler)
    with SiteLock(store_for(tmp_path), "rki.news"):
        spider = UrlsSpider(urls="https://rki.news/2025/01/01/a/")
        extension.spider_opened(spider)
    assert spider.lock_refused is None


# -- the WARC recorder, the store pipeline, the run report and robots.txt, each on its own ----------------

def project_crawler(spider_cls: type[scrapy.Spider], tmp_path: Path, **overrides: Any) -> Crawler:
    """A crawler with this project's settings (crawler/settings.py), its data in ``tmp_path``."""
    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    return get_crawler(spider_cls, {**settings, "NEWSARCHIVE_DATA": str(tmp_path), "NEWSARCHIVE_COMMIT_EVERY": 1,
                                    "NEWSARCHIVE_RUN_ID": "test-run", **overrides})


def exchange(url: str, body: bytes, status: int = 200) -> tuple[Request, HtmlResponse]:
    request = Request(url, headers={"User-Agent": "newsarchive/test"})
    response = HtmlResponse(url, status=status, body=body, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'})
    return request, response


def test_warc_recorder_archives_each_exchange_and_points_the_request_at_its_record(tmp_path: Path) -> None:
    crawler = project_crawler(NewsSpider, tmp_path)
    crawler.spider = NewsSpider(site="rki.news")
    recorder = WarcRecorderMiddleware.from_crawler(crawler)
    first, response = exchange("https://rki.news/2025/01/01/a/", b"<html><body>same body</body></html>")
    assert recorder.process_response(first, response) is response
    again, response = exchange("https://rki.news/2025/01/01/b/", b"<html><body>same body</body></html>")
    recorder.process_response(again, response)
    archive_writer(crawler).close()
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")
    assert warc.name.startswith("rki_news-")  # the spider's prefix
    (report,) = verify_directory(tmp_path / "warc")
    assert report.problems == []
    assert [r.type for r in report.records] == ["warcinfo", "response", "request", "revisit", "request"]
    pointer = first.meta[RECORD_META]
    assert isinstance(pointer, RecordPointer)
    assert read_response(warc, pointer.offset).body == b"<html><body>same body</body></html>"
    assert again.meta[RECORD_META].record_id == pointer.record_id  # a repeated body points at its first capture
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        state = store.url_state("https://rki.news/2025/01/01/b/")
    assert state is not None
    assert (state.site, state.status, state.etag, state.run_id) == ("rki.news", 200, '"v1"', "test-run")


def snippet_of(url: str, text: str) -> Snippet:
    return Snippet(url=url, canonical_url=url, site="rki.news", title="A title", published=None, modified=None,
                   document_date=None, authors=[], categories=[], language="en", text=text,
                   fetched_at="2026-01-01T00:00:00+00:00", run_id="test-run", cleaner_version="t/1",
                   warc_file="x.warc.gz", warc_offset=0, warc_length=1, warc_record_id="<urn:uuid:x>",
                   payload_digest="sha1:X")


def test_store_pipeline_stores_counts_and_tells_the_spider(tmp_path: Path) -> None:
    url = "https://rki.news/2025/01/01/a/"
    crawler = project_crawler(UrlsSpider, tmp_path)
    crawler.spider = spider = UrlsSpider(urls=url)
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for text in ("First text.", "First text.", "Edited text."):
        assert pipeline.process_item(snippet_of(url, text)) is not None
    assert pipeline.process_item("not a snippet") == "not a snippet"  # passed on untouched
    pipeline.close_spider()
    archive_writer(crawler).close()
    assert crawler.stats is not None
    assert [crawler.stats.get_value(f"articles/{o}") for o in ("new", "unchanged", "changed")] == [1, 1, 1]
    assert spider.url_outcomes is not None
    assert spider.url_outcomes[url]["outcome"] == "changed"
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        assert [s.text for s in store.versions(url)] == ["First text.", "Edited text."]


def test_run_report_extension_writes_the_report_and_the_run(tmp_path: Path) -> None:
    crawler = project_crawler(NewsSpider, tmp_path)
    spider = NewsSpider(site="rki.news")
    extension = RunReportExtension.from_crawler(crawler)
    extension.spider_opened(spider)
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        assert [(r["run_id"], r["status"]) for r in store.runs()] == [("test-run", "running")]
    assert crawler.stats is not None
    crawler.stats.set_value("articles/new", 3)
    crawler.stats.set_value("errors/http_500", 2)
    crawler.stats.set_value("errors/http_500/examples", ["https://rki.news/x/"])
    extension.spider_closed(spider, "shutdown")
    extension.engine_stopped()
    report = json.loads((tmp_path / "runs" / "test-run.json").read_text())
    assert (report["site"], report["status"], report["counts"]["articles/new"]) == ("rki.news", "interrupted", 3)
    assert report["errors"] == {"http_500": {"count": 2, "examples": ["https://rki.news/x/"]}}
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        (run,) = store.runs()
    assert run["status"] == "interrupted"
    assert run["report"] == report


@pytest.mark.parametrize(("status", "body", "allowed"), [
    (200, b"User-agent: *\nDisallow: /private/\n", {"/a/": True, "/private/b": False}),
    (404, b"not found", {"/a/": True, "/private/b": True}),  # no robots.txt: no rules
    (503, b"User-agent: *\nAllow: /\n", {"/a/": False, "/private/b": False}),  # unavailable: disallow all
])
def test_robots_middleware_reads_robots_txt_as_rfc_9309_does(tmp_path: Path, status: int, body: bytes,
                                                            allowed: dict[str, bool]) -> None:
    crawler = project_crawler(NewsSpider, tmp_path)
    crawler.spider = NewsSpider(site="rki.news")
    middleware = StrictRobotsTxtMiddleware.from_crawler(crawler)
    heard: list[str] = []
    crawler.signals.connect(lambda response, netloc: heard.append(netloc), signal=robots_parsed, weak=False)
    robots = Response("https://rki.news/robots.txt", status=status, body=body)
    middleware._parsers["rki.news"] = Deferred()
    asyncio.run(middleware._parse_robots(robots, "rki.news", Request("https://rki.news/")))
    assert heard == ["rki.news"]  # the spider takes its Sitemap: lines from this one fetch
    for path, verdict in allowed.items():
        request = Request(f"https://rki.news{path}")
        if verdict:
            middleware.process_request_2(middleware._parsers["rki.news"], request)
        else:
            with pytest.raises(RobotsDisallowed):
                middleware.process_request_2(middleware._parsers["rki.news"], request)
    assert crawler.stats is not None
    assert crawler.stats.get_value("errors/robots_unavailable") == (1 if status >= 500 else None)


def test_robots_middleware_disallows_all_when_robots_txt_is_unreachable(tmp_path: Path) -> None:
    crawler = project_crawler(NewsSpider, tmp_path)
    crawler.spider = NewsSpider(site="rki.news")
    middleware = StrictRobotsTxtMiddleware.from_crawler(crawler)
    middleware._parsers["rki.news"] = Deferred()
    middleware._robots_error(ConnectionRefusedError(), "rki.news")
    with pytest.raises(RobotsDisallowed):
        middleware.process_request_2(middleware._parsers["rki.news"], Request("https://rki.news/a/"))
    assert crawler.stats is not None
    assert crawler.stats.get_value("errors/robots_unreachable/examples") == ["//rki.news/robots.txt"]


def test_metrics_keep_when_the_site_last_gave_articles(tmp_path: Path) -> None:
    finished = []
    for run, new in (("run-1", 3), ("run-2", 0)):  # a second run that finds nothing new
        crawler = project_crawler(NewsSpider, tmp_path, NEWSARCHIVE_RUN_ID=run)
        spider = NewsSpider(site="rki.news")
        extension = RunReportExtension.from_crawler(crawler)
        extension.spider_opened(spider)
        assert crawler.stats is not None
        crawler.stats.set_value("articles/new", new)
        extension.spider_closed(spider, "finished")
        extension.engine_stopped()
        assert extension.report is not None
        finished.append(datetime.fromisoformat(extension.report["finished_at"]).timestamp())
    text = (tmp_path / "metrics" / "rki.news.prom").read_text()
    values = {s.name: s.value for family in text_string_to_metric_families(text) for s in family.samples
              if s.labels.get("outcome", "new") == "new" and s.labels.get("status", "finished") == "finished"}
    assert values["newsarchive_run_articles"] == 0
    assert values["newsarchive_run_finished_timestamp_seconds"] == finished[1]
    assert values["newsarchive_last_articles_timestamp_seconds"] == finished[0]  # what an alert watches
