"""Reading WARC files back: record by record as this project writes them (one record per gzip member), and
one response by its pointer.

The verifier, salvage and re-extraction walk files through ``iter_records``; it keeps each record's exact
bytes and offsets, which a general reader hides, and notes what is malformed instead of guessing past it.
``read_response`` parses one record with warcio, so every write is read back by an independent
implementation too.
"""

from __future__ import annotations

import io
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from archive.warc.write import COPIED_FROM

CHUNK = 1 << 20
REPEATABLE = {"WARC-Concurrent-To"}  # the only WARC field this project's records may carry twice


class TornMemberError(ValueError):
    """The file ends inside a gzip member."""


class MalformedRecord(ValueError):
    """A gzip member that holds no readable WARC record; ``check`` names the rule it breaks."""

    def __init__(self, check: str, offset: int, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.offset = offset


@dataclass
class WarcRecord:
    """One record: where its gzip member lies, its WARC fields, its block, and what is wrong with it."""

    offset: int
    length: int
    fields: dict[str, str]
    block: bytes
    problems: list[tuple[str, str]] = field(default_factory=list)  # (rule, message), e.g. ("A11", "folded ...")
    version: str = "WARC/1.1"  # WARC/1.0 only in records copied from another archive's files

    @property
    def type(self) -> str:
        return self.fields.get("WARC-Type", "")

    @property
    def http_head(self) -> bytes:
        """The HTTP status or request line and headers of the block (empty when it has none)."""
        end = self.block.find(b"\r\n\r\n")
        return self.block[:end] if end >= 0 else b""

    @property
    def http_status(self) -> int | None:
        """The status code of a response block; None for anything else."""
        parts = self.block[:self.block.find(b"\r\n")].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            return None
        return int(parts[1])

    def http_header(self, name: str) -> str:
        """The first value of an HTTP header of the block, '' when absent."""
        wanted = name.lower().encode("ascii")
        for line in self.http_head.split(b"\r\n")[1:]:
            key, sep, value = line.partition(b":")
            if sep and key.strip().lower() == wanted:
                return value.strip().decode("latin-1")
        return ""


def iter_members(f: BinaryIO, chunk: int = CHUNK) -> Iterator[tuple[int, int, bytes]]:
    """Yield (offset, length, decompressed bytes) for each gzip member of a stream, offsets counted from where
    the stream stands; ``chunk`` is how much is read at a time (small to read a few records of a large file)."""
    offset, pending = 0, b""
    while True:
        if not pending:
            pending = f.read(chunk)
            if not pending:
                return
        member = zlib.decompressobj(wbits=31)
        out, fed = [], 0
        data = pending
        while True:
            out.append(member.decompress(data))
            fed += len(data)
            if member.eof:
                break
            data = f.read(chunk)
            if not data:
                raise TornMemberError(f"file ends inside the gzip member at offset {offset}")
        pending = member.unused_data
        length = fed - len(pending)
        yield offset, length, b"".join(out)
        offset += length


def parse_record(offset: int, length: int, data: bytes) -> WarcRecord:
    """The record in one decompressed gzip member; raises MalformedRecord when there is none to read.

    This project writes WARC/1.1; a WARC/1.0 record (wget's, Heritrix's, Common Crawl's, copied by an import)
    is read the same way, its version kept for the verifier to judge."""
    version = data[:10]
    if version not in (b"WARC/1.1\r\n", b"WARC/1.0\r\n"):
        raise MalformedRecord("A1", offset, "member does not start with a WARC/1.1 (or 1.0) header")
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise MalformedRecord("A1", offset, "record header has no end")
    fields: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    names: Counter[str] = Counter()
    for line in data[10:end].decode("utf-8", "replace").split("\r\n"):
        if line[:1] in (" ", "\t"):
            problems.append(("A11", f"folded header line {line!r}"))
            continue
        name, sep, value = line.partition(":")
        if not sep:
            problems.append(("A11", f"header line without a colon {line!r}"))
            continue
        if "\x00" in value or "\n" in value or "\r" in value:
            problems.append(("A11", f"control character in {name}"))
        names[name] += 1
        fields.setdefault(name, value.strip())
    problems += [("A3", f"{name} repeated") for name, count in names.items()
                 if count > 1 and name not in REPEATABLE]
    try:
        size = int(fields["Content-Length"])
    except (KeyError, ValueError):
        raise MalformedRecord("A3", offset, "missing or bad Content-Length") from None
    block = data[end + 4 : end + 4 + size]
    if len(block) != size or data[end + 4 + size :] != b"\r\n\r\n":
        problems.append(("A1", "block length or record end wrong (one record per gzip member)"))
    return WarcRecord(offset, length, fields, block, problems, version[:8].decode("ascii"))


def unbracketed(uri: str) -> str:
    """A URI as WARC 1.1 writes it: WARC 1.0's examples, and wget, put it in angle brackets."""
    return uri[1:-1] if uri.startswith("<") and uri.endswith(">") else uri


def starts_copies(rec: WarcRecord) -> bool:
    """Whether a record is the warcinfo record an import writes before the records it copies from a source."""
    return rec.type == "warcinfo" and rec.version == "WARC/1.1" and \
        any(line.startswith(COPIED_FROM + ":") for line in rec.block.decode("utf-8", "replace").splitlines())


def iter_records(path: Path, *, skip_malformed: bool = False) -> Iterator[WarcRecord]:
    """Every record of a file in order. Where the file stops being readable, TornMemberError or zlib.error
    is raised after the records before that point; so is MalformedRecord, unless ``skip_malformed``."""
    with path.open("rb") as f:
        for offset, length, data in iter_members(f):
            try:
                yield parse_record(offset, length, data)
            except MalformedRecord:
                if not skip_malformed:
                    raise


@dataclass
class ArchivedResponse:
    """A response or revisit record read back: its WARC fields, HTTP status and headers, and bodies."""

    warc_headers: dict[str, str]
    status: int
    http_headers: list[tuple[str, str]]
    payload: bytes  # as stored (content-coded)
    body: bytes  # content coding removed, what a parser needs


def read_response(path: Path, offset: int) -> ArchivedResponse:
    """Read the response record (or the conversion record of a rendered page) whose gzip member starts at
    ``offset`` of ``path``."""
    with path.open("rb") as f:
        f.seek(offset)
        member = zlib.decompressobj(wbits=31)
        raw = member.decompress(f.read(1 << 16))
        while not member.eof:
            chunk = f.read(1 << 20)
            if not chunk:
                raise ValueError(f"{path.name}@{offset}: truncated record")
            raw += member.decompress(chunk)
    return parse_response(raw, f"{path.name}@{offset}")


def plain_body(raw: bytes) -> tuple[bytes, str | None] | None:
    """The body and Content-Type of a response record whose body is stored as it is meant to be read (no
    Content-Encoding, no chunked Transfer-Encoding), parsed without warcio; None for any other record."""
    try:
        record = parse_record(0, len(raw), raw)
    except MalformedRecord:
        return None
    return plain_body_of(record)


def plain_body_of(record: WarcRecord) -> tuple[bytes, str | None] | None:
    """``plain_body`` of a record parsed already."""
    if record.type != "response" or record.problems or record.http_status is None:
        return None
    if record.http_header("Content-Encoding").strip().lower() not in ("", "identity") or \
            "chunked" in record.http_header("Transfer-Encoding").lower():
        return None
    end = record.block.find(b"\r\n\r\n")
    return record.block[end + 4 :], record.http_header("Content-Type") or None


def parse_response(raw: bytes, where: str) -> ArchivedResponse:
    """The response (or conversion) record in the uncompressed bytes of one record; ``where`` names it in
    errors. A record copied from another writer may be WARC/1.0 and name its target in angle brackets."""
    record = next(iter(ArchiveIterator(io.BytesIO(raw))))
    headers = dict(record.rec_headers.headers)
    if record.rec_type == "conversion":  # a rendered page's DOM: no HTTP head, the block is the document
        block = record.content_stream().read()
        return ArchivedResponse(headers, 200, [("Content-Type", headers.get("Content-Type", ""))], block, block)
    if record.rec_type not in ("response", "revisit"):
        raise ValueError(f"{where} is a {record.rec_type} record, not a response")
    http = record.http_headers
    body = record.content_stream().read()
    stored = raw[raw.index(b"\r\n\r\n") + 4 :]  # WARC header end
    stored = stored[: int(headers["Content-Length"])]
    payload = stored[stored.index(b"\r\n\r\n") + 4 :] if b"\r\n\r\n" in stored else b""
    return ArchivedResponse(headers, int(http.get_statuscode()), list(http.headers), payload, body)
