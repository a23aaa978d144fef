"""Cleaning in worker processes: a page that kills its worker, hangs or raises costs that page only."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from archive.warc.verify import verify_directory
from crawler.cleaning.pool import CleaningPool
from crawler.spiders.base import CaptureSpider
from replica import ReplicaServer
from tests.conftest import ROOT, cli_env, crawl, run_cli


def processes_marked(marker: str) -> list[int]:
    """Live processes whose environment carries ``marker`` (the run's, inherited by every child)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def fetch_fragile(replica: ReplicaServer, data: Path, fragile: dict[str, int], workers: int, count: int = 6,
                  marker: str = "") -> tuple[list[str], dict[str, dict[str, str]]]:
    """Fetch the newest ``count`` articles with a cleaner that fails as told on some: (URLs, outcome per URL)."""
    posts = replica.site.posts[:count]
    urls = [replica.base_url + p.path for p in posts]
    env = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.fragile_rki",
           "FRAGILE_PAGES": ";".join(f"{what}={posts[i].path}" for what, i in fragile.items()),
           "NEWSARCHIVE_TEST_RUN": marker}
    result = run_cli("fetch", *urls, "--site", "rki.news", "--json", "-s", f"NEWSARCHIVE_CLEAN_WORKERS={workers}",
                     "-s", "NEWSARCHIVE_CLEAN_TIMEOUT=3", data=data, env=env)
    return urls, {r["url"]: r for r in json.loads(result.stdout)["results"]}


def archived_responses(data: Path) -> set[str]:
    return {r.fields["WARC-Target-URI"] for report in verify_directory(data / "warc") for r in report.records
            if r.type == "response"}


def test_a_page_that_kills_its_worker_hangs_or_raises_costs_that_page_only(replica: ReplicaServer,
                                                                          tmp_path: Path) -> None:
    marker = f"pool-test-{uuid.uuid4()}"
    fragile = {"crash": 0, "hang": 1, "raise": 2}
    urls, outcomes = fetch_fragile(replica, tmp_path, fragile, workers=2, marker=marker)
    reasons = {"crash": "clean_crashed", "hang": "clean_timeout", "raise": "clean_error"}
    for what, index in fragile.items():
        assert (outcomes[urls[index]]["outcome"], outcomes[urls[index]].get("reason")) == ("failed", reasons[what])
    assert [outcomes[u]["outcome"] for u in urls[3:]] == ["new"] * 3  # the pool went on
    assert set(urls) <= archived_responses(tmp_path)  # the failed pages too: a fixed cleaner can re-extract them
    assert processes_marked(marker) == []  # the pool's fork server and workers ended with the run


def test_inline_cleaning_reports_a_cleaner_that_raises(replica: ReplicaServer, tmp_path: Path) -> None:
    urls, outcomes = fetch_fragile(replica, tmp_path, {"raise": 1}, workers=0, count=3)
    assert (outcomes[urls[1]]["outcome"], outcomes[urls[1]].get("reason")) == ("failed", "clean_error")
    assert [outcomes[u]["outcome"] for u in (urls[0], urls[2])] == ["new", "new"]


def test_a_slow_cleaner_slows_the_crawl_instead_of_piling_up_pages(replica: ReplicaServer, tmp_path: Path) -> None:
    """Backpressure: with one worker taking 0.1 s a page, the pages waiting for it stay few when Scrapy's
    scraper slot is bounded, and pile up when it is not (the same crawl, the bound lifted)."""
    env = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.fragile_rki", "FRAGILE_SLOW": "0.1"}
    common = ("rki.news", "--base-url", replica.base_url, "--max-articles", "40", "-s", "NEWSARCHIVE_CLEAN_WORKERS=1",
              "-s", "CONCURRENT_REQUESTS=4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    bounded = crawl(tmp_path / "bounded", *common, "-s", "SCRAPER_SLOT_MAX_ACTIVE_SIZE=1", env=env)
    assert bounded.report["counts"]["articles/new"] == 40
    # what the scraper slot admitted before the engine stopped (one) + requests the downloader had taken (4)
    # + the pool's places (2 x workers) + one
    assert bounded.report["counts"]["cleaning/max_waiting"] <= 8, bounded.report["counts"]
    unbounded = crawl(tmp_path / "unbounded", *common, "-s", f"SCRAPER_SLOT_MAX_ACTIVE_SIZE={10**9}", env=env)
    assert unbounded.report["counts"]["articles/new"] == 40
    assert unbounded.report["counts"]["cleaning/max_waiting"] > 15, unbounded.report["counts"]


def test_a_page_whose_spider_callback_raises_is_in_the_report(replica: ReplicaServer, tmp_path: Path) -> None:
    env = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.fragile_rki", "FRAGILE_PAGES": "listing=/category/asia/"}
    result = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--max-articles", "20", env=env)
    errors = result.report["errors"]["callback_error"]
    assert errors["count"] >= 1
    assert replica.base_url + "/" in errors["examples"]  # the home page links to the section
    assert result.report["status"] == "finished"
    assert result.report["counts"]["articles/new"] == 20  # the crawl went on


def test_a_run_refused_its_site_lock_starts_no_cleaning_processes() -> None:
    """The pool starts as the engine starts, and not for a run that will not crawl: a fork server started by
    a run refused its lock was still loading the cleaners when the run ended, and printed a traceback."""
    spider = CaptureSpider(name="refused")
    spider.cleaner = CleaningPool(1, 10.0)
    spider.lock_refused = "another run holds the lock"
    spider.warm_up_cleaner()
    assert spider.cleaner._pool is None
    spider.lock_refused = None
    spider.warm_up_cleaner()
    try:
        assert spider.cleaner._pool is not None
    finally:
        spider.cleaner.close()


def test_a_fork_server_started_early_loads_the_cleaners_while_the_command_goes_on_and_forks_the_workers() -> None:
    """``start_early`` starts the fork server without loading the cleaners in the command's own process, and
    the pool started later forks its workers from that server (their parent), not from a second one."""
    probe = (
        "import os, sys\n"
        "from multiprocessing import forkserver\n"
        "from crawler.cleaning.fork_server import start_early\n"
        "start_early(2)\n"
        "server = forkserver._forkserver._forkserver_pid\n"
        "loaded_here = 'trafilatura' in sys.modules\n"
        "from crawler.cleaning.pool import ordered_results\n"
        "parents = {p for p in ordered_results(os.getppid, [()] * 40, 2)}\n"
        "print(server is not None, loaded_here, parents == {server})\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=cli_env(),
                            timeout=120, check=False)
    assert result.stdout.split() == ["True", "False", "True"], result.stderr[-2000:]
