"""The newsarchive command line as a user meets it: errors, search, export, demo, and `scrapy crawl`."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import SNIPPET_FIELDS
from crawler.cleaning.fork_server import PRELOAD
from replica import ReplicaServer
from tests.conftest import ROOT, Crawl, cli_command, cli_env, run_cli
from tests.helpers import assert_one_line_error, store_for


def test_unknown_site(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("crawl", "no-such-site.example", data=tmp_path), "no-such-site.example")


@pytest.mark.parametrize("url", ["ftp://example.com/", "http://", "http:///path", "http://exa mple.com/",
                                 "http://127.0.0.1:99999/"])
def test_bad_start_url(tmp_path: Path, url: str) -> None:
    assert_one_line_error(run_cli("crawl", url, data=tmp_path))


def test_bad_base_url(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("crawl", "rki.news", "--base-url", "not a url", data=tmp_path))


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_one_line_error(run_cli("crawl", "rki.news", data=blocker / "data"), "not writable")


def test_bad_setting_override(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("crawl", "rki.news", "-s", "NOEQUALSIGN", data=tmp_path), "NAME=VALUE")
    assert_one_line_error(run_cli("crawl", "rki.news", "-s", "NEWSARCHIVE_RENDER=sometimes", data=tmp_path),
                          "NEWSARCHIVE_RENDER", "never, auto, always")
    assert_one_line_error(run_cli("fetch", "http://127.0.0.1:9/", "-s", "NEWSARCHIVE_RESOURCES=all", data=tmp_path),
                          "NEWSARCHIVE_RESOURCES", "none, page")


def test_search_without_archive(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "kyiv", data=tmp_path / "empty"), "no archive")


def test_unknown_subcommand_exits_2() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_search_finds_the_sample_article(replica_crawl: Crawl) -> None:
    result = run_cli("search", '"record strike"', "--json", data=replica_crawl.data)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits
    assert "Putin Rejects Trump Truce as Kyiv Suffers Record Strike" in [h["title"] for h in hits]
    for hit in hits:
        assert "record" in (hit["title"] + hit["text"]).lower()


def test_search_table_output_and_filters(replica_crawl: Crawl) -> None:
    result = run_cli("search", "Kyiv", "--since", "2025-07-01", "--until", "2025-07-05", "--limit", "5",
                     data=replica_crawl.data)
    assert result.returncode == 0, result.stderr
    assert "Putin Rejects Trump Truce" in result.stdout
    assert "[Kyiv]" in result.stdout  # the highlighted fragment
    late = run_cli("search", "Kyiv", "--since", "2025-07-05", "--until", "2025-07-06", data=replica_crawl.data)
    assert "Putin Rejects Trump Truce" not in late.stdout


def test_search_results_are_newest_first(replica_crawl: Crawl) -> None:
    result = run_cli("search", "the", "--jsonl", "--limit", "50", data=replica_crawl.data)
    dates = [datetime.fromisoformat(json.loads(line)["published"]) for line in result.stdout.splitlines()]
    assert len(dates) == 50
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(("args", "needle"), [
    (["search", '"unbalanced'], "cannot search"),
    (["search", "kyiv", "--since", "yesterday"], "--since"),
    (["search", "kyiv", "--limit", "0"], "--limit"),
    (["reextract", "--workers", "-3"], "--workers"),
])
def test_bad_search_input(replica_crawl: Crawl, args: list[str], needle: str) -> None:
    assert_one_line_error(run_cli(*args, data=replica_crawl.data), needle)


def test_export_jsonl_writes_the_latest_version_of_every_article(replica_crawl: Crawl, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    result = run_cli("export", "--format", "jsonl", "-o", str(out), data=replica_crawl.data)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    store = SnippetStore(store_for(replica_crawl.data), readonly=True)
    expected = {s.canonical_url: s for s in store.select(Filters(), order="oldest")}
    store.close()
    assert len(rows) == len(expected) == replica_crawl.report["counts"]["articles/new"]
    for row in rows:
        assert list(row) == [*(f for f in SNIPPET_FIELDS if f != "id"), "cluster_id", "duplicate_of"]
        assert row["text"] == expected[row["canonical_url"]].text


def test_export_to_an_unwritable_path(replica_crawl: Crawl, tmp_path: Path) -> None:
    assert_one_line_error(run_cli("export", "--format", "jsonl", "-o", str(tmp_path / "missing" / "x.jsonl"),
                                  data=replica_crawl.data), "cannot write")


def test_crawl_prints_a_summary(replica: ReplicaServer, tmp_path: Path) -> None:
    result = run_cli("crawl", "rki.news", "--base-url", replica.base_url, "--max-articles", "5", data=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "articles new 5," in result.stdout
    assert "errors: none" in result.stdout
    (report,) = (tmp_path / "runs").glob("*.json")
    facts = json.loads(report.read_text())
    assert facts["counts"]["articles/new"] == 5
    # robots, feed, a sitemap, the five (and their page resources): queued discovery is dropped
    assert facts["pages_fetched"] - facts["resources"]["requested"] < 20
    assert facts["errors"] == {}
    assert list((tmp_path / "runs").glob("*.log"))


def test_crawl_of_an_unreachable_site_fails(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli("crawl", f"http://127.0.0.1:{port}/", "-s", "RETRY_TIMES=0", data=tmp_path)
    assert result.returncode == 1
    assert "robots_unreachable" in result.stdout  # RFC 9309: an unreachable robots.txt disallows all


def test_demo_crawls_the_replica_and_searches(tmp_path: Path) -> None:
    result = run_cli("demo", data=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "replica of rki.news at http://127.0.0.1:" in out
    assert "finished in" in out
    assert "errors: none" in out
    assert "result(s) for" in out
    assert "0 result(s)" not in out
    store = SnippetStore(store_for(tmp_path), readonly=True)
    assert store.count() >= 300
    store.close()


def test_scrapy_crawl_works_as_well(replica: ReplicaServer, tmp_path: Path) -> None:
    env = {**os.environ, "NEWSARCHIVE_DATA": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=rki.news", "-a", f"base_url={replica.base_url}",
         "-a", "max_articles=3", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    store = SnippetStore(store_for(tmp_path), readonly=True)
    assert store.count() == 3
    store.close()
    assert list((tmp_path / "warc").glob("*.warc.gz"))


def test_demo_serve_serves_until_interrupted() -> None:
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with subprocess.Popen(cli_command("demo", "--serve", "--port", str(port)), cwd=ROOT, env=cli_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
            deadline = time.monotonic() + 10
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5) as response:
                        assert b"Sitemap:" in response.read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()


def test_reading_commands_and_usage_errors_load_no_crawler_machinery(tmp_path: Path) -> None:
    """Each command's code is imported when it runs: a search, or a mistyped argument, answers without
    loading Scrapy, Celery, SciPy or the browser driver."""
    heavy = ["scrapy", "celery", "scipy", "datasketch", "playwright", "trafilatura"]
    probe = ("import sys\nfrom crawler.cli import main\n"
             "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
             f"print(code, [m for m in {heavy!r} if m in sys.modules])\n")
    for args in (["search", "anything", "--data", str(tmp_path)], ["crawl", "--jobs", "many"]):
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT,
                                env=cli_env(), timeout=60, check=False)
        assert result.stdout.strip().endswith("[]"), (args, result.stdout, result.stderr[-1000:])
    loaded = probe.replace("main(sys.argv[1:])", "0; import crawler.fetching.renderer")
    full = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, cwd=ROOT, env=cli_env(),
                          timeout=60, check=False)
    assert "'scrapy'" in full.stdout  # the probe sees what a crawl loads


def test_an_import_and_its_cleaning_processes_load_no_crawl_machinery() -> None:
    """What stands between ``newsarchive import`` and its first cleaned page is the loading of two processes:
    the command's own (the store, the WARC reader) and the cleaning fork server's (the cleaners and the
    language model). Neither loads Scrapy or psycopg (a SQLite archive), the cleaners do without the store, and
    the command's own process, which hands every page to the cleaning processes, does without trafilatura."""
    watched = ["scrapy", "twisted", "psycopg", "archive.store.snippet_store", "trafilatura"]
    probe = ("import sys, importlib\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
             f"print([m for m in {watched!r} if m in sys.modules])\n")

    def loaded(*modules: str) -> list[str]:
        result = subprocess.run([sys.executable, "-c", probe, *modules], capture_output=True, text=True, cwd=ROOT,
                                env=cli_env(), timeout=120, check=True)
        return list(ast.literal_eval(result.stdout.strip().splitlines()[-1]))

    assert loaded("crawler.cli", "crawler.commands.past", "crawler.runs.importing") == \
        ["archive.store.snippet_store"]
    assert loaded(*PRELOAD) == ["trafilatura"]
    assert loaded(*PRELOAD, "archive.store.postgres", "crawler.spiders.base") == watched  # it sees what a crawl loads
    # reextract starts the fork server before it opens the store: the command's module loads none of it
    assert loaded("crawler.cli", "crawler.commands.maintenance") == []
