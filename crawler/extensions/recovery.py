"""Start-of-run recovery after a crash: salvage WARC files, then make the store agree with them.

After a SIGKILL or a power cut the WARC directory may hold ``.open`` files, and the store may lack what
was archived just before the crash (the snippet is committed after its record is fsynced, so the gap is
"archived but not yet in the store", never the reverse). Recovery:

1. salvages every ``.open`` file no live writer holds (``archive.warc.repair``);
2. deletes snippets whose WARC record does not exist (only possible after a lost disk write);
3. reads the salvaged records back and restores what the store should have said about them: the
   payload-digest index, the last fetch of each URL, and a snippet for every article response (or rendered
   page's DOM, a ``conversion`` record) that has none, cleaned as a live crawl would have. In a file of an
   import or a backfill (its first record names the source it copies from), each copy is noted in
   ``imported_records`` again (so that the import, run again, does not copy it twice) and each article
   page gets its snippet with the import's ``source``.

The store and the salvaged files are then the durable record of completed work: the next run skips
what they hold.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.locks import repair_lock
from archive.store.location import StoreLocation
from archive.store.snippet_store import ImportedRecord, SnippetStore, UrlState
from archive.warc.read import read_response, starts_copies, unbracketed
from archive.warc.repair import Salvaged, close_salvaged, salvage_directory
from archive.warc.write import COPIED_FROM, CaptureRef
from crawler.cleaning.capture import Capture, RecordPointer, another_rendering, clean_capture, fetched_at_of
from crawler.sites import profile_for_capture

logger = logging.getLogger(__name__)


@dataclass
class Recovery:
    """What recovery found and did, for the run report."""

    salvaged: list[str] = field(default_factory=list)  # files renamed from .open
    removed: list[str] = field(default_factory=list)  # .open files with nothing complete in them
    bytes_dropped: int = 0  # torn tails cut off
    snippets_dropped: int = 0  # snippets whose record was gone
    snippets_restored: int = 0  # article responses that had no snippet
    crashed_runs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    @property
    def anything(self) -> bool:
        return bool(self.salvaged or self.removed or self.snippets_dropped or self.snippets_restored
                    or self.crashed_runs)


def _run_id(salvaged: Salvaged) -> str:
    """The run that wrote a file, from its warcinfo record (``isPartOf``)."""
    if salvaged.records and salvaged.records[0].type == "warcinfo":
        for line in salvaged.records[0].block.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "isPartOf":
                return value.strip()
    return "recovered"


def _copied_from(salvaged: Salvaged) -> str | None:
    """The source an import's file copies from (its warcinfo's ``copied-from``); None for a crawl's file."""
    if not salvaged.records or not starts_copies(salvaged.records[0]):
        return None
    for line in salvaged.records[0].block.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == COPIED_FROM:
            return value.strip()
    return None


def _restore_copies(store: SnippetStore, warc_dir: Path, salvaged: Salvaged, origin: str, have: set[str]) -> int:
    """Note an import's salvaged copies again and restore the snippets of its article pages."""
    run_id = _run_id(salvaged)
    source = "backfill" if salvaged.name.rsplit("/", 1)[-1].startswith("backfill-") else "import"
    known = store.already_imported(r.fields.get("WARC-Record-ID", "") for r in salvaged.records[1:])
    restored = 0
    for rec in salvaged.records[1:]:
        record_id = rec.fields.get("WARC-Record-ID", "")
        uri = unbracketed(rec.fields.get("WARC-Target-URI", ""))
        date = rec.fields.get("WARC-Date", "")
        if record_id and record_id not in known:  # where in the source it was is not in the file: -1
            store.add_imported([ImportedRecord(record_id, rec.type, uri or None, date or None,
                                               rec.fields.get("WARC-Payload-Digest"), origin, -1, -1,
                                               salvaged.name, rec.offset, rec.length, run_id)])
        if rec.type != "response" or rec.http_status != 200 or record_id in have:
            continue
        if "html" not in rec.http_header("Content-Type").lower():
            continue
        archived = read_response(warc_dir / salvaged.on_disk, rec.offset)
        pointer = RecordPointer(salvaged.name, rec.offset, rec.length, record_id,
                                rec.fields.get("WARC-Payload-Digest", ""),
                                fetched_at_of(date))
        restored += _restore_snippet(store, uri, archived.body, rec.http_header("Content-Type"), None, run_id,
                                     pointer, source)
    return restored


