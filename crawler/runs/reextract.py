"""Re-extraction: today's cleaners over yesterday's WARC records, with no network.

For the latest version of each selected article, the response record it was cleaned from is read back and
cleaned again with its site's rules as they stand today for the day it was fetched (a retired layout's
rules for a capture from before the change). Where any cleaned field differs (text, title, dates,
authors, categories, language), a new version is stored, tagged with the current cleaner version and the
re-extraction's run id and pointing at the same record. Old versions stay. This is how an improved
cleaner reaches years of archive.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.store.location import StoreLocation
from archive.store.query import Filters, to_utc
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Snippet
from archive.warc.read import iter_records
from archive.warc.write import FILENAME_RE, warc_name, warc_paths
from crawler.cleaning.capture import Cleaned, RecordPointer, clean_record
from crawler.cleaning.pool import CleaningFailed, ordered_results
from crawler.core.identity import new_run_id
from crawler.runs.batch_run import batch_run
from crawler.sites import SiteProfile, profile_for_capture

logger = logging.getLogger(__name__)

CLEANED_FIELDS = ("title", "text_sha256", "published", "modified", "document_date", "authors", "categories",
                  "language", "images", "access")


@dataclass
class ReextractReport:
    run_id: str
    records: int = 0
    changed: int = 0
    unchanged: int = 0
    unclaimed: int = 0  # articles found in records no snippet pointed at
    failed: dict[str, list[str]] = field(default_factory=dict)  # reason -> URLs
    duration_s: float = 0.0

    def fail(self, reason: str, url: str) -> None:
        self.failed.setdefault(reason, []).append(url)

    def summary(self) -> dict[str, Any]:
        """The run's report as ``newsarchive runs`` keeps it and ``reextract --json`` prints it."""
        return {"run_id": self.run_id, "records": self.records, "changed": self.changed,
                "unchanged": self.unchanged, "unclaimed_articles": self.unclaimed,
                "failed": {k: len(v) for k, v in self.failed.items()},
                "examples": {k: v[:5] for k, v in self.failed.items()},
                "duration_s": round(self.duration_s, 3), "finished_at": datetime.now(UTC).isoformat()}


def _fresh(cleaned: Cleaned, report: ReextractReport, url: str) -> Snippet | None:
    """The new snippet of a cleaned record, or None with the reason in the report."""
    if cleaned.snippet is None:
        report.fail(f"{cleaned.refused}: {cleaned.detail}" if cleaned.detail else str(cleaned.refused), url)
    return cleaned.snippet


def reextract(where: StoreLocation | Path, *, site: str | None = None, since: str | None = None,
              unclaimed: bool = False, progress: Callable[[int], None] | None = None, workers: int = 0,
              run_id: str | None = None) -> ReextractReport:
    """Clean the archived records of the selected articles again and store what changed; with ``unclaimed``,
    also the article pages no snippet came from. ``workers`` processes read and clean records (0: this one);
    the versions are written here, in the order of the snippets, whatever the number of workers. The run is
    listed by ``newsarchive runs`` (``interrupted`` if it stops on an exception or a signal)."""
    location = StoreLocation.of(where)
    report = ReextractReport(run_id or new_run_id(kind="reextract"))
    with SnippetStore(location) as writer, batch_run(location, writer, report.run_id, site or "all"):
        started = time.monotonic()
        try:
            _reextract(location, writer, report, site=site, since=since, unclaimed=unclaimed, progress=progress,
                       workers=workers)
        except BaseException:
            writer.finish_run(report.run_id, "interrupted", {"finished_at": datetime.now(UTC).isoformat()})
            raise
        report.duration_s = time.monotonic() - started
        writer.finish_run(report.run_id, "finished", report.summary())
    return report


def _reextract(location: StoreLocation, writer: SnippetStore, report: ReextractReport, *, site: str | None,
               since: str | None, unclaimed: bool, progress: Callable[[int], None] | None, workers: int) -> None:
    with SnippetStore(location, readonly=True) as reader:
        writer.dialect.prepare_batch_writes(writer.db)  # one fsync per version is a crawl's need; this re-runs
        warc_dir = location.data_dir / "warc"
        pending: deque[Snippet] = deque()  # records being cleaned, in order

        def jobs() -> Iterator[tuple[Path, RecordPointer, str, SiteProfile, str]]:
            for s in reader.select(Filters(site=site, since=since), order="oldest"):
                pending.append(s)
                yield warc_dir, RecordPointer.of(s), s.url, profile_for_capture(s.url, site=s.site), report.run_id

        for cleaned in ordered_results(clean_record, jobs(), workers):
            snippet = pending.popleft()
            report.records += 1
            if progress:
                progress(report.records)
            if isinstance(cleaned, CleaningFailed):
                report.fail(cleaned.kind, snippet.url)
                continue
            fresh = _fresh(cleaned, report, snippet.url)
            if fresh is None:
                continue
            fresh.canonical_url = snippet.canonical_url  # one article, one history, whatever the cleaner says
            if writer.add(fresh, compare=CLEANED_FIELDS) == "unchanged":
                report.unchanged += 1
            else:
                report.changed += 1
        if unclaimed:
            _reextract_unclaimed(writer, warc_dir, report, site=site, since=since, progress=progress)


def _chronological(warc_dir: Path) -> list[Path]:
    """Closed WARC files, oldest first (by the timestamp in their names, whatever their prefix)."""
    files = [(m["ts"], m["serial"], path) for path in warc_paths(warc_dir)
             if (m := FILENAME_RE.match(path.name))]
    return [path for _, _, path in sorted(files)]


def _reextract_unclaimed(store: SnippetStore, warc_dir: Path, report: ReextractReport, *, site: str | None,
                         since: str | None, progress: Callable[[int], None] | None) -> None:
    """Clean the 200 HTML responses no snippet points at (pages an earlier cleaner rejected or flagged).

    Only articles the archive does not have yet are stored (the records behind existing snippets are the
    first pass's work); files are read oldest first, so a later capture of the same article becomes a
    later version.
    """
    claimed = {r[0] for r in store.db.execute("SELECT DISTINCT warc_record_id FROM snippets")}
    new_articles: set[str] = set()
    for path in _chronological(warc_dir):
        for rec in iter_records(path, skip_malformed=True):
            if rec.type != "response" or rec.fields.get("WARC-Record-ID") in claimed:
                continue
            if rec.http_status != 200 or "text/html" not in rec.http_header("Content-Type").lower():
                continue
            uri = rec.fields["WARC-Target-URI"]
            state = store.url_state(uri)
            record_site = state.site if state else None
            if site and record_site != site:
                continue
            report.records += 1
            if progress:
                progress(report.records)
            fetched_at = rec.fields["WARC-Date"].replace("Z", "+00:00")
            profile = profile_for_capture(uri, site=record_site)
            pointer = RecordPointer(warc_name(warc_dir, path), rec.offset, rec.length, rec.fields["WARC-Record-ID"],
                                    rec.fields["WARC-Payload-Digest"], fetched_at)
            fresh = clean_record(warc_dir, pointer, uri, profile, report.run_id).snippet
            if fresh is None:
                continue
            if since and (to_utc(fresh.published) or "") < (to_utc(since) or ""):
                continue
            if store.versions(fresh.canonical_url) and fresh.canonical_url not in new_articles:
                continue  # archived already: the first pass re-cleans the record behind it
            if store.add(fresh, compare=CLEANED_FIELDS) != "unchanged":
                report.unclaimed += 1
                new_articles.add(fresh.canonical_url)
