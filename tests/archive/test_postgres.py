"""The archive on PostgreSQL: crawled into, read by every command as SQLite is, and copied between the two
without loss. The server is a real one the tests start (devkit/services.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from archive.locks import LockedError, SiteLock
from archive.store.copy import TABLES
from archive.store.location import SQLITE, STORE_FILENAME
from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.read import iter_records
from archive.warc.replay import free_port, start
from devkit.services import PostgresServer
from replica import ReplicaServer
from tests import postgres_mode
from tests.conftest import ROOT, Crawl, copy_archive, crawl, run_cli
from tests.helpers import assert_one_line_error, fetch, store_for

BACKEND_SPECIFIC = ("score", "fragment")  # bm25 against ts_rank, FTS5's snippet() against ts_headline


def table_rows(data: Path, location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    with SnippetStore(store_for(data, location), readonly=True) as store:
        return {table: sorted(tuple(row) for row in store.db.execute(f"SELECT {', '.join(columns)} FROM {table}"))
                for table, columns in TABLES.items()}


def copy_to(data: Path, to: str, store: str | None = None) -> None:
    result = run_cli("store", "copy", "--to", to, *(["--store", store] if store else []), data=data)
    assert result.returncode == 0, result.stderr
    assert "snippets" in result.stdout


def without(value: Any) -> Any:
    """A search result without what each backend scores and highlights its own way."""
    if isinstance(value, list):
        return [without(v) for v in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in BACKEND_SPECIFIC}
    return value


@pytest.fixture(scope="module")
def both(replica_crawl: Crawl, postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the replica crawl's data directory, and its store copied into PostgreSQL."""
    data = tmp_path_factory.mktemp("both") / "data"
    if postgres_mode.enabled():  # the crawl's store is a database: its SQLite side is made by store copy
        copy_archive(replica_crawl.data, data)
        sqlite_side = data.parent / "sqlite"
        copy_to(data, str(sqlite_side))
        shutil.move(sqlite_side / STORE_FILENAME, data / STORE_FILENAME)
    else:
        shutil.copytree(replica_crawl.data, data)
    url = postgres.new_database()
    copy_to(data, url, store=SQLITE)
    return data, url


def test_store_copy_round_trip_is_lossless(both: tuple[Path, str], tmp_path: Path) -> None:
    data, url = both
    back = tmp_path / "back"
    copy_to(data, str(back), store=url)
    original, copied, returned = table_rows(data, SQLITE), table_rows(data, url), table_rows(back, SQLITE)
    assert len(original["snippets"]) == 320
    assert original["url_state"]
    assert original["captures"]
    assert original["runs"]
    assert copied == original
    assert returned == original
    exports: list[bytes] = []
    for where, store in ((data, SQLITE), (data, url), (back, SQLITE)):
        out = tmp_path / f"export-{len(exports)}.jsonl"
        assert run_cli("export", "--all-versions", "-o", str(out), "--store", store, data=where).returncode == 0
        exports.append(out.read_bytes())
    assert exports[0] == exports[1] == exports[2]
    assert_one_line_error(run_cli("store", "copy", "--to", url, data=data), "already holds an archive")


@pytest.mark.parametrize("args", [
    ["search", "wheat", "--json"],
    ["search", "wheat OR cotton", "--order", "oldest", "--language", "en", "--json", "--limit", "50"],
    ["search", "title:kyiv", "--json"],
    ["search", "--category", "Kashmir", "--json", "--limit", "100"],
    ["search", "--since", "2025-06-01", "--until", "2025-07-01", "--jsonl", "--limit", "400"],
    ["stats", "--json"],
    ["runs", "--json"],
    ["verify", "--json"],
])
def test_every_reading_command_says_the_same_on_both_backends(both: tuple[Path, str], args: list[str]) -> None:
    data, url = both
    on_sqlite = run_cli(*args, "--store", SQLITE, data=data)
    on_postgres = run_cli(*args, "--store", url, data=data)
    assert on_sqlite.returncode == on_postgres.returncode == 0, on_postgres.stderr
    if "--jsonl" in args:
        read = [json.loads(line) for line in on_sqlite.stdout.splitlines()], [
            json.loads(line) for line in on_postgres.stdout.splitlines()]
    else:
        read = json.loads(on_sqlite.stdout), json.loads(on_postgres.stdout)
    assert read[0], on_sqlite.stdout
    assert without(read[1]) == without(read[0])


