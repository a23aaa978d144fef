"""Selected articles as a WACZ 1.1.1 package, for sharing: a file that ReplayWeb.page, pywb or a colleague's
tools open on their own.

The package holds, for each selected snippet, the WARC record it was cleaned from (a response, or the
conversion record of a rendered page) and the request record written with it, copied byte for byte (their
digests still hold); the page's response; and what the page needs to render (WACZ's "page resources"): for
each URL the crawl noted for the page (``page_resources``), its capture nearest the page's time, found in the
archive's CDXJ index (archive/warc/cdx.py), with the response a revisit repeats and the capture a redirect
leads to. The records of each source file are preceded by that file's warcinfo record. Beside them: a CDXJ
index (cdxj-indexer, the reference indexer), named ``indexes/index.cdx`` as pywb's importer expects; the
pages, each with its title and extracted text, in ``pages/pages.jsonl``; and ``datapackage.json`` with the size and
SHA-256 of every file, itself hashed in ``datapackage-digest.json``. WARC data is stored uncompressed in the
ZIP (it is gzip already, and replay reads it by offset); the rest is deflated.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

from archive import __version__
from archive.store.snippets import Snippet
from archive.warc.cdx import CdxIndex
from archive.warc.read import MalformedRecord, TornMemberError, WarcRecord, iter_members, parse_record

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
READ_CHUNK = 1 << 16  # a record or two at a time: most are a few dozen kilobytes
MAX_REDIRECTS = 5  # hops followed from a resource's redirect to the capture it leads to


def _members(f: BinaryIO, offset: int, exchange: bool) -> tuple[bytes, WarcRecord]:
    """The compressed bytes of the record whose gzip member starts at ``offset`` (with ``exchange``, and the
    request record written right after a response when it is that response's), and the record read."""
    f.seek(offset)
    members = iter_members(f, chunk=READ_CHUNK)
    _, length, data = next(members)
    record = parse_record(offset, length, data)
    size = length
    if exchange:
        try:
            _, request_length, request_data = next(members)
            request = parse_record(offset + length, request_length, request_data)
        except (StopIteration, TornMemberError, MalformedRecord, zlib.error):
            request = None  # the last record of a file: the response stands alone
        if request is not None and request.fields.get("WARC-Concurrent-To") == record.fields.get("WARC-Record-ID"):
            size += request_length
    f.seek(offset)
    return f.read(size), record


def _stamp(iso: str) -> str:
    """A 14-digit UTC timestamp, as CDX indexes and replay URLs write it."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y%m%d%H%M%S")


class _Packer:
    """Copies records into the package's WARC once each, preceded by the warcinfo record of their file."""

    def __init__(self, warc_dir: Path, out: BinaryIO, index: CdxIndex | None) -> None:
        self.warc_dir = warc_dir
        self.out = out
        self.index = index
        self.copied: set[tuple[str, int]] = set()
        self.infos: set[str] = set()
        self.resources_found = 0  # resource URLs of the pages with a capture in the package
        self.resources_missing = 0  # ... and without one in the archive

    def copy(self, file: str, offset: int) -> WarcRecord | None:
        """Copy the record at ``file``:``offset`` with its request record; None when it was copied already."""
        if (file, offset) in self.copied:
            return None
        self.copied.add((file, offset))
        with (self.warc_dir / file).open("rb") as f:
            if file not in self.infos:  # where the records come from: the crawl's software and settings
                self.infos.add(file)
                self.out.write(_members(f, 0, exchange=False)[0])
            data, record = _members(f, offset, exchange=True)
            self.out.write(data)
        return record

    def copy_capture(self, url: str, stamp: str, hops: int = MAX_REDIRECTS) -> bool:
        """Copy the capture of ``url`` nearest ``stamp``: a revisit with the response it repeats, a redirect
        with where it leads. False when the archive holds no capture of it."""
        assert self.index is not None
        capture = self.index.nearest(url, stamp)
        if capture is None:
            return False
        record = self.copy(capture.filename, capture.offset)
        if record is None:
            return True
        if capture.is_revisit:
            original_url = record.fields.get("WARC-Refers-To-Target-URI", url)
            original_date = record.fields.get("WARC-Refers-To-Date")
            for candidate in self.index.captures(original_url):
                if not candidate.is_revisit and candidate.digest == capture.digest and (
                        original_date is None or candidate.timestamp == _stamp(original_date)):
                    self.copy(candidate.filename, candidate.offset)
                    break
        location = record.http_header("Location") if capture.status.startswith("3") else ""
        if location and hops > 0:
            self.copy_capture(urljoin(url, location), stamp, hops - 1)
        return True

    def copy_page(self, snippet: Snippet, resource_urls: Iterable[str]) -> None:
        """The snippet's own record; the page's response when the snippet was cleaned from a rendered DOM;
        and the captures of what the page needed, nearest the page's time."""
        self.copy(snippet.warc_file, snippet.warc_offset)
        if self.index is None:
            return
        stamp = _stamp(snippet.fetched_at)
        self.copy_capture(snippet.url, stamp)
        for url in resource_urls:
            if self.copy_capture(url, stamp):
                self.resources_found += 1
            else:
                self.resources_missing += 1


def _page(snippet: Snippet) -> dict[str, Any]:
    ts = datetime.fromisoformat(snippet.fetched_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": snippet.warc_record_id.strip("<>").removeprefix("urn:uuid:"), "url": snippet.url, "ts": ts,
            "title": snippet.title, "text": snippet.text}


def _resource(root: Path, path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"name": path.name, "path": path.relative_to(root).as_posix(),
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_wacz(snippets: Iterable[Snippet], warc_dir: Path, destination: Path, *, title: str = "newsarchive export",
               index: CdxIndex | None = None, resources: Callable[[Snippet], Iterable[str]] | None = None,
               progress: Callable[[int], None] | None = None) -> int:
    """Package the snippets' records, index and pages into ``destination`` (written under a temporary name
    and renamed when complete); returns the number of pages. With ``index`` (the archive's CDXJ index), each
    page's response and the captures of the URLs ``resources`` names for it go in too."""
    from cdxj_indexer.main import CDXJIndexer

    with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
        root = Path(tmp)
        for directory in ("archive", "indexes", "pages"):
            (root / directory).mkdir()
        warc = root / "archive" / WARC_NAME
        packaged: list[Snippet] = []
        with warc.open("wb") as out:
            packer = _Packer(warc_dir, out, index)
            for snippet in snippets:
                packer.copy_page(snippet, resources(snippet) if resources and index else ())
                packaged.append(snippet)
                if progress:
                    progress(len(packaged))
        CDXJIndexer(output=str(root / "indexes" / "index.cdx"), inputs=[str(warc)], sort=True).process_all()
        with (root / "pages" / "pages.jsonl").open("w", encoding="utf-8") as pages:
            header = {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}
            pages.write(json.dumps(header) + "\n")
            for snippet in packaged:
                pages.write(json.dumps(_page(snippet), ensure_ascii=False) + "\n")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        files = [warc, root / "indexes" / "index.cdx", root / "pages" / "pages.jsonl"]
        package: dict[str, Any] = {
            "profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
            "description": f"{len(packaged)} article page(s) archived by newsarchive, with their extracted text "
                           f"and {packer.resources_found} capture(s) of what they need to render"
                           + (f" ({packer.resources_missing} not in the archive)" if packer.resources_missing else ""),
            "created": now, "modified": now, "software": f"newsarchive/{__version__}",
            "resources": [_resource(root, p) for p in files],
        }
        if packaged:
            package["mainPageUrl"] = packaged[0].url
            package["mainPageDate"] = _page(packaged[0])["ts"]
        (root / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8")
        digest = {"path": "datapackage.json",
                  "hash": "sha256:" + hashlib.sha256((root / "datapackage.json").read_bytes()).hexdigest()}
        (root / "datapackage-digest.json").write_text(json.dumps(digest, indent=2), encoding="utf-8")
        part = destination.with_name(destination.name + ".part")
        with zipfile.ZipFile(part, "w", allowZip64=True) as z:
            for path in [*files, root / "datapackage.json", root / "datapackage-digest.json"]:
                stored = path.parent.name == "archive"  # gzip already, and read by offset: never compressed again
                z.write(path, path.relative_to(root).as_posix(),
                        compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        part.replace(destination)
    return len(packaged)
