"""A local HTTP server that misbehaves on purpose: gzip, chunking, repeated headers, redirects, resets."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    '<meta property="og:type" content="article"><meta property="article:published_time" '
    'content="2026-01-02T03:04:05+00:00"></head><body><nav><a href="/">Home</a></nav><article>'
    "<h1>{title}</h1><div class=\"entry-content\"><p>{body} The first paragraph is long enough to count.</p>"
    "<p>A second paragraph closes the story about {title}, as news stories close: with what happens next.</p></div>"
    '<div class="share-buttons">Share on Facebook</div></article></body></html>'
)
# plain articles as a small site prints them: no og:type, no JSON-LD, no publication meta tag, short
PLAIN_ARTICLE = (
    '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} - Valley Courier</title></head>'
    '<body><nav><a href="/">Home</a> <a href="/good/1">Local</a></nav>{open}<h1>{title}</h1>{time}{paragraphs}{close}'
    "<footer>Valley Courier</footer></body></html>"
)
PLAIN_SENTENCES = {
    "en": ["The single-lane bridge on Mill Road will close to all traffic from Monday for at least three weeks.",
           "Engineers will replace its rotten deck timbers, the county roads office said on Friday morning.",
           "An inspection in January found that two of the main beams had lost a third of their strength.",
           "Drivers heading to the industrial estate are asked to use the bypass during the repairs.",
           "Pedestrians and cyclists can still cross on a temporary walkway fixed to the bridge.",
           "The repairs cost 180,000 euros and are paid from this year's maintenance budget."],
    "de": ["Ab dem ersten Mai fährt die neue Linie 14 stündlich zwischen Oberdorf und dem Bahnhof.",
           "Der Kreistag hatte die Linie im vergangenen Herbst nach einer Unterschriftensammlung beschlossen.",
           "Die Kosten von rund 350.000 Euro im Jahr teilen sich der Landkreis und die Gemeinde.",
           "Die Busse fahren werktags von fünf bis 22 Uhr, am Wochenende im Zweistundentakt.",
           "Fahrkarten gelten im gesamten Verbundgebiet, auch das Deutschlandticket wird dort anerkannt.",
           "Damit sind die drei Ortsteile erstmals ohne Umstieg miteinander verbunden, sagte der Landrat."],
}
PLAIN = {  # path -> (title, language, inside <article> with a <time>)
    "/good/1": ("Bridge on Mill Road closes for repairs", "en", True),
    "/good/2": ("Mill Road bridge repairs begin", "en", True),
    "/story?id=123": ("County roads office closes Mill Road bridge", "en", False),
    "/news/4412": ("Neue Buslinie verbindet die Ortsteile", "de", False),
}


def plain_article(path: str) -> bytes:
    title, lang, marked = PLAIN[path]
    paragraphs = "".join(f"<p>{s}</p>" for s in PLAIN_SENTENCES[lang])
    return PLAIN_ARTICLE.format(lang=lang, title=title, paragraphs=paragraphs,
                                open="<article>" if marked else '<div class="content">',
                                close="</article>" if marked else "</div>",
                                time='<time datetime="2026-03-02T08:15:00">2 March 2026</time>' if marked else
                                "<p>2 March 2026</p>").encode()


LINKS = [*PLAIN, "/gzip", "/chunked", "/chunked-gzip", "/dup-headers", "/redirect", "/redirect-loop-a", "/notfound",
         "/query?a=1&b=two", "/reset", "/latin1-header", "/private/secret", "/server-error", "/huge", "/endless",
         "/bomb", "/slow", "/latin1-mislabeled", "/nocharset", "/binary", "/broken"]
MAXSIZE = 1_000_000  # the crawl of this server runs with DOWNLOAD_MAXSIZE at this
TIMEOUT = 1  # and DOWNLOAD_TIMEOUT at this
CRAWL_SETTINGS = ["-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", "DOWNLOAD_WARNSIZE=0", "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}",
                  "-s", "RETRY_TIMES=1"]
CAFE = "Le café de la Gare a rouvert ses portes après deux années de travaux et de débats municipaux."
INDEX = "<html><body>" + "".join(f'<a href="{link}">{link}</a> ' for link in LINKS) + "</body></html>"


def article(title: str, body: str = "") -> bytes:
    return ARTICLE.format(title=title, body=body or f"Body of {title}.").encode()


BOMB = gzip.compress(b"\0" * 50_000_000, compresslevel=9, mtime=0)


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
        self.close_connection = True
        try:
            self.wfile.write(head + b"Connection: close\r\n\r\n" + body)
        except OSError:
            return  # the client gave up first (a timeout test does that on purpose)

    def _ok(self, body: bytes, ctype: str = "text/html; charset=utf-8", extra: list[tuple[str, str | bytes]] | None
            = None) -> None:
        self._raw("HTTP/1.1 200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body))), *(extra or [])],
                  body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/robots.txt":
            status = self.server.robots_status  # type: ignore[attr-defined]
            if status != 200:
                self._raw(f"HTTP/1.1 {status} Unavailable", [("Content-Length", "21")], b"<h1>Unavailable</h1>\n")
            else:
                self._ok(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/":
            self._ok(INDEX.encode())
        elif path in PLAIN:
            self._ok(plain_article(path))
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
        elif path == "/huge":  # announces more than the crawler accepts
            self._stream(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % (4 * MAXSIZE))
        elif path == "/endless":  # no length, never ends
            self._stream(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        elif path == "/bomb":  # 50 MB of zeros in about 50 KB of gzip
            self._ok(BOMB, extra=[("Content-Encoding", "gzip")])
        elif path == "/slow":  # far beyond the timeout: a crawler's event loop stalled by load still times it out
            time.sleep(TIMEOUT * 15)
            self._ok(article("Slow story"))
        elif path == "/latin1-mislabeled":  # latin-1 bytes under a UTF-8 label
            self._ok(article("Mislabeled story", CAFE).decode().encode("latin-1"))
        elif path == "/nocharset":  # UTF-8 with no label anywhere
            body = article("Unlabeled story", CAFE).replace(b'<meta charset="utf-8">', b"")
            self._ok(body, "text/html")
        elif path == "/binary":  # a PNG served as HTML
            self._ok(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/html")
        elif path == "/broken":  # NULs, control characters, tags left open
            self._ok(b'<html lang="en"><head><meta property="og:type" content="article"><title>Broken story</title>'
                     b"<body><h1>Broken story<article><div class=entry-content><p>First\x00 line \x07of a page "
                     b"that is broken in every way a page can be broken.<p>Second <b>bold <i>line of a story that "
                     b"still has to be read as a story, tags left open or not</div>")
        elif path == "/server-error":
            self._raw("HTTP/1.1 500 Internal Server Error", [("Content-Length", "5")], b"oops!")
        else:
            self._raw("HTTP/1.1 404 Not Found", [("Content-Type", "text/html"), ("Content-Length", "9")],
                      b"not found")

    def _stream(self, head: bytes) -> None:
        """Send a head, then body bytes until the client hangs up."""
        self.close_connection = True
        try:
            self.wfile.write(head)
            while True:
                self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
        except OSError:
            return

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default listen backlog of 5 refuses connections under a parallel crawl


class MisbehavingServer:
    """Serves the endpoints above on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, robots_status: int = 200) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.robots_status = robots_status  # type: ignore[attr-defined]
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
