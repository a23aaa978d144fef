"""Site runs on Celery workers over Redis, the store on PostgreSQL: three workers, three sites on 127.0.0.1,
127.0.0.2 and 127.0.0.3, and one worker killed with its whole process group in the middle of a run. Nothing
archived is lost or archived twice, and the job is run again by another worker."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from archive.store.snippet_store import SnippetStore
from archive.warc.read import iter_records
from devkit.services import PostgresServer, RedisServer
from replica import ReplicaServer
from tests.conftest import ROOT, cli_command, cli_env, run_cli
from tests.helpers import assert_one_line_error, slow_run, store_for

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
ARTICLES = 40
REDELIVER_AFTER = 4  # seconds a lost job waits before another worker takes it
SLOW = tuple(slow_run(0.05, 1))  # runs long enough to be killed in
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")  # where no run is killed
DEADLINE = 240  # seconds for every job to end, redelivery included


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def sites() -> Iterator[list[ReplicaServer]]:
    servers = [ReplicaServer(host=host, article_count=ARTICLES).start() for host in HOSTS]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


class Cluster:
    """Worker processes, each the leader of its own process group, on one data directory and store."""

    def __init__(self, data: Path, broker: str, store: str) -> None:
        self.data, self.broker, self.store = data, broker, store
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.env = cli_env({"NEWSARCHIVE_STORE": store, "NEWSARCHIVE_BROKER": broker})

    def start(self, name: str, settings: tuple[str, ...] = SLOW) -> None:
        with (self.data.parent / f"{name}.log").open("wb") as log:
            self.workers[name] = subprocess.Popen(
                cli_command("worker", "--name", name, "--redeliver-after", str(REDELIVER_AFTER), *settings,
                            data=self.data, env=self.env),
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str) -> None:
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait()

    def stop(self) -> None:
        for proc in self.workers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def enqueue(self, *targets: str) -> subprocess.Popen[str]:
        return subprocess.Popen(cli_command("enqueue", *targets, "--wait", "--json", "--timeout", str(DEADLINE),
                                            data=self.data, env=self.env),
                                cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running_in(self) -> str | None:
        """The worker with a WARC file open, once a run has archived something."""
        for path in sorted((self.data / "warc").glob("*/*.warc.gz.open")):
            if path.stat().st_size > 20_000:
                return path.parent.name
        return None


def _responses_by_uri(warc_dir: Path) -> tuple[Counter[str], set[str], list[str]]:
    """How many 200 responses each URI has, every response record id, and every revisit's WARC-Refers-To."""
    counts: Counter[str] = Counter()
    ids: set[str] = set()
    refers: list[str] = []
    for path in sorted(warc_dir.glob("**/*.warc.gz")):
        for record in iter_records(path):
            if record.type == "response":
                ids.add(record.fields["WARC-Record-ID"])
                if record.http_status == 200:
                    counts[record.fields["WARC-Target-URI"]] += 1
            elif record.type == "revisit":
                refers.append(record.fields["WARC-Refers-To"])
    return counts, ids, refers