def _restore_file(store: SnippetStore, warc_dir: Path, salvaged: Salvaged, have: set[str]) -> int:
    origin = _copied_from(salvaged)
    if origin is not None:
        return _restore_copies(store, warc_dir, salvaged, origin, have)
    run_id = _run_id(salvaged)
    site = store.run_site(run_id)
    restored = 0
    for rec in salvaged.records:
        if rec.type not in ("response", "revisit", "conversion"):
            continue
        archived = read_response(warc_dir / salvaged.on_disk, rec.offset)
        uri = rec.fields["WARC-Target-URI"]
        record_id = rec.fields["WARC-Record-ID"]
        date = rec.fields["WARC-Date"]
        if rec.type == "conversion":  # a rendered page's DOM: its snippet is cleaned from it, as in the crawl
            if record_id not in have:
                restored += _restore_snippet(store, uri, archived.body, "text/html; charset=utf-8", site, run_id,
                                             RecordPointer(salvaged.name, rec.offset, rec.length, record_id,
                                                           rec.fields.get("WARC-Payload-Digest", ""),
                                                           date.replace("Z", "+00:00")))
            continue
        headers = {name.lower(): value for name, value in archived.http_headers}
        ref = None
        if rec.type == "response" and archived.status == 200 and archived.payload:
            ref = CaptureRef(record_id, uri, date)
            if store.find_capture(rec.fields["WARC-Payload-Digest"]) is None:
                store.add_capture(rec.fields["WARC-Payload-Digest"], ref, salvaged.name, rec.offset)
        elif rec.type == "revisit":
            ref = CaptureRef(rec.fields["WARC-Refers-To"], rec.fields.get("WARC-Refers-To-Target-URI", uri),
                             rec.fields.get("WARC-Refers-To-Date", date))
        store.record_fetch(UrlState(uri, site or urlsplit(uri).hostname or "", archived.status,
                                    date.replace("Z", "+00:00"), run_id, headers.get("location"),
                                    headers.get("etag"), headers.get("last-modified"), ref))
        if rec.type != "response" or archived.status != 200 or record_id in have:
            continue
        pointer = RecordPointer(salvaged.name, rec.offset, rec.length, record_id, rec.fields["WARC-Payload-Digest"],
                                date.replace("Z", "+00:00"))
        restored += _restore_snippet(store, uri, archived.body, headers.get("content-type"), site, run_id, pointer)
    return restored


def _restore_snippet(store: SnippetStore, uri: str, body: bytes, content_type: str | None, site: str | None,
                     run_id: str, pointer: RecordPointer, source: str = "crawl") -> int:
    """Clean an archived page as the live crawl would have; 1 when it gave a new or changed snippet."""
    profile = profile_for_capture(uri, site=site, store=store)
    cleaned = clean_capture(Capture(uri, body, content_type, pointer), profile, run_id)
    if cleaned.snippet is None or (source != "crawl" and another_rendering(cleaned.snippet, store)):
        return 0
    cleaned.snippet.source = source
    return int(store.add(cleaned.snippet) != "unchanged")


def recover(where: StoreLocation | Path, site: str | None = None) -> Recovery:
    """Repair ``data_dir`` after a crash; cheap when there is nothing to repair. Call it under the site lock;
    it takes the directory's repair lock itself (``archive.locks.repair_lock``), one repair at a time.

    A salvaged file keeps its ``.open`` name until the snippets of its records are committed: recovery
    killed half-way is done again in full by the next one, instead of leaving a closed file whose
    articles have no snippets (and would be fetched and archived a second time).
    """
    location = StoreLocation.of(where)
    data_dir = location.data_dir
    warc_dir = data_dir / "warc"
    result = Recovery()
    with repair_lock(data_dir):
        _repair(location, warc_dir, site, result)
    if result.crashed_runs:  # Scrapy's side of the crawler, loaded only when a crawl died: an import does without
        from crawler.discovery.seen import queue_dir
    for run_id in result.crashed_runs:  # what a dead run's scheduler had queued: its next run finds it anew
        shutil.rmtree(queue_dir(data_dir, run_id), ignore_errors=True)
    if result.anything:
        logger.warning("recovered after a crash: %s", result.as_dict())
    return result


def _repair(location: StoreLocation, warc_dir: Path, site: str | None, result: Recovery) -> None:
    salvaged = salvage_directory(warc_dir)
    with SnippetStore(location) as store:
        if salvaged:  # only a crash can leave a snippet without its record, and a crash leaves .open files
            result.snippets_dropped = store.drop_dangling(warc_dir)
        have = store.snippet_record_ids([item.name for item in salvaged if not item.removed])
        for item in salvaged:
            result.bytes_dropped += item.bytes_dropped
            if item.removed:
                result.removed.append(item.name)
                continue
            result.salvaged.append(item.name)
            result.snippets_restored += _restore_file(store, warc_dir, item, have)
            close_salvaged(warc_dir, item)  # its snippets are committed: now it may look finished
        if site:
            result.crashed_runs = store.close_dead_runs(site)
