"""WARC/1.1 writing: one gzip member per record, .open then rename, rotation (reading is archive.warc.read).

Records are serialised here rather than through warcio's writer so that the block bytes, the digests
(payload = de-chunked, still content-coded entity body) and the header hygiene are exactly ours; warcio
reads them back (archive.warc.read.read_response), which keeps every write checked by an independent
implementation.
"""

from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import logging
import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
DEFAULT_MAX_BYTES = 1_000_000_000  # WARC 1.1 Annex C recommends about 1 GB per file
OPEN_SUFFIX = ".open"
REVISIT_PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REVISIT_PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
COPIED_FROM = "copied-from"  # the warcinfo field that names the source of the copied records after it
HTTP_RESPONSE_TYPE = "application/http; msgtype=response"
HTTP_REQUEST_TYPE = "application/http; msgtype=request"
FILENAME_RE = re.compile(r"^(?P<prefix>[A-Za-z0-9_.]+)-(?P<ts>\d{14})-(?P<serial>\d{5})-(?P<host>[A-Za-z0-9_.]+)"
                         r"(?:-(?P<token>[a-z0-9]+))?\.warc\.gz$")
_UNSAFE_VALUE = re.compile(r"[\r\n\x00]+")

Header = tuple[bytes, bytes]


class WarcWriteError(RuntimeError):
    """Writing a record failed; the file was cut back to its last complete record."""


def sha1_digest(data: bytes) -> str:
    """A WARC digest label: ``sha1:`` and 32 uppercase base32 characters."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """W3C-ISO8601 in UTC with microseconds, as WARC 1.1 allows."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


_URI_SAFE = "%:/?#[]@!$&'()*+,;=~"  # RFC 3986 reserved characters and the escape itself


def _clean_value(value: str) -> str:
    """No CR, LF or NUL may reach a header line (rule A11 of archive.warc.verify)."""
    return _UNSAFE_VALUE.sub(" ", value).strip()


def _clean_header_bytes(value: bytes) -> bytes:
    return re.sub(rb"[\r\n\x00]+", b" ", value).strip()