def _queue_drains(broker: RedisServer) -> None:
    """Nothing is left queued or handed out: a job delivered twice (Redis restarted under a run) is let go
    at once by the worker that gets it again."""
    client = redis.Redis.from_url(broker.url)
    deadline = time.monotonic() + 60
    while (client.llen("celery") or client.hlen("unacked")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.llen("celery") == 0
    assert client.hlen("unacked") == 0


def _runs_settle(data: Path, store: str) -> None:
    """No run is going, and none has started or ended for a while. A job delivered twice (Redis restarted
    under it, or its lease run out on a loaded machine, before the first delivery acknowledged the message
    both share) may still be waiting on the site lock after every job has reported; it writes a 'locked' run
    each time it tries, at most ``REDELIVER_AFTER`` apart, and may then run once more. Stopping the workers
    under that run would leave it 'running' and blame the product for the test's haste."""
    quiet = 2 * REDELIVER_AFTER + 1
    deadline = time.monotonic() + DEADLINE
    last: list[tuple[str, str]] = []
    since = time.monotonic()
    while time.monotonic() < deadline:
        with SnippetStore(store_for(data, store), readonly=True) as archive:
            runs = sorted((str(r["run_id"]), str(r["status"])) for r in archive.runs())
        if runs != last:
            last, since = runs, time.monotonic()
        elif time.monotonic() - since >= quiet and not any(status == "running" for _, status in runs):
            return
        time.sleep(0.5)


def _check_archive(data: Path, store: str, sites: list[ReplicaServer], killed: bool) -> None:
    warc_dir = data / "warc"
    assert not list(warc_dir.glob("**/*.open")), "a WARC file was left open"
    counts, ids, refers = _responses_by_uri(warc_dir)
    for server in sites:
        for article in server.site.truth():
            url = str(article["url"])
            assert counts[url] == 1, (url, counts[url])
    assert refers
    assert set(refers) <= ids, "a revisit refers to a record that is not in the archive"
    for path in sorted(warc_dir.glob("**/*.warc.gz")):  # warcio's own reader, every record and digest
        with path.open("rb") as f:
            for record in ArchiveIterator(f, check_digests=True):
                record.content_stream().read()
    verify = run_cli("verify", "--json", env={"NEWSARCHIVE_STORE": store}, data=data)
    assert verify.returncode == 0, verify.stdout[-3000:]
    with SnippetStore(store_for(data, store), readonly=True) as archive:
        assert archive.count() == ARTICLES * len(sites)
        twice = archive.db.execute("SELECT canonical_url, version FROM snippets GROUP BY canonical_url, version "
                                   "HAVING COUNT(*) > 1").fetchall()
        assert twice == []
        runs = archive.runs()
    for site in HOSTS:
        # a job refused by the lock is listed as a "locked" run that fetched nothing; the others never overlap
        mine = sorted((r for r in runs if r["site"] == site and r["status"] != "locked"), key=lambda r: r["started_at"])
        for earlier, later in itertools.pairwise(mine):
            if earlier["finished_at"]:  # a crashed run has no end; the lock kept the next one out
                assert earlier["finished_at"] <= later["started_at"], (earlier, later)
    summary = [(r["site"], r["run_id"], r["status"], r["started_at"], r["finished_at"],
                (r["report"] or {}).get("recovery")) for r in runs]
    unfinished = [r["status"] for r in runs if r["status"] not in ("finished", "locked")]
    # the killed run, marked "crashed" by the next run of its site (which repairs the archive first)
    assert unfinished == (["crashed"] if killed else []), summary
    # every job ran; a job delivered twice (Redis restarted under it) may run once more, incrementally:
    # revisits only, as the one-response-per-article check above shows
    finished = Counter(r["site"] for r in runs if r["status"] == "finished")
    assert set(finished) == set(HOSTS)
    assert finished[HOSTS[0]] >= 2


def _run_and_kill(tmp_path: Path, postgres: PostgresServer, redis_server: RedisServer, sites: list[ReplicaServer],
                  seed: int | None, restart_redis: bool) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = postgres.new_database()
    cluster = Cluster(data, redis_server.url, store)
    starts = [f"{server.base_url}/" for server in sites]
    try:
        for n in range(3):
            cluster.start(f"w{n}")
        enqueue = cluster.enqueue(*starts, starts[0])  # a second job for the first site
        victim, killed = None, False
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and enqueue.poll() is None:
            victim = cluster.running_in()
            time.sleep(0.05)
        assert victim is not None, "no run got going"
        if restart_redis:
            redis_server.restart()
        if seed is not None:
            time.sleep(random.Random(seed).uniform(0.0, 1.5))
            killed = bool(list((data / "warc" / victim).glob("*.open")))
            cluster.kill(victim)
        out, err = enqueue.communicate(timeout=DEADLINE + 60)
        assert enqueue.returncode == 0, err[-3000:] + out[-3000:]
        reports = json.loads(out)["runs"]
        assert len(reports) == 4
        assert {r["site"] for r in reports} == set(HOSTS)
        _queue_drains(redis_server)
        _runs_settle(data, store)  # the check below still fails on a run left 'running' past the deadline
    finally:
        cluster.stop()
    if seed is not None and not killed:
        pytest.fail("the killed worker had no run open")
    _check_archive(data, store, sites, killed)


@pytest.mark.parametrize("seed", [1])  # a second seed cost CI a minute for a kill at another moment
def test_a_worker_killed_mid_run_loses_nothing(tmp_path: Path, postgres: PostgresServer, redis_server: RedisServer,
                                               sites: list[ReplicaServer], seed: int) -> None:
    _run_and_kill(tmp_path, postgres, redis_server, sites, seed, restart_redis=False)


def test_a_redis_restart_mid_run_loses_nothing(tmp_path: Path, postgres: PostgresServer, redis_server: RedisServer,
                                               sites: list[ReplicaServer]) -> None:
    _run_and_kill(tmp_path, postgres, redis_server, sites, None, restart_redis=True)


def test_beat_queues_each_due_site_once(tmp_path: Path, postgres: PostgresServer, redis_server: RedisServer,
                                        sites: list[ReplicaServer]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = postgres.new_database()
    (data / "sites.toml").write_text("".join(f'[[site]]\nstart = "{s.base_url}/"\nevery = "1d"\n\n'
                                             for s in sites[:2]))
    env = {"NEWSARCHIVE_STORE": store, "NEWSARCHIVE_BROKER": redis_server.url}

    def queued() -> int:
        result = run_cli("beat", "--once", env=env, data=data)
        assert result.returncode == 0, result.stderr
        return result.stdout.count(" queued ")

    assert queued() == 2
    assert queued() == 0  # queued already: not again until a worker has started the run
    cluster = Cluster(data, redis_server.url, store)
    cluster.start("w0", FAST)
    try:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if store_for(data, store).exists():  # the first run creates the schema
                with SnippetStore(store_for(data, store), readonly=True) as archive:
                    if sum(r["status"] == "finished" for r in archive.runs()) == 2:
                        break
            time.sleep(0.5)
        else:
            pytest.fail("the queued runs did not finish")
        _queue_drains(redis_server)
    finally:
        cluster.stop()
    assert queued() == 0  # both ran within their interval of a day
    with SnippetStore(store_for(data, store), readonly=True) as archive:
        assert archive.count() == 2 * ARTICLES


@pytest.mark.parametrize(("args", "needle"), [
    (["enqueue"], "give one or more sites"),
    (["enqueue", "rki.news", "--all"], "not both"),
    (["enqueue", "nope.example"], "unknown site"),
    (["worker", "--redeliver-after", "1"], "--redeliver-after"),
    (["worker", "--name", "../up"], "--name"),
    (["worker", "--concurrency", "0"], "--concurrency"),
    (["beat", "--once", "--sites", "/nonexistent/sites.toml"], "no site collection"),
])
def test_bad_cluster_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    assert_one_line_error(run_cli(*args, env={"NEWSARCHIVE_BROKER": "redis://127.0.0.1:9/0"}, data=tmp_path), needle)
