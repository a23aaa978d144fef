"""A local HTTP server that misbehaves on purpose: gzip, chunking, repeated headers, redirects, resets."""

from __future__ import annotations

import gzip
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    '<meta property="og:type" content="article"><meta property="article:published_time" '
    'content="2026-01-02T03:04:05+00:00"></head><body><nav><a href="/">Home</a></nav><article>'
    "<h1>{title}</h1><div class=\"entry-content\"><p>{body} The first paragraph is long enough to count.</p>"
    "<p>A second paragraph closes the story about {title}.</p></div>"
    '<div class="share-buttons">Share on Facebook</div></article></body></html>'
)
LINKS = ["/gzip", "/chunked", "/chunked-gzip", "/dup-headers", "/redirect", "/redirect-loop-a", "/notfound",
         "/query?a=1&b=two", "/reset", "/latin1-header", "/private/secret", "/server-error"]
INDEX = "<html><body>" + "".join(f'<a href="{link}">{link}</a> ' for link in LINKS) + "</body></html>"


def article(title: str) -> bytes:
    return ARTICLE.format(title=title, body=f"Body of {title}.").encode()


def chunked(body: bytes, size: int = 100) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        part = body[i : i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _raw(self, status_line: str, headers: list[tuple[str, str | bytes]], body: bytes) -> None:
        head = status_line.encode() + b"\r\n"
        for name, value in headers:
            head += name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"
        self.wfile.write(head + b"Connection: close\r\n\r\n" + body)
        self.close_connection = True

    def _ok(self, body: bytes, ctype: str = "text/html; charset=utf-8", extra: list[tuple[str, str | bytes]] | None
            = None) -> None:
        self._raw("HTTP/1.1 200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body))), *(extra or [])],
                  body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/robots.txt":
            self._ok(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/":
            self._ok(INDEX.encode())
        elif path == "/gzip":
            body = gzip.compress(article("Gzip story"), mtime=0)
            self._ok(body, extra=[("Content-Encoding", "gzip")])
        elif path == "/chunked":
            self._raw("HTTP/1.1 200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                      chunked(article("Chunked story")))
        elif path == "/chunked-gzip":
            self._raw("HTTP/1.1 200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                          ("Transfer-Encoding", "chunked")],
                      chunked(gzip.compress(article("Chunked gzip story"), mtime=0), 37))
        elif path == "/dup-headers":
            self._ok(b"<html><body>two cookies</body></html>", extra=[
                ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"),
                ("Link", '</style.css>; rel="preload"'), ("Link", '</app.js>; rel="preload"')])
        elif path == "/redirect":
            self._raw("HTTP/1.1 301 Moved Permanently", [("Location", "/final"), ("Content-Length", "0")], b"")
        elif path == "/final":
            self._ok(article("Final story"))
        elif path in ("/redirect-loop-a", "/redirect-loop-b"):
            other = "/redirect-loop-b" if path.endswith("a") else "/redirect-loop-a"
            self._raw("HTTP/1.1 302 Found", [("Location", other), ("Content-Length", "0")], b"")
        elif path.startswith("/query?"):
            self._ok(b"<html><body>query " + path.encode() + b"</body></html>")
        elif path == "/reset":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: text/html\r\n\r\n<html>")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
        elif path == "/latin1-header":
            self._ok(b"<html><body>latin-1</body></html>", extra=[("X-Note", "caf\xe9".encode("latin-1"))])
        elif path == "/server-error":
            self._raw("HTTP/1.1 500 Internal Server Error", [("Content-Length", "5")], b"oops!")
        else:
            self._raw("HTTP/1.1 404 Not Found", [("Content-Type", "text/html"), ("Content-Length", "9")],
                      b"not found")

    def log_message(self, format: str, *args: object) -> None:
        return


class MisbehavingServer:
    """Serves the endpoints above on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
