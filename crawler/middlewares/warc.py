"""WarcRecorderMiddleware: every HTTP exchange written as a WARC request/response (or revisit) pair.

It sits at priority 950, nearer the wire than HttpCompressionMiddleware (590) and RedirectMiddleware
(600), so it sees bodies still gzip-coded, every redirect hop, robots.txt and error pages. Scrapy has
already removed chunked framing and the Transfer-Encoding/Connection headers (its HTTP/1.1 client
de-chunks the body and drops both from response.headers), so the
recorded headers describe the de-chunked body that is stored, and the payload digest is over that body.
"""

from __future__ import annotations

import http
import logging
import platform
import socket
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive import __version__
from archive.store.snippet_store import SnippetStore, UrlState
from archive.warc.write import (
    CaptureRef,
    HttpExchange,
    WarcFileWriter,
    WarcWriteError,
    exchange_records,
    target_uri,
    warc_date,
)
from crawler.cleaning.capture import RECORD_META, RecordPointer
from crawler.core.responses import header_text
from crawler.core.spider_contract import ArchiveSpider
from crawler.middlewares.archive_writer import ArchiveWriter, archive_writer

logger = logging.getLogger(__name__)

DROPPED_BY_CLIENT = {b"transfer-encoding", b"connection"}  # Scrapy's client removed these: they lie now


def _request_target(url: str) -> bytes:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target.encode("ascii", "replace")


def _headers(headers: Any) -> list[tuple[bytes, bytes]]:
    """All values of every header (getlist keeps repeated Set-Cookie/Link lines apart)."""
    return [(bytes(name), bytes(value)) for name in headers for value in headers.getlist(name)]


def warcinfo_fields(crawler: Crawler) -> dict[str, str]:
    """The warcinfo block: software, operator, robots policy, user agent and the crawl settings."""
    s = crawler.settings
    return {
        "software": f"newsarchive/{__version__} (Scrapy/{scrapy.__version__}; warcio/{version('warcio')}; "
                    f"Python/{platform.python_version()})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "operator": s.get("NEWSARCHIVE_OPERATOR") or s.get("NEWSARCHIVE_CONTACT") or "not configured",
        "hostname": socket.gethostname(),
        "robots": "classic" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": s.get("USER_AGENT"),
        "isPartOf": s.get("NEWSARCHIVE_RUN_ID"),
        "description": "crawl settings: " + "; ".join(
            f"{k}={s.get(k)}" for k in ("DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN", "AUTOTHROTTLE_ENABLED",
                                        "DOWNLOAD_MAXSIZE", "WARC_MAX_BYTES", "WARC_DEDUP")),
    }


class WarcRecorderMiddleware:
    """Archives each response with the request that produced it; a write failure never costs the crawl."""

    def __init__(self, crawler: Crawler, archive: ArchiveWriter, writer: WarcFileWriter, dedup: bool = True) -> None:
        self.crawler = crawler
        self.archive = archive  # group commit: the WARC file synced, then the store committed
        self.writer = writer
        self.store: SnippetStore = archive.store  # payload-digest index for revisits, and what was fetched
        self.dedup = dedup

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorderMiddleware:
        s = crawler.settings
        if not s.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        data = Path(s.get("NEWSARCHIVE_DATA"))
        spider = crawler.spider
        own_prefix = spider.warc_prefix if isinstance(spider, ArchiveSpider) else ""
        prefix = s.get("WARC_PREFIX") or own_prefix or "newsarchive"
        archive = archive_writer(crawler)
        writer = archive.warc_writer(lambda fsync: WarcFileWriter(
            data / "warc", prefix, warcinfo_fields(crawler), max_bytes=s.getint("WARC_MAX_BYTES"), fsync=fsync,
            subdir=s.get("WARC_SUBDIR") or ""))
        return cls(crawler, archive, writer, s.getbool("WARC_DEDUP"))

    def _exchange(self, request: Request, response: Response) -> HttpExchange:
        req_headers = _headers(request.headers)
        if not any(name.lower() == b"host" for name, _ in req_headers):
            req_headers.insert(0, (b"Host", urlsplit(request.url).netloc.encode("idna")))
        resp_headers = [(n, v) for n, v in _headers(response.headers) if n.lower() not in DROPPED_BY_CLIENT]
        try:
            reason = http.HTTPStatus(response.status).phrase.encode()
        except ValueError:
            reason = b""
        ip = response.ip_address
        return HttpExchange(
            url=response.url,
            method=request.method.encode(),
            request_target=_request_target(request.url),
            request_headers=req_headers,
            request_body=request.body,
            status=response.status,
            reason=reason,
            response_headers=resp_headers,
            payload=response.body,
            date=datetime.now(UTC),
            ip_address=str(ip) if ip is not None else None,
        )

    def _revisit_target(self, exchange: HttpExchange) -> CaptureRef | None:
        """The earlier capture this response repeats: a 304's last full capture, or an identical 200 body."""
        if exchange.status == 304:
            state = self.store.url_state(target_uri(exchange.url))
            return state.ref if state else None
        if self.dedup and exchange.status == 200 and exchange.payload:
            return self.store.find_capture(exchange.payload_digest)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        stats = self.crawler.stats
        exchange = self._exchange(request, response)
        digest = exchange.payload_digest
        original = self._revisit_target(exchange)
        try:
            records = exchange_records(exchange, revisit_of=original)
            pointers = self.writer.write(records, exchange.date)
        except WarcWriteError as exc:
            logger.error("WARC write failed for %s: %s", response.url, exc)
            if stats:
                stats.inc_value("warc/write_errors")
            return response
        record = pointers[0]
        if stats:
            stats.inc_value(f"warc/records/{records[0].record_type}")
            if urlsplit(response.url).path == "/robots.txt":
                stats.inc_value("pages/robots")
            if response.status == 304:
                stats.inc_value("warc/records/not_modified")
        uri = target_uri(exchange.url)
        ref = original
        if original is None and response.status == 200 and exchange.payload:
            ref = CaptureRef(record.record_id, uri, warc_date(exchange.date))
            if self.dedup:
                self.store.add_capture(digest, ref, record.file, record.offset)
        location = response.headers.get("Location")
        self.store.record_fetch(UrlState(
            url=uri, site=str(request.meta.get("site") or self._site()),
            status=response.status, fetched_at=exchange.date.isoformat(),
            run_id=str(self.crawler.settings.get("NEWSARCHIVE_RUN_ID")),
            location=urljoin(response.url, location.decode("latin-1")) if location else None,
            etag=header_text(response, b"ETag"), last_modified=header_text(response, b"Last-Modified"),
            ref=ref if response.status in (200, 304) else None))
        if original is None:
            file, offset, length, record_id = record.file, record.offset, record.length, record.record_id
        else:  # a revisit: the snippet points at the original's response record
            file, offset = self.store.capture_location(original.record_id) or (record.file, record.offset)
            length, record_id = 0, original.record_id
        request.meta[RECORD_META] = RecordPointer(file, offset, length, record_id, digest, exchange.date.isoformat())
        self.archive.wrote()
        return response


    def _site(self) -> str:
        spider = self.crawler.spider
        return spider.site_name if isinstance(spider, ArchiveSpider) else ""

