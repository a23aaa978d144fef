"""Session fixtures: the replica and the misbehaving server on 127.0.0.1, and crawls of them via the CLI."""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.store.location import SQLITE, STORE_ENV
from archive.warc.read import WarcRecord
from archive.warc.verify import FileReport, verify_directory
from devkit.services import PostgresServer, debian_tool
from replica import ReplicaServer
from tests import postgres_mode
from tests.helpers import store_for
from tests.misbehaving import CRAWL_SETTINGS, MisbehavingServer

ROOT = Path(__file__).resolve().parents[1]
CLI_TIMEOUT = 600
# what starts a server or a process: a test whose body or fixtures (directly or through another fixture)
# use one of these is marked ``processes`` and left out of ``./run test --quick``
PROCESS_FIXTURES = frozenset({"replica", "misbehaving", "replica_crawl", "misbehaving_crawl", "postgres",
                              "redis_server", "chromium", "lantern", "lantern_crawl", "wget_warc"})
PROCESS_CALLS = re.compile(r"\b(?:run_cli|crawl|start_crawl|subprocess\.\w+|Popen|ReplicaServer|CourierServer|"
                           r"MisbehavingServer|PostgresServer|RedisServer|Server|HTTPServer|pywb_\w+)\(")


@functools.cache
def _starts_processes(function: Callable[..., Any]) -> bool:
    try:
        return bool(PROCESS_CALLS.search(inspect.getsource(function)))
    except (OSError, TypeError):
        return False


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than there are cores. Half of the suite's time is spent waiting on the
    crawls, servers and browsers it starts (a full run used 55% of two cores with two workers); a third
    worker fills that time."""
    return (os.cpu_count() or 1) + 1


# the files that take longest (seconds of a whole run on two cores, measured per file), sent to the workers
# first: a long file that starts last keeps one worker busy while the others have nothing left to do
LONGEST_FIRST = ("tests/crawl/test_crash.py", "tests/runs/test_cluster.py", "tests/archive/test_research.py",
                 "tests/runs/test_backfill.py", "tests/crawl/test_rendering.py", "tests/runs/test_import.py",
                 "tests/runs/test_terminal.py", "tests/test_cli.py", "tests/archive/test_postgres.py",
                 "tests/discovery/test_generic_discovery.py", "tests/test_install.py", "tests/archive/test_qa.py")


def _longest_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::")[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_longest_first)  # stable: each file's tests keep their order (pyproject: no loadscope reorder)
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        functions = [getattr(item, "function", None)] + [
            d.func for defs in (fixtures.name2fixturedefs.values() if fixtures else ()) for d in defs
            if d.baseid.startswith("tests/")]  # fixtures of test modules; conftest's are named above
        params = getattr(getattr(item, "callspec", None), "params", {})
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())) or \
                params.get("store_location") == "postgresql" or \
                any(f is not None and _starts_processes(f) for f in functions):
            item.add_marker(pytest.mark.processes)


def cli_command(*args: str, data: Path | None = None, env: dict[str, str] | None = None) -> list[str]:
    """The command line of `newsarchive ARGS` (this checkout's code, whatever is installed); in PostgreSQL
    mode with the data directory's database as ``--store``, unless the test names a store itself."""
    command = [sys.executable, "-m", "crawler.cli", *args]
    if data is not None:
        command += ["--data", str(data)]
        url = postgres_mode.store_url(data)
        if url and "--store" not in args and not {**os.environ, **(env or {})}.get(STORE_ENV):
            command += ["--store", url]
    return command


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a test's `newsarchive` runs in: no warnings on stderr, no data directory inherited."""
    out = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    out.pop("NEWSARCHIVE_DATA", None)
    return out


def run_cli(*args: str, data: Path | None = None, timeout: int = CLI_TIMEOUT, env: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `newsarchive ARGS` in a subprocess, as a user would."""
    return subprocess.run(cli_command(*args, data=data, env=env), capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=cli_env(env), check=False, input=input)


@dataclass
class Crawl:
    """A finished crawl: its data directory, the CLI result and the run report."""

    data: Path
    result: subprocess.CompletedProcess[str]
    report: dict[str, Any]

    @property
    def warc_dir(self) -> Path:
        return self.data / "warc"


def copy_archive(source: Path, target: Path) -> None:
    """A copy of a data directory and its store (in PostgreSQL mode the store is a database of its own, which
    ``store copy``'s code copies)."""
    shutil.copytree(source, target)
    if postgres_mode.enabled():
        from archive.store.copy import copy_store
        from archive.store.database import Database

        original, copy = Database(store_for(source), readonly=True), Database(store_for(target))
        try:
            copy_store(original, copy)
        finally:
            original.close()
            copy.close()


def crawl(data: Path, *args: str, env: dict[str, str] | None = None) -> Crawl:
    result = run_cli("crawl", *args, "--json", data=data, env=env)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    return Crawl(data, result, json.loads(result.stdout))


@pytest.fixture(scope="session", autouse=True)
def postgresql_mode() -> Iterator[None]:
    """In PostgreSQL mode (``./run test-postgresql``): this test process's server, where every data directory
    gets a database of its own (``tests/postgres_mode``); nothing otherwise."""
    if not postgres_mode.enabled():
        yield
        return
    with PostgresServer() as server:
        saved = os.environ.get(postgres_mode.SOCKET_ENV)
        os.environ[postgres_mode.SOCKET_ENV] = str(server.socket_dir)
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(postgres_mode.SOCKET_ENV, None)
            else:
                os.environ[postgres_mode.SOCKET_ENV] = saved


@pytest.fixture(scope="session")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


@pytest.fixture(scope="session")
def wget_warc(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replica crawled by GNU wget into a WARC file of its own making (WARC/1.0, request before response,
    target URIs in angle brackets)."""
    wget = debian_tool("wget", "wget")
    work = tmp_path_factory.mktemp("wget")
    subprocess.run([wget, "--recursive", "--level=2", "--quiet", "--delete-after", "--no-verbose",
                    "-e", "robots=off", "--warc-file=" + str(work / "replica"), "--no-warc-keep-log",
                    replica.base_url + "/"], cwd=work, check=False, timeout=600)
    path = work / "replica.warc.gz"
    assert path.stat().st_size > 100_000
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium the crawler renders with and qa replays in (Debian's package, installed when
    missing)."""
    from archive.browser import chromium_path

    return chromium_path(install=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test session's own, on a Unix socket; each test takes new databases."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: ``sqlite`` (the data directory's file) or the URL of a new PostgreSQL database."""
    if request.param == "sqlite":
        return SQLITE
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture(scope="session")
def misbehaving() -> Iterator[MisbehavingServer]:
    with MisbehavingServer() as server:
        yield server


@pytest.fixture(scope="session")
def replica_crawl(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One full crawl of the replica with the rki.news profile, shared by the tests that read its output."""
    return crawl(tmp_path_factory.mktemp("replica-data"), "rki.news", "--base-url", replica.base_url)


@pytest.fixture(scope="session")
def misbehaving_crawl(misbehaving: MisbehavingServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(tmp_path_factory.mktemp("misbehaving-data"), misbehaving.base_url + "/", *CRAWL_SETTINGS)


@pytest.fixture(scope="session")
def replica_reports(replica_crawl: Crawl) -> list[FileReport]:
    """The verifier's reading of every WARC file of the replica crawl."""
    return verify_directory(replica_crawl.warc_dir)


def records_by_uri(reports: list[FileReport], record_type: str) -> dict[str, list[WarcRecord]]:
    """Records of one type grouped by WARC-Target-URI, across files."""
    index: dict[str, list[WarcRecord]] = {}
    for report in reports:
        for rec in report.records:
            if rec.type == record_type:
                index.setdefault(rec.fields["WARC-Target-URI"], []).append(rec)
    return index


def http_parts(block: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """Split an application/http block into its first line, header fields (bytes) and entity body."""
    head, _, body = block.partition(b"\r\n\r\n")
    first, *lines = head.split(b"\r\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name.strip(), value.strip()))
    return first, headers, body


def header_values(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [v for n, v in headers if n.lower() == name.lower()]
