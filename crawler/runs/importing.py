"""Importing WARC and ARC files that other tools wrote (Heritrix, wget, Browsertrix, warcio, Common Crawl).

Each source is read record by record in constant memory (``archive.warc.foreign``). A record in scope (its
host and its capture date) that the archive does not hold yet is copied byte for byte into the archive's
own WARC files, ``import-…`` files whose warcinfo record names the source (the ``copied-from`` field), with
the source's own warcinfo copied after it; ``verify``, ``replay``, ``show`` and WACZ export then treat the
copies like any capture. Every copy is noted in ``imported_records`` (its source, offset and length, and
where the copy lies), which is what makes a second import of the same records add nothing.

Each HTML response is cleaned, with its site's profile where the archive has one and the generic cleaner
otherwise, into a snippet dated by the capture's ``WARC-Date`` (``fetched_at``) and marked ``source =
"import"``. A ``revisit`` record is resolved to the response it names (by ``WARC-Refers-To``, else by URL and
payload digest) among the records copied so far, in this run or an earlier one, and cleaned from it with the
revisit's date; one whose original is not in the archive is counted. Unreadable parts of a source are
skipped and reported with their file and offset, and the import goes on.

Durability is a group commit, as in a crawl: the WARC file is fsynced, then the store commits the copies'
rows and snippets; a kill loses at most the records since the last commit, which the next import copies
again (a salvaged ``.open`` file keeps every complete copy, and its ids are simply found again).
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive import __version__
from archive.store.imports import ImportedRecord
from archive.store.location import StoreLocation
from archive.store.query import QueryError, to_utc
from archive.store.snippet_store import SnippetStore
from archive.warc.foreign import SourceRecord, SourceReport, read_source
from archive.warc.read import plain_body_of, unbracketed
from archive.warc.write import COPIED_FROM, OPEN_SUFFIX, WarcFileWriter
from crawler.cleaning.capture import (
    NOT_ARTICLE,
    Capture,
    Cleaned,
    RecordPointer,
    another_rendering,
    clean_member,
    fetched_at_of,
)
from crawler.cleaning.pool import CleaningFailed, ordered_results
from crawler.core.identity import new_run_id
from crawler.extensions.recovery import recover
from crawler.runs.batch_run import batch_run
from crawler.runs.sources import source_files
from crawler.sites import SiteProfile, UnknownSiteError, profile_class, profile_for_capture

logger = logging.getLogger(__name__)

COMMIT_EVERY = 500  # records copied between group commits
PREFIX = "import"  # the archive's files of copies are import-TIMESTAMP-SERIAL-HOST-TOKEN.warc.gz
Job = tuple[bytes | Capture, RecordPointer, str, SiteProfile, str]  # clean_member's arguments


@dataclass
class ImportReport:
    """What an import did, as ``newsarchive runs`` keeps it and ``import --json`` prints it."""

    run_id: str
    source: str = "import"  # the snippets' source: import, or backfill
    files: int = 0
    bytes_read: int = 0
    records: int = 0  # read from the sources
    copied: int = 0
    already_imported: int = 0  # held by the archive from an earlier import
    out_of_scope: int = 0  # another host, or a capture date outside --since/--until
    pages: int = 0  # HTML responses (and revisits of them) cleaned
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_articles: int = 0
    alternates: int = 0  # pages whose canonical URL is another page the archive has (AMP, print versions)
    revisits_unresolved: int = 0  # revisits whose original is not in the archive
    damaged: list[dict[str, Any]] = field(default_factory=list)  # {"file", "offset", "reason"}
    failed: dict[str, list[str]] = field(default_factory=dict)  # reason -> URLs
    warc_files: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    recovered: dict[str, object] = field(default_factory=dict)  # what recovery found of a killed run first
    # a CC-NEWS import's: listing lines without a file time, files wholly after --until (not fetched)
    listing_skipped: int = 0
    out_of_scope_files: int = 0
    # a backfill's: the URL prefix listed, the captures listed and those left out as a digest already taken,
    # captures the archive answered with 404, CDX pages that failed, requests made to the archive and retried
    target: str = ""
    captures_listed: int = 0
    duplicates: int = 0
    captures_missing: int = 0
    cdx_pages_failed: list[str] = field(default_factory=list)
    archive_requests: int = 0
    archive_retries: int = 0

    def fail(self, reason: str, url: str) -> None:
        self.failed.setdefault(reason, []).append(url)

    def summary(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "source": self.source, "files": self.files, "bytes_read": self.bytes_read,
                "records": self.records, "copied": self.copied, "already_imported": self.already_imported,
                "out_of_scope": self.out_of_scope, "pages": self.pages, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "not_articles": self.not_articles, "alternates": self.alternates,
                "revisits_unresolved": self.revisits_unresolved, "damaged": len(self.damaged),
                "damaged_parts": self.damaged[:50], "failed": {k: len(v) for k, v in self.failed.items()},
                "examples": {k: v[:5] for k, v in self.failed.items()}, "warc_files": self.warc_files,
                "duration_s": round(self.duration_s, 3), "finished_at": datetime.now(UTC).isoformat(),
                **({"recovered": self.recovered} if self.recovered else {}),
                **({"listing_skipped": self.listing_skipped, "out_of_scope_files": self.out_of_scope_files}
                   if self.listing_skipped or self.out_of_scope_files else {}),
                **({"target": self.target, "captures_listed": self.captures_listed, "duplicates": self.duplicates,
                    "captures_missing": self.captures_missing, "cdx_pages_failed": self.cdx_pages_failed,
                    "archive_requests": self.archive_requests, "archive_retries": self.archive_retries}
                   if self.source == "backfill" else {})}


@dataclass(frozen=True)
class Scope:
    """Which records an import keeps: of a site (a profile's name, or a host and its subdomains) and
    captured within [since, until)."""

    site: str | None = None
    since: str | None = None  # ISO 8601, compared in UTC
    until: str | None = None

    def host_matches(self, url: str) -> bool:
        if not self.site:
            return True
        host = (urlsplit(url).hostname or "").lower()
        netloc = urlsplit(url).netloc.lower()
        return any(w and (netloc == w or host == w or host.endswith("." + w)) for w in self.hosts)

    @cached_property
    def hosts(self) -> tuple[str, ...]:
        """The site as given (a host, or host:port), and the real host of the profile of that name."""
        wanted = [(self.site or "").lower()]
        with suppress(UnknownSiteError):
            wanted.append((urlsplit(profile_class(self.site or "").home).hostname or "").lower())
        return tuple(wanted)

    def date_matches(self, warc_date: str) -> bool:
        try:
            moment = to_utc(warc_date)
        except QueryError:
            moment = None
        if moment is None:
            return not (self.since or self.until)
        return not ((self.since and moment < (to_utc(self.since) or "")) or
                    (self.until and moment >= (to_utc(self.until) or "")))

    def matches(self, rec: SourceRecord) -> bool:
        uri = rec.target_uri
        return (not uri or self.host_matches(uri)) and self.date_matches(rec.date)


DESCRIPTIONS = {
    PREFIX: "records copied byte for byte from another archive's file (an ARC record as warcio's WARC rendering "
            "of it); each keeps its own WARC-Record-ID, date and digests",
    "backfill": "captures fetched from a web archive: a record copied byte for byte where the archive's index "
                "gave its place in a WARC file (a range request), else a response record made from the "
                "archive's id_ replay of the capture (the original's headers and body; its WARC-Date is the "
                "capture's time, its id derived from URL, time and digest)",
}


def import_info(origin: str, size: int | None, prefix: str = PREFIX) -> dict[str, str]:
    """The warcinfo block of an import's file: who copied, from where, and that no request was made."""
    info = {
        "software": f"newsarchive/{__version__} (import; warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator": "not configured",
        "hostname": socket.gethostname(),
        "robots": "not applicable: the records after this one are copies, no request was made",
        "http-header-user-agent": "not applicable: see the copied records' own warcinfo",
        "description": DESCRIPTIONS[prefix],
        COPIED_FROM: origin,
    }
    if size is not None:
        info["copied-from-size"] = str(size)
    return info


def _is_html_response(rec: SourceRecord) -> bool:
    return rec.type == "response" and rec.http_status == 200 and \
        "html" in rec.http_header("Content-Type").lower() and rec.target_uri.startswith(("http:", "https:"))


class Importer:
    """One import run: copies records, hands HTML pages to the cleaners, stores what they give."""

    def __init__(self, store: SnippetStore, warc_dir: Path, report: ImportReport, scope: Scope,
                 progress: Callable[[int], None] | None, operator: str, prefix: str = PREFIX) -> None:
        self.store = store
        self.warc_dir = warc_dir
        self.report = report
        self.scope = scope
        self.progress = progress
        self.operator = operator
        self.prefix = prefix
        self.writer: WarcFileWriter | None = None
        self.uncommitted = 0
        self.pending: deque[str] = deque()  # URLs of the pages being cleaned, in order
        self.profiles: dict[str, SiteProfile] = {}

    # -- copying ----------------------------------------------------------------------------------------

    def _open_writer(self, origin: str, size: int | None) -> WarcFileWriter:
        info = import_info(origin, size, self.prefix)
        info["isPartOf"] = self.report.run_id
        if self.operator:
            info["operator"] = self.operator
        return WarcFileWriter(self.warc_dir, self.prefix, info, fsync=False)

    def close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.report.warc_files += self.writer.files_closed
            self.writer = None

    def checkpoint(self) -> None:
        """Group commit: the copies made durable, then the rows naming them."""
        if self.writer is not None:
            self.writer.sync()
        self.store.commit()
        self.uncommitted = 0

    def _copy(self, rec: SourceRecord, origin: str, size: int | None) -> ImportedRecord:
        if self.writer is None:
            self.writer = self._open_writer(origin, size)
        pointer = self.writer.write_copy(rec.member, rec.record_id)
        digest = rec.header("WARC-Payload-Digest") or None
        copied = ImportedRecord(rec.record_id, rec.type, rec.target_uri or None, rec.date or None, digest,
                                rec.origin or origin,
                                rec.offset, rec.length, pointer.file, pointer.offset, pointer.length,
                                self.report.run_id)
        self.store.add_imported([copied])
        self.report.copied += 1
        self.uncommitted += 1
        return copied

    def source_jobs(self, records: Iterable[SourceRecord], source_report: SourceReport, origin: str,
                    size: int | None, done_before: int | None) -> Iterator[Job]:
        """Copy the records of one source in scope and not yet in the archive; yield a cleaning job for each
        HTML page among them (and each revisit of one). ``origin`` names the source (a file, or a web
        archive); ``progress`` is told ``done_before`` plus how far into the source the records are."""
        held_info: SourceRecord | None = None  # the source's warcinfo, copied before its first copied record
        try:
            for rec in records:
                self.report.records += 1
                if self.progress and done_before is not None:
                    self.progress(done_before + rec.offset + rec.length)
                if not rec.record_id:
                    source_report.damage(rec.offset, f"a {rec.type} record without WARC-Record-ID")
                    continue
                if rec.type == "warcinfo":
                    held_info = rec
                    continue
                if not self.scope.matches(rec):
                    self.report.out_of_scope += 1
                    continue
                if self.store.already_imported([rec.record_id]):
                    self.report.already_imported += 1
                    continue
                if held_info is not None:
                    if not self.store.already_imported([held_info.record_id]):
                        self._copy(held_info, origin, size)
                    held_info = None
                copied = self._copy(rec, origin, size)
                job = self._job(rec, copied)
                if job is not None:
                    self.pending.append(rec.target_uri)
                    yield job
                if self.uncommitted >= COMMIT_EVERY:
                    self.checkpoint()
        finally:
            self.report.damaged += [{"file": origin, "offset": d.offset, "reason": d.reason}
                                    for d in source_report.damaged]
            for d in source_report.damaged:
                logger.info("%s@%d skipped: %s", origin, d.offset, d.reason)
        self.checkpoint()

    def _profile(self, url: str) -> SiteProfile:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        if origin not in self.profiles:  # a --site that is a host, not a profile, is passed over there
            self.profiles[origin] = profile_for_capture(url, site=self.scope.site, store=self.store)
        return self.profiles[origin]

    def _job(self, rec: SourceRecord, copied: ImportedRecord) -> Job | None:
        """The cleaning job of a copied record: an HTML page, or a revisit of one (cleaned from its original)."""
        url = rec.target_uri
        if _is_html_response(rec):
            pointer = RecordPointer(copied.warc_file, copied.warc_offset, copied.warc_length, rec.record_id,
                                    copied.payload_digest or "", fetched_at_of(rec.date))
            plain = plain_body_of(rec.parsed)  # read here already: the worker need not inflate it again
            source = rec.member if plain is None else Capture(url, plain[0], plain[1], pointer)
            return source, pointer, url, self._profile(url), self.report.run_id
        if rec.type != "revisit" or not rec.target_uri.startswith(("http:", "https:")):
            return None
        original = self._original(rec)
        if original is None:
            self.report.revisits_unresolved += 1
            return None
        member = self._read_copy(original)
        if member is None:
            self.report.revisits_unresolved += 1
            return None
        pointer = RecordPointer(original.warc_file, original.warc_offset, 0, original.record_id,
                                original.payload_digest or "", fetched_at_of(rec.date))
        return member, pointer, url, self._profile(url), self.report.run_id

    def _original(self, rec: SourceRecord) -> ImportedRecord | None:
        """The copied response a revisit record names: by its id, else by URL and payload digest."""
        refers = rec.header("WARC-Refers-To")
        original = self.store.imported_record(refers) if refers else None
        if original is None:
            uri = unbracketed(rec.header("WARC-Refers-To-Target-URI")) or rec.target_uri
            digest = rec.header("WARC-Payload-Digest")
            original = self.store.imported_original(uri, digest) if digest else None
        return original if original is not None and original.record_type == "response" else None

    def _read_copy(self, copied: ImportedRecord) -> bytes | None:
        """The gzip member of a copy, from its file (still ``.open`` while this run writes it)."""
        for name in (copied.warc_file, copied.warc_file + OPEN_SUFFIX, copied.warc_file):
            try:
                with (self.warc_dir / name).open("rb") as f:
                    f.seek(copied.warc_offset)
                    return f.read(copied.warc_length)
            except FileNotFoundError:
                continue
        return None

    # -- storing ----------------------------------------------------------------------------------------

    def store_cleaned(self, cleaned: Cleaned | CleaningFailed) -> None:
        url = self.pending.popleft()
        self.report.pages += 1
        if isinstance(cleaned, CleaningFailed):
            self.report.fail(cleaned.kind, url)
            return
        snippet = cleaned.snippet
        if snippet is None:
            if cleaned.refused == NOT_ARTICLE:
                self.report.not_articles += 1
            else:
                self.report.fail(f"{cleaned.refused}: {cleaned.detail}" if cleaned.detail else str(cleaned.refused),
                                 url)
            return
        snippet.source = self.report.source
        if another_rendering(snippet, self.store):
            self.report.alternates += 1
            return
        outcome = self.store.add(snippet)
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)


