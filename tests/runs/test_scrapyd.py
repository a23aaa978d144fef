"""Deploying to Scrapyd: the egg scrapyd-deploy builds runs the news spider on a real Scrapyd on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.store.snippet_store import SnippetStore
from archive.warc.replay import free_port
from archive.warc.verify import verify_directory
from replica import ReplicaServer
from tests.conftest import ROOT
from tests.helpers import store_for

BIN = Path(sys.executable).parent


def call(base: str, endpoint: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
    return result


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Scrapyd with the project's egg installed, and the data directory its jobs write to."""
    work = tmp_path / "scrapyd"
    (work / "eggs" / "newsarchive").mkdir(parents=True)
    egg = work / "eggs" / "newsarchive" / "1.egg"
    build = subprocess.run([BIN / "scrapyd-deploy", "--build-egg", str(egg)], cwd=ROOT, capture_output=True,
                           text=True, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    port = free_port()
    (work / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"eggs_dir = {work / 'eggs'}\nlogs_dir = {work / 'logs'}\ndbs_dir = {work / 'dbs'}\n")
    data = tmp_path / "data"
    env = {**os.environ, "NEWSARCHIVE_DATA": str(data), "NEWSARCHIVE_STORE": store_for(data).argument(),
           "PYTHONWARNINGS": "ignore"}
    with subprocess.Popen([BIN / "scrapyd"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE) as proc:
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    call(base, "daemonstatus.json")
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield base, data
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    shutil.rmtree(ROOT / "build", ignore_errors=True)


def test_scrapyd_runs_the_deployed_news_spider(scrapyd: tuple[str, Path], replica: ReplicaServer) -> None:
    base, data = scrapyd
    spiders = call(base, "listspiders.json?project=newsarchive")
    assert set(spiders["spiders"]) >= {"news", "urls"}
    job = call(base, "schedule.json", {"project": "newsarchive", "spider": "news", "site": "rki.news",
                                       "base_url": replica.base_url, "max_articles": "12"})
    assert job["status"] == "ok"
    deadline = time.monotonic() + 120
    while True:
        jobs = call(base, "listjobs.json?project=newsarchive")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.3)
    store = SnippetStore(store_for(data), readonly=True)
    try:
        assert store.count() == 12
    finally:
        store.close()
    (report,) = (data / "runs").glob("*.json")
    assert json.loads(report.read_text())["status"] == "finished"
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []
