"""Selected articles as a WACZ 1.1.1 package, for sharing: a file that ReplayWeb.page, pywb or a colleague's
tools open on their own.

The package holds, for each selected snippet, the WARC response record it was cleaned from and the request
record written with it, copied byte for byte (their digests still hold), preceded by the warcinfo record of
each WARC file they come from; a CDXJ index of them (cdxj-indexer, the reference indexer), named
``indexes/index.cdx`` as pywb's importer expects; the pages, each
with its title and extracted text, in ``pages/pages.jsonl``; and ``datapackage.json`` with the size and
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

from archive import __version__
from archive.store.snippets import Snippet
from archive.warc.read import MalformedRecord, TornMemberError, iter_members, parse_record

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
READ_CHUNK = 1 << 16  # a record or two at a time: most are a few dozen kilobytes


def _members(f: BinaryIO, offset: int, exchange: bool) -> bytes:
    """The compressed bytes of the record whose gzip member starts at ``offset``, and with ``exchange`` those
    of the request record written right after a response (when it is that response's)."""
    f.seek(offset)
    members = iter_members(f, chunk=READ_CHUNK)
    _, length, data = next(members)
    size = length
    if exchange:
        response = parse_record(offset, length, data)
        try:
            _, request_length, request_data = next(members)
            request = parse_record(offset + length, request_length, request_data)
        except (StopIteration, TornMemberError, MalformedRecord, zlib.error):
            request = None  # the last record of a file: the response stands alone
        if request is not None and request.fields.get("WARC-Concurrent-To") == response.fields.get("WARC-Record-ID"):
            size += request_length
    f.seek(offset)
    return f.read(size)


def _copy_records(snippets: Iterable[Snippet], warc_dir: Path, out: BinaryIO,
                  progress: Callable[[int], None] | None) -> list[Snippet]:
    """Copy each snippet's response record (and its request record) once; returns the snippets packaged."""
    packaged: list[Snippet] = []
    copied: set[tuple[str, int]] = set()
    infos: set[str] = set()
    for snippet in snippets:
        key = (snippet.warc_file, snippet.warc_offset)
        with (warc_dir / snippet.warc_file).open("rb") as f:
            if snippet.warc_file not in infos:  # where the records come from: the crawl's software and settings
                infos.add(snippet.warc_file)
                out.write(_members(f, 0, exchange=False))
            if key not in copied:
                copied.add(key)
                out.write(_members(f, snippet.warc_offset, exchange=True))
        packaged.append(snippet)
        if progress:
            progress(len(packaged))
    return packaged


def _page(snippet: Snippet) -> dict[str, Any]:
    ts = datetime.fromisoformat(snippet.fetched_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": snippet.warc_record_id.strip("<>").removeprefix("urn:uuid:"), "url": snippet.url, "ts": ts,
            "title": snippet.title, "text": snippet.text}


def _resource(root: Path, path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"name": path.name, "path": path.relative_to(root).as_posix(),
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_wacz(snippets: Iterable[Snippet], warc_dir: Path, destination: Path, *, title: str = "newsarchive export",
               progress: Callable[[int], None] | None = None) -> int:
    """Package the snippets' records, index and pages into ``destination`` (written under a temporary name
    and renamed when complete); returns the number of pages."""
    from cdxj_indexer.main import CDXJIndexer

    with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
        root = Path(tmp)
        for directory in ("archive", "indexes", "pages"):
            (root / directory).mkdir()
        warc = root / "archive" / WARC_NAME
        with warc.open("wb") as out:
            packaged = _copy_records(snippets, warc_dir, out, progress)
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
            "description": f"{len(packaged)} article page(s) archived by newsarchive, with their extracted text",
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