def import_warcs(where: StoreLocation | Path, paths: Iterable[Path], *, site: str | None = None,
                 since: str | None = None, until: str | None = None, workers: int = 0,
                 progress: Callable[[int], None] | None = None, run_id: str | None = None,
                 operator: str = "") -> ImportReport:
    """Import WARC and ARC files (or directories of them) into the archive at ``where``: see the module's
    docstring. ``workers`` processes clean pages (0: this one). ``progress`` gets the bytes read so far (of
    the files' total sizes). The run is listed by ``newsarchive runs`` (``interrupted`` when it stops on an
    exception or a signal)."""
    files = source_files(paths)
    report = ImportReport(run_id or new_run_id(kind="import"))
    return run_import(StoreLocation.of(where), report, Scope(site, since, until), site or "import",
                      lambda importer: _all_jobs(importer, files), workers=workers, progress=progress,
                      operator=operator)


def run_import(location: StoreLocation, report: ImportReport, scope: Scope, run_site: str,
               jobs: Callable[[Importer], Iterator[Job]], *, workers: int, progress: Callable[[int], None] | None,
               operator: str, prefix: str = PREFIX) -> ImportReport:
    """Run an import (or a backfill) whose records come from ``jobs``, as a run of the runs table. It starts
    with the recovery a crawl starts with: the ``.open`` files a killed import left are salvaged and their
    copies noted, so that this run does not copy them again."""
    recovered = recover(location)
    report.recovered = recovered.as_dict() if recovered.anything else {}
    with SnippetStore(location) as store, batch_run(location, store, report.run_id, run_site) as dead:
        if dead:
            report.recovered = {**report.recovered, "crashed_runs": dead}
        started = time.monotonic()
        importer = Importer(store, location.data_dir / "warc", report, scope, progress, operator, prefix)
        try:
            store.deferred = True
            store.dialect.prepare_batch_writes(store.db)
            for cleaned in ordered_results(clean_member, jobs(importer), workers):
                importer.store_cleaned(cleaned)
            importer.checkpoint()
            importer.close_writer()
        except BaseException:
            importer.checkpoint()
            importer.close_writer()
            store.deferred = False
            store.finish_run(report.run_id, "interrupted", {**report.summary(), "status": "interrupted"})
            raise
        store.deferred = False
        report.duration_s = time.monotonic() - started
        store.finish_run(report.run_id, "finished", report.summary())
    return report


def _all_jobs(importer: Importer, files: list[Path]) -> Iterator[Job]:
    done = 0
    for path in files:
        size = path.stat().st_size
        importer.report.files += 1
        source_report = SourceReport()
        with path.open("rb") as stream:
            yield from importer.source_jobs(read_source(stream, source_report), source_report,
                                            str(path.resolve()), size, done)
        importer.close_writer()  # one source, its own files: their warcinfo names it
        done += size
        importer.report.bytes_read = done
