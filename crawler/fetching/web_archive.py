"""Asking a web archive for what it holds: the CDX server API (the Wayback Machine's, pywb's, Common Crawl's
index server) and the original bytes of each capture.

- Listing: ``url`` with ``matchType=prefix``, ``from`` and ``to`` (14-digit timestamps), ``output=json``.
  Paging is asked for with ``showNumPages=true``: a server that pages (the Wayback Machine, a zipnum index
  such as Common Crawl's) answers with a number of pages, read one ``page`` at a time; one that does not
  (pywb over CDXJ files) answers with the whole listing, which is then read as one page. Both JSON forms
  are read: an array of arrays whose first row names the fields (the Wayback Machine's) and one JSON object
  a line (pywb's), and plain space-separated CDX lines as a last resort.
- Fetching: the replay of a capture in ``id_`` mode (the archive's original bytes, its headers as
  ``X-Archive-Orig-*``), or, where the index gives ``filename``, ``offset`` and ``length`` and a data URL is
  known (Common Crawl), the capture's own WARC record by an HTTP range request: a byte-for-byte copy.
- Politeness: one request at a time with a delay between them (``delay``), and on 429, 503 or a time-out a
  wait that doubles (or what ``Retry-After`` asks for) before each of a few retries.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

logger = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_BODY = 64 * 1024 * 1024  # a capture larger than this is not fetched


class ArchiveUnavailable(RuntimeError):
    """The archive did not answer after every retry."""


class CaptureMissing(LookupError):
    """The archive has no capture where its index said there is one (a 404 for the capture)."""


@dataclass(frozen=True)
class Capture:
    """One line of a CDX listing: a capture of ``url`` at ``timestamp`` (14 digits, UTC)."""

    url: str
    timestamp: str
    status: str
    mime: str
    digest: str
    filename: str = ""
    offset: int | None = None
    length: int | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Capture:
        def number(name: str) -> int | None:
            value = row.get(name)
            return int(value) if value not in (None, "", "-") and str(value).isdigit() else None
        return cls(url=str(row.get("url") or row.get("original") or ""), timestamp=str(row.get("timestamp", "")),
                   status=str(row.get("status") or row.get("statuscode") or ""),
                   mime=str(row.get("mime") or row.get("mimetype") or ""), digest=str(row.get("digest", "")),
                   filename=str(row.get("filename") or ""), offset=number("offset"), length=number("length"))

    @property
    def iso_date(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def _rows(body: bytes) -> list[dict[str, Any]]:
    """The captures of one CDX answer, whichever of the three forms it takes."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return []
    if text.startswith("["):
        table = json.loads(text)
        if not table:
            return []
        names = [str(n) for n in table[0]]
        return [dict(zip(names, row, strict=False)) for row in table[1:]]
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
        elif line:  # CDX 11: urlkey timestamp original mimetype statuscode digest redirect meta length offset file
            parts = line.split(" ")
            if len(parts) >= 6:
                names = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "redirect", "meta",
                         "length", "offset", "filename"]
                rows.append(dict(zip(names, parts, strict=False)))
    return rows