def test_show_history_and_export_say_the_same_on_both_backends(both: tuple[Path, str], tmp_path: Path) -> None:
    data, url = both
    (first,) = json.loads(run_cli("search", "ceasefire", "--json", "--limit", "1", data=data).stdout)
    for args in (["show", str(first["id"]), "--json"], ["history", first["canonical_url"], "--json"]):
        outputs = [run_cli(*args, "--store", store, data=data) for store in (SQLITE, url)]
        assert outputs[0].returncode == outputs[1].returncode == 0, outputs[1].stderr
        assert json.loads(outputs[0].stdout) == json.loads(outputs[1].stdout)
    for fmt in ("csv", "parquet"):
        files = [tmp_path / f"{store == url}.{fmt}" for store in (SQLITE, url)]
        for store, out in zip((SQLITE, url), files, strict=True):
            assert run_cli("export", "--format", fmt, "-o", str(out), "--store", store, data=data).returncode == 0
        assert files[0].read_bytes() == files[1].read_bytes()


def test_a_crawl_into_postgresql(replica: ReplicaServer, postgres: PostgresServer, tmp_path: Path) -> None:
    """The store on PostgreSQL holds what SQLite would; the data directory holds only the WARC files and reports;
    a second run writes revisits against captures the database knows; reextract works there too."""
    url = postgres.new_database()
    env = {"NEWSARCHIVE_STORE": url}
    # the first run writes into a worker's directory, as `newsarchive worker` has it; the second into the root
    first = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "-s", "WARC_SUBDIR=worker-a", env=env)
    assert first.report["counts"]["articles/new"] == 320
    assert not (tmp_path / "archive.sqlite").exists()
    assert list((tmp_path / "warc" / "worker-a").glob("*.warc.gz"))
    second = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, env=env)
    assert second.report["counts"]["warc/records/revisit"] > 0
    with SnippetStore(store_for(tmp_path, url), readonly=True) as store:
        assert store.count() == 320
        captured = {ref for (ref,) in store.db.execute("SELECT record_id FROM captures")}
        assert {s.warc_file.split("/")[0] for s in store.select(Filters())} == {"worker-a"}
    refers = [r.fields["WARC-Refers-To"] for f in sorted(first.warc_dir.glob("*.warc.gz")) for r in iter_records(f)
              if r.type == "revisit"]
    assert refers
    assert set(refers) <= captured
    verify = run_cli("verify", "--json", env=env, data=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    reextract = run_cli("reextract", "--json", env=env, data=tmp_path)
    assert reextract.returncode == 0, reextract.stderr
    assert json.loads(reextract.stdout)["unchanged"] == 320
    seed = next(t for t in replica.site.truth() if str(t["title"]).startswith("Putin Rejects"))
    port = free_port()
    proc = start(tmp_path, port)  # pywb finds the record in the worker's directory
    try:
        stamp = json.loads(run_cli("show", str(seed["canonical"]), "--json", "--replay-port", str(port), env=env,
                                   data=tmp_path).stdout)["replay_url"].split("/")[4]
        page = fetch(f"http://127.0.0.1:{port}/archive/{stamp}id_/{seed['canonical']}")
        assert str(seed["title"]).encode() in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_store_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "x", "--store", "mysql://db/archive", data=tmp_path), "postgresql://")
    unreachable = run_cli("search", "x", "--store", f"postgresql://nobody@/none?host={tmp_path}", data=tmp_path)
    assert unreachable.returncode == 1
    lines = unreachable.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("newsarchive: error: the store at postgresql://"), lines


def test_the_site_lock_is_an_advisory_lock_on_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    """One run per site across machines: the lock lives in the database, and goes with its holder however
    the holder ends."""
    url = postgres.new_database()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from archive.locks import SiteLock; "
        "from archive.store.location import StoreLocation; "
        f"lock = SiteLock(StoreLocation(Path({str(tmp_path)!r}), {url!r}), 'rki.news').acquire(); "
        "print('held', flush=True); time.sleep(600)")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=f"host:pid [^;]*:{holder.pid}; PostgreSQL advisory lock"):
            SiteLock(store_for(tmp_path / "elsewhere", url), "rki.news").acquire()  # another machine's data mount
        with SiteLock(store_for(tmp_path, url), "other.site"):  # other sites are free
            pass
        assert not (tmp_path / "locks").exists()  # no lock file: the database holds it
    finally:
        holder.kill()  # SIGKILL: no release, the server notices the connection is gone
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            SiteLock(store_for(tmp_path, url), "rki.news").acquire().release()
            break
        except LockedError:
            assert time.monotonic() < deadline, "the lock outlived its holder"
            time.sleep(0.1)
