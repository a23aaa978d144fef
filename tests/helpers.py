"""Helpers that several test modules share: a loopback server with fixed answers, WARC files of made-up
exchanges, a snippet with every field set, fetching a URL that is still coming up, and the CLI's one-line
usage error. Fixtures and the crawl and CLI runners are in conftest.py."""

from __future__ import annotations

import json
import os
import pty
import random
import re
import select
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from archive.store.location import StoreLocation
from archive.store.snippets import Snippet
from archive.warc.replay import free_port
from archive.warc.write import HttpExchange, WarcFileWriter, exchange_records
from tests import postgres_mode


def store_for(data: Path, store: str | None = None) -> StoreLocation:
    """Where a test opens a data directory's store: ``store`` when given (a URL or ``sqlite``), else the
    suite's mode's (the directory's own PostgreSQL database under ``./run test-postgresql``, else SQLite)."""
    return StoreLocation.resolve(data, store or postgres_mode.store_url(data), {})


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsarchive: error: ")
    for needle in needles:
        assert needle in lines[0]


class Server:
    """A server on a loopback address that answers from a path -> (status, headers, body) map and counts hits."""

    def __init__(self, host: str, routes: dict[str, tuple[int, dict[str, str], bytes]], port: int = 0) -> None:
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits.append(self.path)
                status, headers, body = routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.base_url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


INFO = {"software": "newsarchive/test Scrapy/x warcio/y", "format": "WARC File Format 1.1", "robots": "classic",
        "http-header-user-agent": "newsarchive/test", "operator": "tests", "hostname": "testhost"}


def exchange(n: int, size: int = 2000) -> HttpExchange:
    noise = random.Random(n).randbytes(size).hex()[:size].encode()  # incompressible, so sizes are predictable
    body = f"<html><body>page {n} ".encode() + noise + b"</body></html>"
    return HttpExchange(
        url=f"http://127.0.0.1:8/page/{n}?q=a b", method=b"GET", request_target=f"/page/{n}".encode(),
        request_headers=[(b"Host", b"127.0.0.1:8"), (b"User-Agent", b"newsarchive/test")], request_body=b"",
        status=200, reason=b"OK",
        response_headers=[(b"Content-Type", b"text/html"), (b"Content-Length", str(len(body)).encode()),
                          (b"X-Evil", b"a\r\nInjected: yes")],
        payload=body, date=datetime.now(UTC), ip_address="127.0.0.1")


def write(directory: Path, count: int, max_bytes: int, size: int = 2000) -> WarcFileWriter:
    with WarcFileWriter(directory, "test", INFO, max_bytes=max_bytes, hostname="testhost", fsync=False) as writer:
        for n in range(count):
            writer.write(exchange_records(exchange(n, size)), datetime.now(UTC))
    return writer


def snippet(url: str, text: str, published: str = "2025-07-04T10:00:00+05:00", title: str = "A title",
            site: str = "rki.news") -> Snippet:
    return Snippet(url=url, canonical_url=url, site=site, title=title, published=published, modified=published,
                   document_date=published, authors=["Staff"], categories=["English"], language="en", text=text,
                   fetched_at="2026-11-25T00:00:00+00:00", run_id="run-1", cleaner_version="test/1",
                   warc_file="x.warc.gz", warc_offset=0, warc_length=1, warc_record_id="<urn:uuid:x>",
                   payload_digest="sha1:X")


def fetch(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body: bytes = response.read()
                return body
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def slow_run(delay: float, per_domain: int) -> list[str]:
    """Crawl settings that make a run of the replica last long enough to be caught, killed or stopped mid-way."""
    return ["-s", f"DOWNLOAD_DELAY={delay}", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_domain}"]


def serve_wacz(package: Path, directory: Path) -> Generator[str, None, None]:
    """pywb on a free loopback port serving ``package`` as the collection ``shared`` (imported with
    ``wb-manager add --unpack-wacz``, as a colleague would); yields its base URL, and stops it after."""
    yield from serve_collection("shared", [package], directory, unpack_wacz=True)


def serve_collection(name: str, files: list[Path], directory: Path, *, unpack_wacz: bool = False
                     ) -> Generator[str, None, None]:
    """pywb on a free loopback port serving the collection ``name`` that ``wb-manager`` makes in ``directory``
    of ``files`` (WARC files, or a WACZ package unpacked); yields its base URL (the collection's CDX server is
    BASE/NAME/cdx), and stops it after."""
    from archive.children import spawn, stop
    from archive.warc.replay import free_port, tool, wait_until_up

    flags = ["--unpack-wacz"] if unpack_wacz else []
    for command in (["init", name], ["add", *flags, name, *map(str, files)]):
        made = subprocess.run([tool("wb-manager"), *command], cwd=directory, capture_output=True, text=True,
                              check=False)
        assert made.returncode == 0, made.stderr
    port = free_port()
    server = spawn([str(tool("wayback")), "-b", "127.0.0.1", "-p", str(port)], cwd=directory,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield base
    finally:
        stop(server)


STATUS_RE = re.compile(rb"pages fetched ([\d,]+) \xc2\xb7 articles new")  # a crawl's live status on a terminal


def on_a_terminal(args: list[str], data: Path, *, interrupt_after: int = 0, second_interrupt_after: float = 0,
                  timeout: float = 120) -> tuple[int, bytes]:
    """Run ``newsarchive ARGS`` on a pseudo-terminal and return its exit code and all it wrote."""
    from tests.conftest import ROOT, cli_command, cli_env  # conftest imports this module: not at the top

    master, slave = pty.openpty()
    proc = subprocess.Popen(cli_command(*args, data=data), cwd=ROOT, env=cli_env({"TERM": "xterm"}), stdin=slave,
                            stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out, interrupted, second_due, deadline = b"", False, False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other side closed: the crawl has exited
                    break
                if not chunk:
                    break
                out += chunk
            seen = [int(n.replace(b",", b"")) for n in STATUS_RE.findall(out)]
            if interrupt_after and not interrupted and seen and seen[-1] >= interrupt_after:
                proc.send_signal(signal.SIGINT)
                interrupted = True
                second_due = bool(second_interrupt_after)
            if second_due and b"stopping gracefully" in out:
                # only once the first was handled: two signals that arrive before Python's handler runs
                # are one (a loaded machine delivered them so, and the second was lost)
                time.sleep(second_interrupt_after)
                proc.send_signal(signal.SIGINT)
                second_due = False
            if proc.poll() is not None and not ready:
                break
        return proc.wait(timeout=30), out
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


class Room:
    """A running `newsarchive serve`: its base URL, stopped on leaving."""

    def __init__(self, data: Path, *extra: str) -> None:
        from tests.conftest import ROOT, cli_command, cli_env  # conftest imports this module: not at the top

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(cli_command("serve", "--port", str(self.port), *extra, data=data), cwd=ROOT,
                                        env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/stats", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # it answers (with a token to ask for)
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(self.process.communicate(timeout=5))

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def json(self, path: str) -> Any:
        status, body, _ = self.get(path)
        assert status == 200, body
        return json.loads(body)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
