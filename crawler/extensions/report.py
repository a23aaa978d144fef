"""RunReportExtension: the run's facts in DATA/runs/RUN_ID.json, in the store's runs table and, for
monitoring, in DATA/metrics/SITE.prom."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.store.snippet_store import SnippetStore
from crawler.core.spider_contract import ArchiveSpider
from crawler.core.store_setting import store_location
from crawler.extensions.metrics import write_metrics

REPORT_KEYS = ("articles/requested", "articles/new", "articles/changed", "articles/unchanged",
               "articles/not_modified", "articles/gone", "articles/duplicate", "articles/not_article",
               "warc/records/response", "warc/records/revisit", "warc/records/not_modified",
               "warc/records/conversion", "warc/files", "warc/bytes", "warc/write_errors", "store/errors",
               "discovery/trap_bounded",
               "articles/profile_misses", "articles/encoding_guessed", "articles/body_truncated",
               "discovery/sources_missing", "discovery/left",
               "scheduler/unserializable",  # requests kept in memory: the disk queue could not take them
               "cleaning/max_waiting")  # the most pages handed to the cleaners at once (backpressure bounds it)
DRIFT_SHARE = 0.5  # more than this share of a run's articles cleaned by the fallback: the layout has changed


def layout_drift(stats: dict[str, Any]) -> dict[str, Any] | None:
    """How many article pages the site profile's rules missed (the generic cleaner stood in), or None."""
    misses = int(stats.get("articles/profile_misses", 0))
    if not misses:
        return None
    cleaned = sum(int(stats.get(k, 0)) for k in ("articles/new", "articles/changed", "articles/unchanged",
                                                    "articles/duplicate"))
    share = misses / max(cleaned, misses)
    return {"profile": stats.get("articles/profile_version", ""), "misses": misses, "articles": max(cleaned, misses),
            "share": round(share, 3), "drifted": share > DRIFT_SHARE}


def page_resource_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """What was fetched beside the pages (crawler.fetching.resource_schedule): pages, resources named,
    requested, archived, not modified, failed by kind, and what the limits kept out; with example URLs of
    what failed or was kept out."""
    counts: dict[str, Any] = {}
    for key, value in stats.items():
        if key.startswith("resources/") and not key.endswith("/examples"):
            name = key.removeprefix("resources/")
            counts[name] = value
            if name.startswith(("failed_", "http_", "over_")):
                counts[f"{name}/examples"] = stats.get(f"{key}/examples", [])
    return counts


def build_report(stats: dict[str, Any], run_id: str, site: str, reason: str) -> dict[str, Any]:
    """A JSON-ready summary: counts, errors by kind with example URLs, duration."""
    started = stats.get("start_time")
    finished = stats.get("finish_time") or datetime.now(UTC)
    errors: dict[str, Any] = {}
    for key, value in stats.items():
        if key.startswith("errors/") and not key.endswith("/examples"):
            errors[key.removeprefix("errors/")] = {"count": value, "examples": stats.get(f"{key}/examples", [])}
    examples = {key: stats[f"{key}/examples"] for key in REPORT_KEYS if f"{key}/examples" in stats}
    if reason == "finished":
        status = "finished"
    elif reason == "locked":  # another run of the site held its lock: this one did nothing
        status = "locked"
    elif reason == "shutdown":  # SIGINT or SIGTERM: Scrapy finished or dropped what was in flight
        status = "interrupted"
    else:
        status = f"stopped: {reason}"
    return {
        "run_id": run_id,
        "site": site,
        "status": status,
        "started_at": started.isoformat() if started else None,
        "finished_at": finished.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 3) if started else None,
        "pages_fetched": stats.get("downloader/response_count", 0),  # redirects and robots.txt included
        "robots_fetched": stats.get("pages/robots", 0),
        "counts": {key: stats.get(key, 0) for key in REPORT_KEYS},
        "examples": examples,
        "errors": errors,
        "layout_drift": layout_drift(stats),
        "resources": page_resource_counts(stats),
        "render": {key.removeprefix("render/"): value for key, value in stats.items()
                   if key.startswith("render/") and not key.endswith("/examples")},
    }


class RunReportExtension:
    """Writes the report when the spider closes (the finish time is set by CoreStats just before)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.location = store_location(crawler.settings)
        self.data_dir = self.location.data_dir
        self.report: dict[str, Any] | None = None
        self._reason = "unknown"
        self._site = ""
        self._url_outcomes: dict[str, Any] | None = None
        self._lock_refused = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReportExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    @property
    def run_id(self) -> str:
        return str(self.crawler.settings.get("NEWSARCHIVE_RUN_ID"))

    def spider_opened(self, spider: Spider) -> None:
        site = spider.site_name if isinstance(spider, ArchiveSpider) else spider.name
        with SnippetStore(self.location) as store:
            store.start_run(self.run_id, site, datetime.now(UTC).isoformat())

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._reason = reason
        if isinstance(spider, ArchiveSpider):
            self._site, self._url_outcomes = spider.site_name, spider.url_outcomes
            if spider.lock_refused:
                self._reason = "locked"
                self._lock_refused = spider.lock_refused
            elif spider.recovery_failed:
                self._reason = "recovery_failed"
        else:
            self._site = spider.name

    def engine_stopped(self) -> None:
        """After every spider_closed handler ran, so the WARC writer has closed its files and counted them."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.report = build_report(stats, self.run_id, self._site, self._reason)
        self.report["recovery"] = stats.get("recovery") or {}
        if self._url_outcomes is not None:
            self.report["urls"] = self._url_outcomes
        if self._lock_refused:
            self.report["locked"] = self._lock_refused  # why this run did nothing
        runs = self.data_dir / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        tmp = runs / f"{self.run_id}.json.tmp"
        tmp.write_text(json.dumps(self.report, indent=2, ensure_ascii=False, default=str) + "\n")
        tmp.replace(runs / f"{self.run_id}.json")
        with SnippetStore(self.location) as store:
            store.finish_run(self.run_id, self.report["status"], self.report)
            last_articles_at = store.last_run_with_articles(self._site)
        write_metrics(self.data_dir, self.report, last_articles_at)
