"""Records of WARC and ARC files written by any tool (Heritrix, wget, Browsertrix, warcio, Common Crawl), read
from a file or a stream in constant memory, each with bytes to copy it by.

Three layouts are met in the wild, and each is read so that a copy keeps the source's bytes:

- **gzip, one record per member** (what WARC 1.1 Annex D recommends and nearly every writer does): each
  record comes with its member's compressed bytes, copied as they are, so its gzip framing and digests hold.
- **gzip, several records in a member** (a file compressed whole): each record's uncompressed bytes are kept
  whole and given a gzip member of their own.
- **uncompressed WARC**: likewise, each record's bytes as they are, in a member of their own.

ARC files (the format before WARC) are read through warcio's conversion to WARC: an ARC record has no WARC
bytes to keep, so its copy is warcio's WARC rendering of it (marked ``converted``), with a record id derived
from the ARC record's own bytes so that importing it twice gives the same id.

A member that cannot be decompressed is skipped up to the next gzip header and reported with its offset; a
member that holds no WARC record, a record bigger than ``MAX_RECORD_BYTES`` and a file cut short likewise.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import BufferWARCWriter

from archive.warc.read import MalformedRecord, WarcRecord, parse_record, unbracketed

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 16
MAX_RECORD_BYTES = 256 * 1024 * 1024  # a gzip member (or uncompressed record) bigger than this is skipped
ARC_NAMESPACE = uuid.UUID("6f1b3c52-4e0a-4d0b-9a57-2f0c6f3a1e11")  # ids of converted ARC records


@dataclass
class Damage:
    """A part of a source that could not be read: where, and why."""

    offset: int
    reason: str


@dataclass
class SourceReport:
    """What reading one source gave: records read and the parts skipped."""

    records: int = 0
    damaged: list[Damage] = field(default_factory=list)

    def damage(self, offset: int, reason: str) -> None:
        self.damaged.append(Damage(offset, reason))


@dataclass
class SourceRecord:
    """One record of a source file, with the gzip member to copy it as."""

    offset: int  # where it starts in the source (its gzip member's start, for a gzip file)
    length: int  # bytes of the source it took (its member's, or its own uncompressed length)
    member: bytes  # a gzip member holding exactly this record: the source's own where it was one
    parsed: WarcRecord  # its WARC fields and block, as archive.warc.read parses a record
    converted: bool = False  # an ARC record rendered as WARC by warcio
    origin: str = ""  # where it came from when that is not the file read (a capture fetched from a web archive)

    def __post_init__(self) -> None:
        self._fields = {name.lower(): value for name, value in self.parsed.fields.items()}

    @property
    def type(self) -> str:
        return self.header("WARC-Type")

    def header(self, name: str) -> str:
        """A WARC field (any case, as WARC field names are)."""
        return self._fields.get(name.lower(), "")

    @property
    def record_id(self) -> str:
        return self.header("WARC-Record-ID")

    @property
    def target_uri(self) -> str:
        return unbracketed(self.header("WARC-Target-URI"))

    @property
    def date(self) -> str:
        return self.header("WARC-Date")

    @property
    def http_status(self) -> int | None:
        return self.parsed.http_status if self.type in ("response", "revisit") else None

    def http_header(self, name: str) -> str:
        return self.parsed.http_header(name) if self.type in ("response", "revisit", "request") else ""


def _brief(exc: BaseException) -> str:
    """An exception's message cut to one short line (warcio quotes whole lines of binary in some)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 120 else text[:117] + "..."


def _member(record_bytes: bytes) -> bytes:
    return gzip.compress(record_bytes, compresslevel=6, mtime=0)


def _converted(record: ArcWarcRecord, payload: bytes, original: bytes) -> bytes:
    """An ARC record rendered as an uncompressed WARC record by warcio, its id derived from the ARC bytes."""
    writer = BufferWARCWriter(gzip=False, warc_version="1.1")
    headers = record.rec_headers
    derived = uuid.uuid5(ARC_NAMESPACE, hashlib.sha1(original).hexdigest())
    headers.replace_header("WARC-Record-ID", f"<urn:uuid:{derived}>")
    uri = headers.get_header("WARC-Target-URI")
    copy = writer.create_warc_record(uri, record.rec_type, payload=io.BytesIO(payload), warc_headers=headers,
                                     http_headers=record.http_headers)
    writer.write_record(copy)
    return bytes(writer.get_contents())


