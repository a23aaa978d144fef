"""A run's figures for monitoring: DATA/metrics/SITE.prom in Prometheus text format, rewritten atomically at
the end of every run, for node_exporter's textfile collector (point --collector.textfile.directory at
DATA/metrics). docs/operations.md has an alert on it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from archive.locks import site_file_stem

ARTICLE_OUTCOMES = ("new", "changed", "unchanged", "not_modified", "gone", "duplicate", "not_article",
                    "profile_misses", "encoding_guessed", "body_truncated")
STATUSES = ("finished", "interrupted", "locked", "stopped")


def metrics_path(data_dir: Path, site: str) -> Path:
    return data_dir / "metrics" / f"{site_file_stem(site) or 'unnamed'}.prom"


def _timestamp(value: str | None) -> float | None:
    try:
        return datetime.fromisoformat(value).timestamp() if value else None
    except ValueError:
        return None


def write_metrics(data_dir: Path, report: dict[str, Any], last_articles_at: str | None) -> Path:
    """The report's figures as gauges labelled with the site; ``last_articles_at`` is when a run of the site
    last stored a new or changed article (the alert's clock)."""
    site = str(report.get("site") or "")
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, *labels: str) -> Gauge:
        return Gauge(f"newsarchive_{name}", doc, ["site", *labels], registry=registry)

    counts = report.get("counts", {})
    articles = gauge("run_articles", "Articles of the site's last run, by outcome", "outcome")
    for outcome in ARTICLE_OUTCOMES:
        articles.labels(site, outcome).set(float(counts.get(f"articles/{outcome}", 0)))
    errors = gauge("run_errors", "Failed requests of the last run, by kind", "kind")
    for kind, entry in (report.get("errors") or {}).items():
        errors.labels(site, kind).set(float(entry.get("count", 0)))
    gauge("run_pages_fetched", "Responses of the last run (redirects and robots.txt included)").labels(site).set(
        float(report.get("pages_fetched") or 0))
    gauge("run_warc_bytes", "WARC bytes written by the last run").labels(site).set(float(counts.get("warc/bytes", 0)))
    gauge("run_duration_seconds", "Duration of the last run").labels(site).set(float(report.get("duration_s") or 0))
    status = gauge("run_status", "1 for the status the last run ended with, 0 for the others", "status")
    ended = str(report.get("status", ""))
    ended = "stopped" if ended.startswith("stopped") else ended  # "stopped: REASON" (closespider and the like)
    for name in dict.fromkeys([*STATUSES, ended]):
        status.labels(site, name).set(1.0 if name == ended else 0.0)
    finished = _timestamp(report.get("finished_at"))
    if finished is not None:
        gauge("run_finished_timestamp_seconds", "When the last run ended (Unix time)").labels(site).set(finished)
    last = _timestamp(last_articles_at)
    if last is not None:
        gauge("last_articles_timestamp_seconds",
              "When a run of the site last stored a new or changed article (Unix time)").labels(site).set(last)
    path = metrics_path(data_dir, site)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)  # a temporary file renamed into place: never read half-written
    return path
