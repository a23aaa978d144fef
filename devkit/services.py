"""Servers the project's tests and benchmarks start for themselves, in temporary directories: PostgreSQL
listening on a Unix socket only, and Redis on 127.0.0.1.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as ``nobody``. Its binaries
come from Debian's ``postgresql`` package, and Redis from ``redis-server``; each is installed when missing.
PostgreSQL's ``fsync`` is off: a test kills processes, never the machine, and the operating system keeps what
a killed process wrote.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from archive.children import spawn, stop
from archive.debian import apt_install
from archive.warc.replay import free_port

START_TIMEOUT = 60.0
UNPRIVILEGED = ("nobody", "nogroup")


def _installed_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]),
                      reverse=True)
    return versions[0].parent if versions else None


def postgres_bin() -> Path:
    """The directory of PostgreSQL's server binaries, installing Debian's package when there are none."""
    found = _installed_bin()
    if found is None:
        apt_install("postgresql", lambda: _installed_bin() is not None)
        found = _installed_bin()
    if found is None:
        raise RuntimeError("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin")
    return found


def _as_user() -> dict[str, Any]:
    """Popen arguments that drop root to an unprivileged user (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": UNPRIVILEGED[0], "group": UNPRIVILEGED[1], "extra_groups": []}


class PostgresServer:
    """A throwaway PostgreSQL server; ``url`` is its maintenance database, ``new_database()`` makes more."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="newsarchive-pg-"))
        self.process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    @property
    def socket_dir(self) -> Path:
        return self.dir

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://newsarchive@/{name}?host={self.socket_dir}"

    def __enter__(self) -> Self:
        bin_dir = postgres_bin()
        data = self.dir / "data"
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, *UNPRIVILEGED)
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "newsarchive", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True, cwd=self.dir, **_as_user())
        with (self.dir / "server.log").open("wb") as log:
            self.process = spawn([str(bin_dir / "postgres"), "-D", str(data), "-k", str(self.socket_dir),
                                  "-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off",
                                  "-c", "max_connections=200"], stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                                 **_as_user())
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def new_database(self, prefix: str = "archive") -> str:
        """The URL of a new, empty database of this server."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast shutdown": clients still connected are cut off
            stop(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


def debian_tool(command: str, package: str) -> str:
    """The path of ``command``, installing Debian's ``package`` when it is missing."""
    if shutil.which(command) is None:
        apt_install(package, lambda: shutil.which(command) is not None)
    found = shutil.which(command)
    if found is None:
        raise RuntimeError(f"{command} is not installed (Debian's {package} package)")
    return found


def redis_server_bin() -> str:
    """redis-server, installing Debian's package when it is missing."""
    return debian_tool("redis-server", "redis-server")


class RedisServer:
    """A throwaway Redis on 127.0.0.1, persisting every write (append-only file, fsync always) so that a
    restart in the middle of a test loses nothing queued; ``restart()`` stops and starts it on the same port."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="newsarchive-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with (self.dir / "server.log").open("ab") as log:
            self.process = spawn([redis_server_bin(), "--port", str(self.port), "--bind", "127.0.0.1",
                                  "--dir", str(self.dir), "--save", "", "--appendonly", "yes",
                                  "--appendfsync", "always", "--protected-mode", "no"],
                                 stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {(self.dir / 'server.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