def _is_arc(original: bytes) -> bool:
    """Whether a record's bytes are an ARC record (warcio hands it over converted, as a WARC one)."""
    return not original.startswith(b"WARC/")


def _check_record(original: bytes, iterator: ArchiveIterator, errors_before: int) -> None:
    """Raise ValueError unless the bytes warcio parsed are a WARC record, or an ARC record with a header line
    as ARC writes it, followed by the blank lines that end a record. warcio reads nearly anything as an ARC
    record and only warns when a record's length was wrong; an import takes neither."""
    if _is_arc(original):
        fields = original[: original.find(b"\n")].split()
        if len(fields) < 5 or not fields[-1].isdigit() or not (fields[2].isdigit() and 8 <= len(fields[2]) <= 18):
            raise ValueError("neither a WARC record nor an ARC record")
    if iterator.err_count > errors_before:
        raise ValueError("the record's Content-Length does not match its bytes")


@contextmanager
def _quiet() -> Iterator[None]:
    """warcio writes its warnings to stderr: they would garble a progress line, and the import reports them."""
    with redirect_stderr(io.StringIO()):
        yield


def _parse(original: bytes, offset: int) -> WarcRecord:
    """Our parse of one record's uncompressed WARC bytes; ValueError when they hold no record."""
    try:
        return parse_record(offset, len(original), original)
    except MalformedRecord as exc:
        raise ValueError(str(exc)) from exc


def _single_record(data: bytes, offset: int) -> WarcRecord | None:
    """The record of a member that holds exactly one WARC record (nearly every member of every file), read
    without warcio; None for anything else (an ARC record, several records, a damaged one)."""
    if not data.startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n")):
        return None
    try:
        record = parse_record(offset, len(data), data)
    except MalformedRecord:
        return None
    if any(rule == "A1" for rule, _ in record.problems):  # more bytes than one record: split by warcio
        return None
    return record


def _records_in(data: bytes, offset: int, member: bytes | None, report: SourceReport) -> Iterator[SourceRecord]:
    """The records of a stretch of uncompressed bytes that began at ``offset`` of the source; ``member`` is
    the gzip member they came in (kept as the copy when it holds exactly one WARC record)."""
    if member is not None and (single := _single_record(data, offset)) is not None:
        report.records += 1
        yield SourceRecord(offset, len(member), member, single)
        return
    parsed: list[tuple[bytes, int, int, bool]] = []  # copy, start, end, arc
    try:
        with _quiet():
            iterator = ArchiveIterator(io.BytesIO(data), arc2warc=True, ensure_http_headers=False)
            for record in iterator:
                errors = iterator.err_count
                payload = record.raw_stream.read()  # before the offset: asking for it reads the record to its end
                iterator.read_to_end(record)
                start = iterator.get_record_offset()
                end = start + iterator.get_record_length()
                original = data[start:end]
                _check_record(original, iterator, errors)
                arc = _is_arc(original)
                parsed.append((_converted(record, payload, original) if arc else original, start, end, arc))
        records = [(_parse(copy, offset + start), copy, start, end, arc) for copy, start, end, arc in parsed]
    except (ArchiveLoadFailed, ValueError, EOFError) as exc:
        report.damage(offset, f"not a readable WARC or ARC record ({_brief(exc)})")
        return
    whole = member is not None and len(records) == 1 and not records[0][4]
    for record, copy, start, end, arc in records:
        report.records += 1
        yield SourceRecord(offset if member is not None else offset + start,
                           len(member) if member is not None else end - start,
                           member if whole and member is not None else _member(copy), record, converted=arc)