class WebArchive:
    """One archive: its CDX endpoint, where its replay lives, and the pace of our requests to it."""

    def __init__(self, cdx_url: str, *, replay_url: str | None = None, data_url: str | None = None,
                 delay: float = 1.0, timeout: float = 30.0, retries: int = 4, user_agent: str = "newsarchive") -> None:
        self.cdx_url = cdx_url
        # pywb serves COLL/cdx beside COLL/TIMESTAMPid_/URL; the Wayback Machine's replay is named apart
        self.replay_url = (replay_url or cdx_url.rsplit("/cdx", 1)[0]).rstrip("/")
        self.data_url = data_url.rstrip("/") if data_url else None
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.http = urllib3.PoolManager(headers={"User-Agent": user_agent}, retries=False)
        self._last = 0.0
        self.requests = 0
        self.retried = 0

    def body(self, url: str, headers: dict[str, str] | None = None) -> tuple[urllib3.BaseHTTPResponse, bytes]:
        """A GET, paced and retried: the response and its body (as sent: no content decoding), at most
        ``MAX_BODY`` bytes. A 404 raises CaptureMissing; what still fails after the retries ArchiveUnavailable."""
        wait = max(self.delay, 1.0)
        for attempt in range(self.retries + 1):
            pause = self._last + self.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._last = time.monotonic()
            self.requests += 1
            try:
                response = self.http.request("GET", url, headers=headers, timeout=self.timeout,
                                             preload_content=False, redirect=False)
                body = response.read(MAX_BODY + 1, decode_content=False)
                response.release_conn()
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                retry_after = None
            else:
                if response.status == 404:
                    raise CaptureMissing(f"{url}: 404")
                if response.status not in RETRY_STATUSES:
                    if len(body) > MAX_BODY:
                        raise ArchiveUnavailable(f"{url}: more than {MAX_BODY} bytes")
                    return response, body
                problem = f"HTTP {response.status}"
                retry_after = response.headers.get("Retry-After")
            if attempt == self.retries:
                raise ArchiveUnavailable(f"{url}: {problem} (after {self.retries} retries)")
            seconds = float(retry_after) if retry_after and retry_after.isdigit() else wait
            logger.info("%s: %s; waiting %.0f s before retry %d", url, problem, seconds, attempt + 1)
            self.retried += 1
            time.sleep(min(seconds, 300.0))
            wait *= 2
        raise AssertionError("unreachable")

    # -- listing ----------------------------------------------------------------------------------------

    def _query(self, prefix: str, since: str | None, until: str | None, **extra: str) -> str:
        params = {"url": prefix, "matchType": "prefix", "output": "json", **extra}
        if since:
            params["from"] = since
        if until:
            params["to"] = until
        return f"{self.cdx_url}?{urlencode(params)}"

    def pages(self, prefix: str, since: str | None = None, until: str | None = None) -> int | None:
        """How many pages the listing has, or None when the server does not page."""
        _, body = self.body(self._query(prefix, since, until, showNumPages="true"))
        try:
            answer = json.loads(body)
        except ValueError:
            return None
        if isinstance(answer, int):
            return answer
        if isinstance(answer, dict) and isinstance(answer.get("pages"), int):
            return int(answer["pages"])
        return None

    def captures(self, prefix: str, since: str | None = None, until: str | None = None,
                 failed_pages: list[str] | None = None) -> Iterator[Capture]:
        """Every capture the index lists under ``prefix``, page by page; a page that fails after its retries
        is noted in ``failed_pages`` and the listing goes on with the next."""
        count = self.pages(prefix, since, until)
        if count is None:
            _, body = self.body(self._query(prefix, since, until))
            yield from (Capture.of(row) for row in _rows(body))
            return
        for page in range(count):
            url = self._query(prefix, since, until, page=str(page))
            try:
                _, body = self.body(url)
            except (ArchiveUnavailable, CaptureMissing) as exc:
                logger.info("CDX page %d skipped: %s", page, exc)
                if failed_pages is not None:
                    failed_pages.append(f"page {page}: {exc}")
                continue
            yield from (Capture.of(row) for row in _rows(body))

    # -- fetching ---------------------------------------------------------------------------------------

    def replay_of(self, capture: Capture) -> str:
        return f"{self.replay_url}/{capture.timestamp}id_/{quote(capture.url, safe=':/?#[]@!$&()*+,;=%~')}"

    def record_of(self, capture: Capture) -> tuple[str, bytes] | None:
        """The capture's own WARC record (a gzip member), by a range request under the data URL; None when
        the index does not say where it is or no data URL is known."""
        if not (self.data_url and capture.filename and capture.offset is not None and capture.length):
            return None
        url = f"{self.data_url}/{capture.filename.lstrip('/')}"
        end = capture.offset + capture.length - 1
        response, body = self.body(url, {"Range": f"bytes={capture.offset}-{end}"})
        if response.status != 206 or len(body) != capture.length:
            raise ArchiveUnavailable(f"{url}: asked for bytes {capture.offset}-{end}, got HTTP {response.status} "
                                     f"with {len(body)} bytes")
        return f"{url}#bytes={capture.offset}-{end}", body

    def replayed(self, capture: Capture) -> tuple[str, int, list[tuple[str, str]], bytes]:
        """The capture as the archive replays it in ``id_`` mode: (replay URL, status, the original headers,
        the body as stored)."""
        url = self.replay_of(capture)
        response, body = self.body(url, {"Accept-Encoding": "identity"})
        return url, response.status, original_headers(list(response.headers.items())), body


ARCHIVE_HEADERS = {"memento-datetime", "content-location", "date", "link", "content-length", "connection",
                   "transfer-encoding", "keep-alive", "server"}
ORIG_PREFIX = "x-archive-orig-"


def original_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The capture's own HTTP headers from a replay's: ``X-Archive-Orig-*`` unprefixed, the archive's own
    (its Date, Memento-Datetime, Link, Content-Location) dropped, the rest (Content-Type) kept."""
    out = []
    for name, value in headers:
        low = name.lower()
        if low.startswith(ORIG_PREFIX):
            original = name[len(ORIG_PREFIX):]
            if original.lower() not in ("content-length", "transfer-encoding", "connection"):
                out.append((original, value))
        elif low not in ARCHIVE_HEADERS:
            out.append((name, value))
    return out


class StreamedFile(io.RawIOBase):
    """A file on an HTTP server read as a stream, in constant memory: what ``read_source`` reads a Common Crawl
    file through without keeping it. A connection lost midway ends the stream early (``lost`` says where),
    which the reader reports as a file cut short."""

    def __init__(self, url: str, *, timeout: float = 60.0, user_agent: str = "newsarchive",
                 http: urllib3.PoolManager | None = None) -> None:
        self.url = url
        self.http = http or urllib3.PoolManager(headers={"User-Agent": user_agent}, retries=False)
        self.read_bytes = 0
        self.lost = ""
        try:
            self.response = self.http.request("GET", url, timeout=timeout, preload_content=False,
                                              decode_content=False, redirect=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ArchiveUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
        if self.response.status == 404:
            self.response.release_conn()
            raise CaptureMissing(f"{url}: 404")
        if self.response.status != 200:
            self.response.release_conn()
            raise ArchiveUnavailable(f"{url}: HTTP {self.response.status}")
        length = self.response.headers.get("Content-Length")
        self.size = int(length) if length and length.isdigit() else None

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.lost:
            return 0
        try:
            data = self.response.read(len(target), decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            self.lost = f"the connection was lost after {self.read_bytes} bytes ({type(exc).__name__})"
            return 0
        target[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.response.release_conn()
        super().close()
