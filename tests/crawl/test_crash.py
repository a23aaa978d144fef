"""Crash safety with real processes and signals: SIGKILL and resume, SIGTERM, the site lock, concurrent sites."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest.mock import ANY

import pytest

from archive.store.snippet_store import SnippetStore
from archive.warc.read import read_response
from archive.warc.verify import verify_directory
from archive.warc.write import OPEN_SUFFIX
from crawler.extensions.recovery import recover
from replica import ReplicaServer
from tests.conftest import ROOT, Crawl, cli_command, cli_env, copy_archive, crawl, http_parts, records_by_uri, run_cli
from tests.helpers import slow_run, store_for
from tests.misbehaving import CRAWL_SETTINGS, PLAIN, MisbehavingServer

SLOW = slow_run(0.03, 2)  # long enough to be caught mid-way
# still running after a second run has started its crawler process and been refused the lock (a few seconds)
SLOWER = slow_run(0.1, 2)


def start_crawl(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(cli_command("crawl", *args, data=data), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env())


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def open_warc_size(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "warc").glob("*" + OPEN_SUFFIX)) if (data / "warc").exists() else 0


def assert_archive_consistent(data: Path, truth_urls: set[str]) -> None:
    """Closed files only, all valid; snippets and article responses one to one; every article exactly once."""
    warc_dir = data / "warc"
    assert not list(warc_dir.glob("*" + OPEN_SUFFIX))
    files = sorted(warc_dir.glob("*.warc.gz"))
    check = subprocess.run([Path(sys.executable).parent / "warcio", "check", *files], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout[-2000:]
    reports = verify_directory(warc_dir)
    assert [p for r in reports for p in r.problems] == []
    responses = records_by_uri(reports, "response")
    ok_articles = {u: [r for r in recs if http_parts(r.block)[0].endswith(b" 200 OK")]
                   for u, recs in responses.items() if u in truth_urls}
    assert set(ok_articles) == truth_urls
    assert {u: len(recs) for u, recs in ok_articles.items() if len(recs) != 1} == {}  # archived exactly once
    store = SnippetStore(store_for(data), readonly=True)
    try:
        snippets = [s for url in truth_urls for s in store.versions(url)]
    finally:
        store.close()
    assert sorted(s.canonical_url for s in snippets) == sorted(truth_urls)  # one version each
    by_record = {recs[0].fields["WARC-Record-ID"]: url for url, recs in ok_articles.items()}
    assert {s.warc_record_id: s.canonical_url for s in snippets} == by_record
    for snippet in snippets[::25]:
        archived = read_response(warc_dir / snippet.warc_file, snippet.warc_offset)
        assert archived.warc_headers["WARC-Record-ID"] == snippet.warc_record_id


@pytest.fixture(scope="module")
def truth_urls(replica: ReplicaServer) -> set[str]:
    return {str(t["canonical"]) for t in replica.site.truth()}


@pytest.mark.parametrize("kill_at_bytes", [150_000, 900_000])
def test_sigkill_mid_crawl_then_resume(replica: ReplicaServer, truth_urls: set[str], tmp_path: Path,
                                       kill_at_bytes: int) -> None:
    proc = start_crawl(tmp_path, "rki.news", "--base-url", replica.base_url, *SLOW)
    try:
        wait_for(lambda: open_warc_size(tmp_path) > kill_at_bytes)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert list((tmp_path / "warc").glob("*" + OPEN_SUFFIX)), "the kill should leave an unclosed file"
    store = SnippetStore(store_for(tmp_path), readonly=True)
    before = store.count()
    store.close()
    assert 0 < before < len(truth_urls)
    second = crawl(tmp_path, "rki.news", "--base-url", replica.base_url)
    recovery = second.report["recovery"]
    assert len(recovery["salvaged"]) + len(recovery["removed"]) == 1
    assert len(recovery["crashed_runs"]) == 1
    assert second.report["counts"]["articles/new"] + before + recovery["snippets_restored"] == len(truth_urls)
    assert_archive_consistent(tmp_path, truth_urls)
    runs = json.loads(run_cli("runs", "--json", data=tmp_path).stdout)
    assert [r["status"] for r in runs] == ["finished", "crashed"]


def test_sigterm_stops_gracefully_and_the_lock_refuses_a_second_run(replica: ReplicaServer, tmp_path: Path) -> None:
    proc = start_crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--json", *SLOWER)
    try:
        wait_for(lambda: open_warc_size(tmp_path) > 100_000)
        second = run_cli("crawl", "rki.news", "--base-url", replica.base_url, data=tmp_path)
        assert second.returncode == 75
        assert second.stderr.count("\n") == 1
        assert "already in progress" in second.stderr
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 4, err[-2000:]
    report = json.loads(out)
    assert report["status"] == "interrupted"
    assert 0 < report["counts"]["articles/new"] < 320
    assert not list((tmp_path / "warc").glob("*" + OPEN_SUFFIX))
    assert [p for r in verify_directory(tmp_path / "warc") for p in r.problems] == []
    assert len(list((tmp_path / "warc").glob("*.warc.gz"))) == 1  # the refused run wrote no WARC file
    runs = json.loads(run_cli("runs", "--json", data=tmp_path).stdout)
    assert [(r["status"], r["report"]["pages_fetched"]) for r in runs] == [("locked", 0), ("interrupted", ANY)]


def test_sigterm_to_the_whole_process_group_twice_still_stops_gracefully(replica: ReplicaServer, truth_urls: set[str],
                                                                       tmp_path: Path) -> None:
    """A service manager stops a crawl by signalling every process it started (systemd: the whole cgroup), and a
    crawl run by a worker that is stopped hears SIGTERM a second time when the worker dies (it asked for that
    signal on its parent's death). The cleaning pool's processes go on cleaning what is in flight, the second
    SIGTERM does not cut the graceful stop short, and every article archived has its snippet: the next run
    archives none a second time."""
    proc = subprocess.Popen(cli_command("crawl", "rki.news", "--base-url", replica.base_url, "--json", *SLOWER,
                                        data=tmp_path),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
                            start_new_session=True)
    try:
        wait_for(lambda: open_warc_size(tmp_path) > 100_000)
        os.killpg(proc.pid, signal.SIGTERM)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 4, err[-2000:]
    report = json.loads(out)
    assert report["status"] == "interrupted"
    assert 0 < report["counts"]["articles/new"] < len(truth_urls)
    assert not [kind for kind in report["errors"] if kind.startswith("clean_")], report["errors"]
    archived = {u for u, recs in records_by_uri(verify_directory(tmp_path / "warc"), "response").items()
                if u in truth_urls and any(http_parts(r.block)[0].endswith(b" 200 OK") for r in recs)}
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        assert store.count() == len(archived)  # every article archived was cleaned and stored
    final = crawl(tmp_path, "rki.news", "--base-url", replica.base_url)
    assert final.report["status"] == "finished"
    assert_archive_consistent(tmp_path, truth_urls)


def test_two_sites_crawl_one_data_directory_at_once(replica: ReplicaServer, misbehaving: MisbehavingServer,
                                                   truth_urls: set[str], tmp_path: Path) -> None:
    first = start_crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--json")
    second = start_crawl(tmp_path, misbehaving.base_url + "/", "--json", *CRAWL_SETTINGS)
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, err1[-2000:]
    assert second.returncode == 0, err2[-2000:]
    assert json.loads(out1)["counts"]["articles/new"] == 320
    assert json.loads(out2)["counts"]["articles/new"] == 7 + len(PLAIN)
    assert [p for r in verify_directory(tmp_path / "warc") for p in r.problems] == []
    assert_archive_consistent(tmp_path, truth_urls)


def crashed_copy(replica_crawl: Crawl, tmp_path: Path, every: int) -> tuple[Path, Path, int]:
    """A copy of the replica crawl as a crash between the WARC bytes and the snippets leaves it: its file
    still ``.open``, every ``every``-th snippet never committed. The directory, the file's final path and how
    many snippets are missing."""
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    (warc,) = (data / "warc").glob("*.warc.gz")
    warc.rename(warc.with_name(warc.name + OPEN_SUFFIX))  # as a killed writer leaves it
    with SnippetStore(store_for(data)) as store:
        before = store.count()
        store.db.execute(f"DELETE FROM snippets WHERE id % {int(every)} = 0")
        store.db.commit()
        lost = before - store.count()
    return data, warc, lost


def test_recovery_restores_snippets_of_responses_archived_before_a_crash(replica_crawl: Crawl, tmp_path: Path,
                                                                          truth_urls: set[str]) -> None:
    """The gap a crash can leave: responses fsynced, snippets not yet committed, the file not yet closed."""
    data, warc, lost = crashed_copy(replica_crawl, tmp_path, 3)
    result = recover(store_for(data), "rki.news")
    assert result.salvaged == [warc.name]
    assert result.bytes_dropped == 0
    assert result.snippets_restored == lost > 0
    assert_archive_consistent(data, truth_urls)


def test_two_recoveries_at_once_take_turns(replica_crawl: Crawl, tmp_path: Path, truth_urls: set[str]) -> None:
    """Two sites starting together both repair the whole directory: one dead file is salvaged and its
    snippets restored once, and neither repair fails on the other's work."""
    data, _, lost = crashed_copy(replica_crawl, tmp_path, 2)
    code = ("import json, sys; from pathlib import Path; from archive.store.location import StoreLocation; "
            "from crawler.extensions.recovery import recover; "
            f"print(json.dumps(recover(StoreLocation(Path({str(data)!r}), {store_for(data).url!r}), sys.argv[1])"
            ".as_dict()))")
    env = cli_env({"NEWSARCHIVE_SITE_MODULES": "tests.profiles.fragile_rki", "FRAGILE_SLOW": "0.005"})
    both = [subprocess.Popen([sys.executable, "-c", code, site], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for site in ("rki.news", "other.example")]
    results = []
    for process in both:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    assert sorted(len(r["salvaged"]) for r in results) == [0, 1]
    assert sum(r["snippets_restored"] for r in results) == lost > 0
    assert_archive_consistent(data, truth_urls)


def test_a_repair_that_fails_stops_the_run_before_it_fetches(replica: ReplicaServer, tmp_path: Path) -> None:
    blocker = tmp_path / "warc" / "broken.warc.gz.open"  # no writer left it: a directory salvage cannot read
    blocker.mkdir(parents=True)
    failed = run_cli("crawl", "rki.news", "--base-url", replica.base_url, "--json", data=tmp_path)
    assert failed.returncode == 1, failed.stderr[-2000:]
    report = json.loads(failed.stdout)
    assert report["status"] == "stopped: recovery_failed"
    assert "IsADirectoryError" in report["recovery"]["error"]
    assert report["pages_fetched"] == 0
    assert not list((tmp_path / "warc").glob("*.warc.gz"))
    with SnippetStore(store_for(tmp_path), readonly=True) as store:
        assert store.runs()[0]["status"] == "stopped: recovery_failed"
    blocker.rmdir()
    again = run_cli("crawl", "rki.news", "--base-url", replica.base_url, "--json", "--max-articles", "5",
                    data=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["counts"]["articles/new"] == 5


def test_a_recovery_killed_half_way_is_done_again_in_full(replica_crawl: Crawl, tmp_path: Path,
                                                         truth_urls: set[str]) -> None:
    """Recovery restores snippets from a salvaged file; killed while doing so, the next one must not find
    the file looking finished and skip it (its articles would then be fetched and archived again)."""
    data, warc, lost = crashed_copy(replica_crawl, tmp_path, 2)
    with SnippetStore(store_for(data)) as store:
        victim = store.db.execute("SELECT url FROM snippets ORDER BY id DESC LIMIT 1").fetchone()[0]
        store.db.execute("DELETE FROM snippets WHERE url = ?", (victim,))  # restored last: the cleaner dies there
        store.db.commit()
    code = ("from pathlib import Path; from archive.store.location import StoreLocation; "
            "from crawler.extensions.recovery import recover; "
            f"recover(StoreLocation(Path({str(data)!r}), {store_for(data).url!r}), 'rki.news')")
    env = cli_env({"NEWSARCHIVE_SITE_MODULES": "tests.profiles.fragile_rki", "FRAGILE_PAGES": f"crash={victim}"})
    died = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert died.returncode == 9, died.stderr[-2000:]  # killed in the middle of restoring snippets
    result = recover(store_for(data), "rki.news")
    assert result.salvaged == [warc.name]
    assert result.snippets_restored >= 1
    assert not list((data / "warc").glob("*" + OPEN_SUFFIX))
    with SnippetStore(store_for(data), readonly=True) as store:
        assert store.count() == len(truth_urls)
    assert lost > 0
    assert_archive_consistent(data, truth_urls)


def test_recovery_cuts_a_torn_record_and_the_next_run_refetches_it(replica: ReplicaServer, replica_crawl: Crawl,
                                                                    tmp_path: Path, truth_urls: set[str]) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    (warc,) = (data / "warc").glob("*.warc.gz")
    reports = verify_directory(data / "warc")
    last_response = [r for r in reports[0].records if r.type == "response"][-1]
    torn = warc.with_name(warc.name + OPEN_SUFFIX)
    with warc.open("rb") as src, torn.open("wb") as dst:
        dst.write(src.read(last_response.offset + last_response.length // 2))  # killed while writing it
    warc.unlink()
    url = last_response.fields["WARC-Target-URI"]
    result = recover(store_for(data), "rki.news")
    assert result.salvaged == [warc.name]
    assert result.bytes_dropped == last_response.length // 2
    store = SnippetStore(store_for(data), readonly=True)
    assert store.versions(url) == []  # its snippet pointed at the torn record and is gone
    store.close()
    second = crawl(data, "rki.news", "--base-url", replica.base_url)
    assert second.report["counts"]["articles/new"] == (1 if url in truth_urls else 0)
    assert_archive_consistent(data, truth_urls)


def test_twenty_random_kills_then_a_full_run(replica: ReplicaServer, truth_urls: set[str], tmp_path: Path) -> None:
    """Checklist C1/D2: SIGKILL at 20 random moments; each restart salvages and goes on; nothing is lost."""
    rng = random.Random(20261125)  # fixed, so a failure can be replayed
    for _ in range(20):
        proc = start_crawl(tmp_path, "rki.news", "--base-url", replica.base_url, *SLOW)
        time.sleep(rng.uniform(0.5, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        closed = sorted((tmp_path / "warc").glob("*.warc.gz")) if (tmp_path / "warc").exists() else []
        assert [p for r in (verify_directory(tmp_path / "warc") if closed else []) for p in r.problems
                if not p.startswith("C6 ")] == []  # closed files are always valid; one .open may wait
    final = crawl(tmp_path, "rki.news", "--base-url", replica.base_url)
    assert final.report["status"] == "finished"
    assert not [p for p in (tmp_path / "warc").iterdir() if p.stat().st_size == 0]
    assert_archive_consistent(tmp_path, truth_urls)


def test_double_sigint_stops_at_once_and_leaves_nothing_torn(replica: ReplicaServer, truth_urls: set[str],
                                                            tmp_path: Path) -> None:
    """Checklist C3: a second SIGINT stops without waiting; records are complete or absent, never torn."""
    proc = start_crawl(tmp_path, "rki.news", "--base-url", replica.base_url, *SLOW)
    try:
        wait_for(lambda: open_warc_size(tmp_path) > 200_000)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert [p for r in verify_directory(tmp_path / "warc") for p in r.problems if not p.startswith("C6 ")] == []
    final = crawl(tmp_path, "rki.news", "--base-url", replica.base_url)
    assert final.report["status"] == "finished"
    assert_archive_consistent(tmp_path, truth_urls)


def test_scrapy_crawl_takes_the_site_lock_too(replica: ReplicaServer, tmp_path: Path) -> None:
    """`scrapy crawl` and Scrapyd jobs start without the CLI: the spider takes the lock itself."""
    from archive.locks import SiteLock

    env = {**os.environ, "NEWSARCHIVE_DATA": str(tmp_path), "NEWSARCHIVE_STORE": store_for(tmp_path).argument(),
           "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=rki.news", "-a",
               f"base_url={replica.base_url}", "-a", "max_articles=2"]
    with SiteLock(store_for(tmp_path), "rki.news"):
        refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                                 check=False)
    assert "already in progress" in refused.stderr
    runs = json.loads(run_cli("runs", "--json", data=tmp_path).stdout)
    assert [(r["status"], r["report"]["pages_fetched"]) for r in runs] == [("locked", 0)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = json.loads(run_cli("runs", "--json", data=tmp_path).stdout)
    assert runs[0]["status"] == "finished"
    assert runs[0]["report"]["counts"]["articles/new"] == 2