def _gzip_members(stream: BinaryIO, report: SourceReport) -> Iterator[tuple[int, bytes, bytes]]:
    """(offset, compressed bytes, uncompressed bytes) of each gzip member of a stream. A member that does not
    decompress is reported and skipped up to the next gzip header after its start."""
    buf = bytearray()
    base = 0  # the source offset of buf[0]
    ended = False

    def fill() -> bool:
        nonlocal ended
        if ended:
            return False
        chunk = stream.read(CHUNK)
        if not chunk:
            ended = True
            return False
        buf.extend(chunk)
        return True

    while buf or fill():
        inflater = zlib.decompressobj(wbits=31)
        out: list[bytes] = []
        size = pos = 0
        try:
            while not inflater.eof:
                if pos == len(buf) and not fill():
                    report.damage(base, "the file ends inside a gzip member")
                    return
                piece = inflater.decompress(bytes(buf[pos:]))
                pos = len(buf)
                size += len(piece)
                out.append(piece)
                if size > MAX_RECORD_BYTES:
                    raise ValueError(f"a gzip member of more than {MAX_RECORD_BYTES} bytes")
        except (zlib.error, ValueError) as exc:
            report.damage(base, f"unreadable gzip member ({_brief(exc)})")
            at = buf.find(GZIP_MAGIC, 1)
            while at < 0:
                keep = len(buf) - (len(GZIP_MAGIC) - 1)  # a header may straddle two reads
                if keep > 1:
                    del buf[:keep]
                    base += keep
                if not fill():
                    return
                at = buf.find(GZIP_MAGIC, 1)
            del buf[:at]
            base += at
            continue
        used = pos - len(inflater.unused_data)
        member = bytes(buf[:used])
        del buf[:used]
        yield base, member, b"".join(out)
        base += used


class _Recording(io.RawIOBase):
    """A stream that keeps what was read from it since the last ``take``, so that the bytes of an
    uncompressed record can be copied after warcio parsed it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.kept = bytearray()
        self.base = 0  # the source offset of kept[0]

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(target))
        target[: len(data)] = data
        self.kept.extend(data)
        if len(self.kept) > MAX_RECORD_BYTES + CHUNK * 16:
            raise ValueError(f"a record of more than {MAX_RECORD_BYTES} bytes")
        return len(data)

    def take(self, start: int, end: int) -> bytes:
        """The bytes of [start, end) of the source, then forget everything before ``end``."""
        data = bytes(self.kept[start - self.base : end - self.base])
        del self.kept[: end - self.base]
        self.base = end
        return data


def _plain_records(stream: BinaryIO, first: bytes, report: SourceReport) -> Iterator[SourceRecord]:
    """The records of an uncompressed WARC or ARC stream (``first``: its bytes already read)."""
    recording = _Recording(_Chain(first, stream))  # type: ignore[arg-type]
    iterator = ArchiveIterator(recording, arc2warc=True, ensure_http_headers=False, block_size=CHUNK)
    start = 0
    records = iter(iterator)
    try:
        while True:
            with _quiet():
                errors = iterator.err_count
                record = next(records, None)
                if record is None:
                    return
                payload = record.raw_stream.read()  # before the offset: asking for it reads the record to its end
                iterator.read_to_end(record)
                start = iterator.get_record_offset()
                end = start + iterator.get_record_length()
                original = recording.take(start, end)
                _check_record(original, iterator, errors)
                arc = _is_arc(original)
                copy = _converted(record, payload, original) if arc else original
                parsed = _parse(copy, start)
            report.records += 1
            yield SourceRecord(start, end - start, _member(copy), parsed, converted=arc)
    except (ArchiveLoadFailed, ValueError, EOFError) as exc:
        report.damage(start, f"not a readable WARC or ARC record; the rest of the file is skipped ({_brief(exc)})")


class _Chain(io.RawIOBase):
    """Bytes already read from a stream, then the rest of it."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.head:
            n = min(len(target), len(self.head))
            target[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.stream.read(len(target))
        target[: len(data)] = data
        return len(data)


def read_source(stream: BinaryIO, report: SourceReport) -> Iterator[SourceRecord]:
    """Every readable record of a WARC or ARC stream, gzip-compressed or not, in order; what cannot be read
    is in ``report``. Memory is bounded by one record, whatever the stream's size."""
    first = stream.read(len(GZIP_MAGIC))
    if first.startswith(GZIP_MAGIC[:2]):
        for offset, member, data in _gzip_members(_Chain(first, stream), report):  # type: ignore[arg-type]
            yield from _records_in(data, offset, member, report)
    elif first:
        yield from _plain_records(stream, first, report)
