"""A web archive of our own on 127.0.0.1 for the backfill tests: a CDX server that pages as the Wayback
Machine's does (``showNumPages``, ``page``, ``output=json`` as an array of arrays), some of whose pages
stall or fail on purpose, and WARC files served with HTTP range requests under ``/data/`` as Common Crawl
serves its own."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length", "offset", "filename"]


class WebArchiveServer:
    """``rows``: the captures the CDX server lists (dicts with the FIELDS), ``page_size`` of them a page;
    ``stall``: page -> how many times it answers only after ``stall_seconds``; ``fail``: pages that always
    answer 503; ``data``: the directory served under /data/ (with Range)."""

    def __init__(self, rows: list[dict[str, Any]], data: Path, page_size: int = 5,
                 stall: dict[int, int] | None = None, stall_seconds: float = 3.0, fail: set[int] | None = None) -> None:
        self.requests: list[str] = []
        stalls = dict(stall or {})
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path == "/cdx":
                    self._cdx(parse_qs(parts.query))
                elif parts.path.startswith("/data/"):
                    self._data(data / parts.path[len("/data/"):])
                else:
                    self._answer(404, b"not here")

            def _cdx(self, query: dict[str, list[str]]) -> None:
                prefix = query.get("url", [""])[0]
                listed = [r for r in rows if r["original"].startswith(prefix)]
                pages = max(1, -(-len(listed) // page_size))
                if query.get("showNumPages") == ["true"]:
                    self._answer(200, str(pages).encode(), "text/plain")
                    return
                page = int(query.get("page", ["0"])[0])
                if page in (fail or set()):
                    self._answer(503, b"busy", "text/plain")
                    return
                if stalls.get(page, 0) > 0:
                    stalls[page] -= 1
                    time.sleep(stall_seconds)
                chunk = listed[page * page_size : (page + 1) * page_size]
                table = [FIELDS] + [[str(r[f]) for f in FIELDS] for r in chunk]
                self._answer(200, json.dumps(table).encode(), "application/json")

            def _data(self, path: Path) -> None:
                if not path.is_file():
                    self._answer(404, b"no such file")
                    return
                blob = path.read_bytes()
                wanted = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
                if wanted is None:
                    self._answer(200, blob, "application/octet-stream")
                    return
                start, end = int(wanted[1]), int(wanted[2])
                self._answer(206, blob[start : end + 1], "application/octet-stream",
                             {"Content-Range": f"bytes {start}-{end}/{len(blob)}"})

            def _answer(self, status: int, body: bytes, content_type: str = "text/html",
                        headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: a stalled page

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> WebArchiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
