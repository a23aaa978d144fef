"""Backfill: a site's past from a web archive's CDX server (the Wayback Machine, pywb, Common Crawl's index).

The captures under the target's URL prefix are listed (``crawler.fetching.web_archive``), and for each URL
one capture per distinct payload digest is kept (the first: every distinct version, so that edits become
history, and none twice). Each is fetched from the archive and goes through the import
(``crawler.runs.importing``): copied into ``backfill-…`` WARC files whose warcinfo names the archive,
cleaned into a snippet with ``source = "backfill"`` and the capture's time as ``fetched_at``.

A capture whose index line gives its WARC file, offset and length is fetched, under ``--data-url``, by a
range request: the archive's own record, byte for byte. Otherwise its ``id_`` replay is made into a
``response`` record (the original headers as the archive gives them, the body as stored, the capture's
time as ``WARC-Date``) whose id is derived from URL, timestamp and digest. Either way a capture has the
same record id every time, so a run killed midway and started again, or run twice, fetches only what the
archive does not have yet. Only HTML captures with status 200 are fetched.
"""

from __future__ import annotations

import gzip
import http
import io
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from archive.store.location import StoreLocation
from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.foreign import SourceRecord, SourceReport, read_source
from archive.warc.write import HTTP_RESPONSE_TYPE, WarcRecordSpec, http_head, sha1_digest, target_uri
from crawler.core.identity import new_run_id, user_agent
from crawler.fetching.web_archive import ArchiveUnavailable, Capture, CaptureMissing, WebArchive
from crawler.runs.importing import Importer, ImportReport, Job, Scope, run_import
from crawler.runs.sources import ImportArgumentError
from crawler.sites import UnknownSiteError, profile_class

PREFIX = "backfill"
CAPTURE_NAMESPACE = uuid.UUID("0b5f8e7e-7a43-4c3e-9d0e-4a1d2f7c9b21")  # ids of records made from replays


def capture_record_id(capture: Capture) -> str:
    """The id of a capture's record made from its replay: the same for the same capture, every run."""
    return f"<urn:uuid:{uuid.uuid5(CAPTURE_NAMESPACE, f'{capture.url} {capture.timestamp} {capture.digest}')}>"


def resolve_target(target: str, store: SnippetStore | None = None) -> str:
    """The URL prefix to list: TARGET itself when it is a URL, else the home of the site of that name (the
    origin the archive crawled it at, where it has crawled it)."""
    if target.startswith(("http://", "https://")):
        return target
    try:
        home = profile_class(target).home
    except UnknownSiteError:
        if "." in target and "/" not in target:
            return f"https://{target}/"  # a host: its whole site
        raise ImportArgumentError(f"{target!r} is neither a URL, a host nor a site profile") from None
    if store is not None:
        crawled = next(store.select(Filters(site=target), limit=1), None)
        if crawled is not None:
            parts = urlsplit(crawled.url)
            return f"{parts.scheme}://{parts.netloc}/"
    return home.rstrip("/") + "/"


def _stamp(day: str | None) -> str | None:
    """A CDX server's 14-digit form of a date given as YYYY-MM-DD or ISO 8601."""
    if not day:
        return None
    digits = "".join(ch for ch in day[:19] if ch.isdigit())
    return digits[:14] or None


