"""Commands that start servers or child processes leave nothing behind, however they are stopped: each is
sent SIGTERM, SIGINT, SIGHUP and SIGKILL in turn, and afterwards no process it started is alive and its
port is closed."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from archive.warc.replay import free_port
from replica import ReplicaServer
from tests.conftest import ROOT, Crawl, cli_command, cli_env, copy_archive

pytestmark = pytest.mark.processes  # each test starts the CLI in a process of its own

SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


def stop_and_check(proc: subprocess.Popen[str], sig: signal.Signals, port: int | None = None) -> None:
    started = descendants(proc.pid)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert until(lambda: not any(alive(p) for p in started), 20), \
        f"left running after {sig.name}: {[p for p in started if alive(p)]}"
    if port is not None:
        assert until(lambda: not listening(port), 10), f"port {port} still served after {sig.name}"


def launch(*args: str, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(cli_command(*args, data=data), cwd=ROOT, env=cli_env(), text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_replay_takes_pywb_with_it(replica_crawl: Crawl, tmp_path: Path, sig: signal.Signals) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    port = free_port()
    proc = launch("replay", "--port", str(port), data=data)
    try:
        assert until(lambda: listening(port), 90), "replay did not start"
        assert descendants(proc.pid), "pywb runs as a child"
        stop_and_check(proc, sig, port)
    finally:
        proc.kill()


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_demo_serve_stops_serving(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    proc = launch("demo", "--serve", "--port", str(port), data=tmp_path)
    try:
        assert until(lambda: listening(port), 60), "the replica did not start"
        stop_and_check(proc, sig, port)
    finally:
        proc.kill()


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_crawl_takes_its_cleaning_workers_with_it(replica: ReplicaServer, tmp_path: Path,
                                                    sig: signal.Signals) -> None:
    base_url = replica.base_url
    proc = launch("crawl", "rki.news", "--base-url", base_url, "-s", "NEWSARCHIVE_CLEAN_WORKERS=2", "-s",
                  "DOWNLOAD_DELAY=0.2", data=tmp_path)
    try:
        assert until(lambda: len(descendants(proc.pid)) >= 3, 60), "no cleaning workers started"  # forkserver + 2
        stop_and_check(proc, sig)
    finally:
        proc.kill()