def http_head(first_line: bytes, headers: Iterable[Header]) -> bytes:
    """The header block of an HTTP/1.1 message: start line, header lines, empty line."""
    lines = [first_line]
    lines += [_clean_header_bytes(name) + b": " + _clean_header_bytes(value) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def dechunk(body: bytes) -> bytes:
    """Remove HTTP/1.1 chunked framing; raises ValueError when the framing is broken."""
    out, pos = bytearray(), 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ValueError(f"chunk size line missing at byte {pos}")
        try:
            size = int(body[pos:end].split(b";")[0].strip(), 16)
        except ValueError as exc:
            raise ValueError(f"bad chunk size {body[pos:end][:20]!r} at byte {pos}") from exc
        pos = end + 2
        if size == 0:
            return bytes(out)
        out += body[pos : pos + size]
        if body[pos + size : pos + size + 2] != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        pos += size + 2


@dataclass(frozen=True)
class RecordPointer:
    """Where a record lives: file name (relative to the WARC directory), offset and length of its gzip member."""

    file: str
    offset: int
    length: int
    record_id: str


@dataclass
class WarcRecordSpec:
    """A record to write: its WARC header fields (without the four the writer adds) and its block."""

    record_type: str
    fields: list[tuple[str, str]]
    block: bytes
    content_type: str | None = None
    record_id: str = field(default_factory=new_record_id)

    def serialise(self, date: str) -> bytes:
        head = [("WARC-Type", self.record_type), ("WARC-Record-ID", self.record_id), ("WARC-Date", date)]
        head += self.fields
        if self.content_type and self.block:
            head.append(("Content-Type", self.content_type))
        head.append(("WARC-Block-Digest", sha1_digest(self.block)))
        head.append(("Content-Length", str(len(self.block))))
        text = WARC_VERSION + "\r\n" + "".join(f"{n}: {_clean_value(v)}\r\n" for n, v in head) + "\r\n"
        return text.encode("utf-8") + self.block + b"\r\n\r\n"


@dataclass
class HttpExchange:
    """One HTTP request/response as the client saw it, ready to be archived."""

    url: str
    method: bytes
    request_target: bytes
    request_headers: list[Header]
    request_body: bytes
    status: int
    reason: bytes
    response_headers: list[Header]
    payload: bytes  # entity body: transfer coding removed, content coding kept
    date: datetime
    ip_address: str | None = None
    protocol: bytes = b"HTTP/1.1"

    @property
    def payload_digest(self) -> str:
        return sha1_digest(self.payload)

    def request_block(self) -> bytes:
        line = self.method + b" " + self.request_target + b" " + self.protocol
        return http_head(line, self.request_headers) + self.request_body

    def response_head(self) -> bytes:
        line = self.protocol + b" " + str(self.status).encode() + b" " + self.reason
        return http_head(line, self.response_headers)


@dataclass(frozen=True)
class CaptureRef:
    """An earlier capture of a payload, the target of a revisit record."""

    record_id: str
    target_uri: str
    date: str


def target_uri(url: str) -> str:
    """An RFC 3986 URI for WARC-Target-URI: no fragment, spaces and non-ASCII percent-encoded (rule A6).

    Existing escapes are kept as they are, so the URI still names exactly what was requested.
    """
    url = url.split("#", 1)[0]
    return quote(url, safe=_URI_SAFE)


def exchange_records(exchange: HttpExchange, revisit_of: CaptureRef | None = None) -> list[WarcRecordSpec]:
    """The response (or revisit) record followed by its request record, linked by WARC-Concurrent-To.

    With ``revisit_of``, a 304 becomes a server-not-modified revisit (its block is the 304's header, and
    there is no payload to digest); any other status an identical-payload-digest revisit whose block is
    the response header with the body left out (``WARC-Truncated: length``).
    """
    common = [("WARC-Target-URI", target_uri(exchange.url))]
    if exchange.ip_address:
        common.append(("WARC-IP-Address", exchange.ip_address))
    if revisit_of is None:
        first = WarcRecordSpec("response", [*common, ("WARC-Payload-Digest", exchange.payload_digest)],
                               exchange.response_head() + exchange.payload, HTTP_RESPONSE_TYPE)
    else:
        refers = [("WARC-Refers-To", revisit_of.record_id), ("WARC-Refers-To-Target-URI", revisit_of.target_uri),
                  ("WARC-Refers-To-Date", revisit_of.date)]
        if exchange.status == 304:
            fields = [*common, ("WARC-Profile", REVISIT_PROFILE_NOT_MODIFIED), *refers]
        else:
            fields = [*common, ("WARC-Profile", REVISIT_PROFILE_IDENTICAL), *refers,
                      ("WARC-Payload-Digest", exchange.payload_digest), ("WARC-Truncated", "length")]
        first = WarcRecordSpec("revisit", fields, exchange.response_head(), HTTP_RESPONSE_TYPE)
    request_body = exchange.request_body
    request = WarcRecordSpec("request", [*common, ("WARC-Concurrent-To", first.record_id),
                                         ("WARC-Payload-Digest", sha1_digest(request_body))],
                             exchange.request_block(), HTTP_REQUEST_TYPE)
    return [first, request]


def conversion_record(url: str, refers_to: str, body: bytes, content_type: str) -> WarcRecordSpec:
    """A record derived from another by an archival process, linked to it by ``WARC-Refers-To``: the DOM of a
    page a browser rendered from its response record. WARC 1.1 §6.8 defines the ``conversion`` record as
    holding "an alternative version of another record's content that was created as the result of an
    archival process", and lists ``WARC-Refers-To`` as the link to that record (``WARC-Concurrent-To``, which
    says two records were captured together, is not allowed on it)."""
    fields = [("WARC-Target-URI", target_uri(url)), ("WARC-Refers-To", refers_to),
              ("WARC-Payload-Digest", sha1_digest(body))]
    return WarcRecordSpec("conversion", fields, body, content_type)


def screenshot_record(url: str, concurrent_to: str, png: bytes) -> WarcRecordSpec:
    """A screenshot of a rendered page as a ``resource`` record (WARC 1.1 §6.4: a resource "contains a resource,
    without full protocol response information"), named ``urn:view:URL`` as Browsertrix names its page views,
    so that replay never mistakes it for the page. ``WARC-Concurrent-To`` names the page's response record:
    the screenshot belongs to that capture. (``WARC-Refers-To`` is not allowed on a resource record.)"""
    fields = [("WARC-Target-URI", "urn:view:" + target_uri(url)), ("WARC-Concurrent-To", concurrent_to),
              ("WARC-Payload-Digest", sha1_digest(png))]
    return WarcRecordSpec("resource", fields, png, "image/png")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _safe_name_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", text) or "host"


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def warc_paths(root: Path, suffix: str = ".warc.gz") -> list[Path]:
    """The files under the WARC root: its own and those of each worker's directory (``DATA/warc/WORKER/``)."""
    return sorted([*root.glob("*" + suffix), *root.glob("*/*" + suffix)])


def warc_name(root: Path, path: Path) -> str:
    """How the store names a WARC file: its path under the WARC root ("NAME.warc.gz", "WORKER/NAME.warc.gz")."""
    return path.relative_to(root).as_posix()


class WarcFileWriter:
    """Writes records into rotating ``PREFIX-TIMESTAMP-SERIAL-HOST-TOKEN.warc.gz`` files.

    A file is written as ``NAME.open`` and renamed when closed (flush, fsync, rename, fsync of the
    directory), like Heritrix and warcprox, so a reader never sees a half-written file under a final name.
    """

    def __init__(self, directory: Path, prefix: str, info: dict[str, str], *,
                 max_bytes: int = DEFAULT_MAX_BYTES, hostname: str | None = None, fsync: bool = True,
                 subdir: str = "") -> None:
        subdir = re.sub(r"[^A-Za-z0-9_.-]", "_", subdir).strip(".")  # a name, never a way out of ``directory``
        self.directory = directory / subdir if subdir else directory
        self.label = f"{subdir}/" if subdir else ""  # pointers name files relative to ``directory``
        self.prefix = _safe_name_part(prefix)
        self.info = info
        self.max_bytes = max_bytes
        self.hostname = _safe_name_part(hostname or socket.gethostname())
        self.token = secrets.token_hex(3)  # two writers on one host never collide (rule A9)
        self.fsync = fsync
        self.serial = 0
        self.files_closed: list[str] = []
        self.bytes_written = 0
        self._fd: int | None = None  # unbuffered: after a failed write nothing waits in a buffer to go out
        self._pos = 0
        self._name = ""
        self._records_in_file = 0
        self._unsynced = False  # bytes written since the last fsync (only when fsync per write is off)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self._name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}-{self.token}.warc.gz"
        self.serial += 1
        path = self.directory / (self._name + OPEN_SUFFIX)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        # held until the file is closed: tells a repair run that a live writer owns this .open file
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._pos = 0
        self._records_in_file = 0
        fields = "".join(f"{k}: {_clean_value(v)}\r\n" for k, v in self.info.items())
        warcinfo = WarcRecordSpec("warcinfo", [("WARC-Filename", self._name)], fields.encode("utf-8"),
                                  "application/warc-fields")
        try:
            self._append([warcinfo], datetime.now(UTC))
        except WarcWriteError:
            os.close(self._fd)  # a file without its warcinfo record must not be written on
            self._fd = None
            path.unlink()
            raise

    def sync(self) -> None:
        """Make every record written so far durable: the group commit's fsync, when fsync per write is off."""
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
        self._unsynced = False

    def close(self) -> None:
        """Close and publish the current file (fsync, close, rename, fsync of the directory); safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.fsync(fd)
        self._unsynced = False
        os.close(fd)
        final = self.directory / self._name
        (self.directory / (self._name + OPEN_SUFFIX)).rename(final)
        fsync_dir(self.directory)
        self.files_closed.append(self._name)
        logger.info("closed WARC file %s", final)

    def _append(self, records: Sequence[WarcRecordSpec], when: datetime) -> list[RecordPointer]:
        date = warc_date(when)
        members = [gzip.compress(r.serialise(date), compresslevel=6, mtime=0) for r in records]
        return self._append_members(list(zip(members, [r.record_id for r in records], strict=True)))

    def _append_members(self, members: Sequence[tuple[bytes, str]]) -> list[RecordPointer]:
        """Write gzip members (each one record, with its record id) at the end of the file, all or none."""
        assert self._fd is not None
        start = self._pos
        pointers, offset = [], start
        try:
            for member, record_id in members:
                _write_all(self._fd, member)
                pointers.append(RecordPointer(self.label + self._name, offset, len(member), record_id))
                offset += len(member)
            if self.fsync:
                os.fsync(self._fd)
            else:
                self._unsynced = True
        except OSError as exc:
            os.ftruncate(self._fd, start)  # never leave a torn record behind
            os.lseek(self._fd, start, os.SEEK_SET)
            raise WarcWriteError(f"writing to {self._name} failed: {exc}") from exc
        self._pos = offset
        self._records_in_file += len(members)
        self.bytes_written += offset - start
        return pointers

    def _make_room(self, size: int) -> None:
        if self._fd is not None and self._records_in_file > 1 and self._pos + size > self.max_bytes:
            self.close()  # a group that would overflow starts a fresh file (rule A10)
        if self._fd is None:
            self._open()

    def write(self, records: Sequence[WarcRecordSpec], when: datetime) -> list[RecordPointer]:
        """Write records that belong together (a response and its request) into one file."""
        self._make_room(sum(len(r.block) for r in records))
        pointers = self._append(records, when)
        if self._pos >= self.max_bytes:
            self.close()
        return pointers

    def write_copy(self, member: bytes, record_id: str) -> RecordPointer:
        """Copy one record, already a gzip member of its own, byte for byte (an import's copy of another
        writer's record); the file's warcinfo record names where such copies come from."""
        self._make_room(len(member))
        (pointer,) = self._append_members([(member, record_id)])
        if self._pos >= self.max_bytes:
            self.close()
        return pointer

    def __enter__(self) -> WarcFileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