def replay_member(capture: Capture, status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """A response record, as one gzip member, made from a capture's ``id_`` replay."""
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    head = http_head(f"HTTP/1.1 {status} {reason}".encode(), [(n.encode("latin-1", "replace"),
                                                                v.encode("latin-1", "replace")) for n, v in headers])
    spec = WarcRecordSpec("response", [("WARC-Target-URI", target_uri(capture.url)),
                                       ("WARC-Payload-Digest", sha1_digest(body))],
                          head + body, HTTP_RESPONSE_TYPE, record_id=capture_record_id(capture))
    return gzip.compress(spec.serialise(capture.iso_date), compresslevel=6, mtime=0)


class _Captures:
    """The captures of a backfill, fetched one by one as the import asks for them."""

    def __init__(self, archive: WebArchive, importer: Importer, prefix: str, since: str | None,
                 until: str | None, limit: int | None, progress: Callable[..., None] | None) -> None:
        self.archive = archive
        self.importer = importer
        self.report = importer.report
        self.prefix = prefix
        self.since = since
        self.until = until
        self.limit = limit
        self.progress = progress

    def wanted(self) -> Iterator[Capture]:
        """HTML captures with status 200, the first of each payload digest of each URL, within the dates."""
        seen: set[tuple[str, str]] = set()
        failed: list[str] = []
        listed = self.archive.captures(self.prefix, _stamp(self.since), _stamp(self.until), failed)
        for capture in listed:
            self.report.captures_listed += 1
            if capture.status != "200" or "html" not in capture.mime.lower():
                continue
            if not self.importer.scope.date_matches(capture.iso_date):
                continue
            key = (capture.url, capture.digest)
            if key in seen:
                self.report.duplicates += 1
                continue
            seen.add(key)
            yield capture
        self.report.cdx_pages_failed += failed

    def records(self, source_report: SourceReport) -> Iterator[SourceRecord]:
        """The records of the wanted captures the archive does not hold yet, fetched one by one. The listing
        is read whole first (one small row per capture), so that progress has a total."""
        wanted = list(self.wanted())
        fetched = 0
        for done, capture in enumerate(wanted):
            if self.progress is not None:
                self.progress(done, len(wanted))
            if self.limit is not None and fetched >= self.limit:
                return
            if self.importer.store.already_imported([capture_record_id(capture)]):
                self.report.already_imported += 1
                continue
            fetched += 1
            try:
                copy = self.archive.record_of(capture)
                if copy is not None:
                    origin, member = copy
                else:
                    origin, status, headers, body = self.archive.replayed(capture)
                    member = replay_member(capture, status, headers, body)
            except CaptureMissing as exc:
                self.report.captures_missing += 1
                self.report.fail("capture_missing", f"{capture.url} @ {capture.timestamp} ({exc})")
                continue
            except ArchiveUnavailable as exc:
                self.report.fail("archive_unavailable", f"{capture.url} @ {capture.timestamp} ({exc})")
                continue
            for rec in read_source(io.BytesIO(member), source_report):
                rec.origin = origin
                yield rec
        if self.progress is not None:
            self.progress(len(wanted), len(wanted))

    def jobs(self) -> Iterator[Job]:
        source_report = SourceReport()
        self.report.files += 1
        yield from self.importer.source_jobs(self.records(source_report), source_report, self.archive.cdx_url,
                                             None, None)


def backfill(where: StoreLocation | Path, target: str, cdx_url: str, *, replay_url: str | None = None,
             data_url: str | None = None, since: str | None = None, until: str | None = None,
             limit: int | None = None, delay: float = 1.0, timeout: float = 30.0, retries: int = 4,
             workers: int = 0, progress: Callable[..., None] | None = None, run_id: str | None = None,
             operator: str = "", contact: str = "") -> ImportReport:
    """Bring in TARGET's captures from the web archive whose CDX server is ``cdx_url`` (see the module's
    docstring); ``progress`` gets the number of captures handled and how many there are to handle."""
    location = StoreLocation.of(where)
    with SnippetStore(location) as store:
        prefix = resolve_target(target, store)
    archive = WebArchive(cdx_url, replay_url=replay_url, data_url=data_url, delay=delay, timeout=timeout,
                         retries=retries, user_agent=user_agent(contact))
    report = ImportReport(run_id or new_run_id(kind="backfill"), source="backfill")
    report.target = prefix
    scope = Scope(None, since, until)

    def jobs(importer: Importer) -> Iterator[Job]:
        yield from _Captures(archive, importer, prefix, since, until, limit, progress).jobs()
        report.archive_requests = archive.requests
        report.archive_retries = archive.retried

    site = target if not target.startswith(("http://", "https://")) else urlsplit(prefix).netloc
    return run_import(location, report, scope, site, jobs, workers=workers, progress=None, operator=operator,
                      prefix=PREFIX)
