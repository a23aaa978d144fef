"""`newsarchive fetch` and `scrapy crawl urls`: exactly the given URLs, now."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from replica import ReplicaServer
from tests.conftest import ROOT, Crawl, copy_archive, run_cli
from tests.helpers import store_for


def truth_of(replica: ReplicaServer, index: int) -> dict[str, Any]:
    return replica.site.truth()[index]


def test_fetch_three_urls_one_invalid(replica: ReplicaServer, tmp_path: Path) -> None:
    good = [str(truth_of(replica, 3)["url"]), str(truth_of(replica, 40)["url"])]
    result = run_cli("fetch", good[0], "not-a-url", good[1], "--site", "rki.news", data=tmp_path)
    assert result.returncode == 3, result.stderr  # partial failure
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["new", good[0]]
    assert lines[1].startswith("failed    not-a-url  not an http(s) URL")
    assert lines[2].split()[:2] == ["new", good[1]]
    assert lines[3].startswith("2 of 3 URL(s) archived")
    store = SnippetStore(store_for(tmp_path), readonly=True)
    try:
        snippets = {s.canonical_url: s for s in store.select(Filters(), order="oldest")}
    finally:
        store.close()
    assert set(snippets) == set(good)
    for index, url in ((3, good[0]), (40, good[1])):
        truth = truth_of(replica, index)
        assert snippets[url].site == "rki.news"
        assert snippets[url].text == "\n\n".join(truth["paragraphs"])
        assert snippets[url].categories == truth["categories"]


def test_fetch_refetches_archived_urls_with_their_sites_profile(replica_crawl: Crawl, replica: ReplicaServer,
                                                                tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    urls = [str(truth_of(replica, 0)["url"]), f"{replica.base_url}/?p={truth_of(replica, 1)['post_id']}"]
    result = run_cli("fetch", *urls, "--json", data=data)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [r["outcome"] for r in results] == ["unchanged", "unchanged"]
    assert results[1]["canonical_url"] == truth_of(replica, 1)["url"]  # the shortlink's article


def test_fetch_from_stdin_reports_http_errors(replica: ReplicaServer, tmp_path: Path) -> None:
    listing = f"# two URLs\n{truth_of(replica, 5)['url']}\n\n{replica.base_url}/2020/01/01/no-such-story/\n"
    result = run_cli("fetch", "--from-file", "-", "--site", "rki.news", data=tmp_path, input=listing)
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert lines[0].startswith("new ")
    assert lines[1].startswith("failed ")
    assert lines[1].endswith("http_404")


@pytest.mark.parametrize(("args", "needle"), [([], "no URL given"), (["--from-file", "/nonexistent/list"],
                                                                     "cannot read"),
                                              (["http://x/", "--site", "nope.example"], "nope.example")])
def test_fetch_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run_cli("fetch", *args, data=tmp_path)
    assert result.returncode == 2
    assert needle in result.stderr


def test_fetch_with_only_invalid_urls_fails(tmp_path: Path) -> None:
    result = run_cli("fetch", "ftp://example.org/", "garbage", data=tmp_path)
    assert result.returncode == 1
    assert result.stdout.count("failed") == 2


def test_scrapy_crawl_urls(replica: ReplicaServer, tmp_path: Path) -> None:
    url = str(truth_of(replica, 7)["url"])
    env = {**os.environ, "NEWSARCHIVE_DATA": str(tmp_path), "NEWSARCHIVE_STORE": store_for(tmp_path).argument(),
           "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"urls={url}", "-a",
                             "site=rki.news"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    store = SnippetStore(store_for(tmp_path), readonly=True)
    try:
        (snippet,) = list(store.select(Filters(), order="oldest"))
    finally:
        store.close()
    assert snippet.canonical_url == url
    assert snippet.site == "rki.news"


def test_the_amp_variant_is_the_same_article(replica_crawl: Crawl, replica: ReplicaServer, tmp_path: Path) -> None:
    """PERMALINK/amp/ (linked by rel=amphtml) canonicalises to the permalink: one article, one record."""
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    truth = truth_of(replica, 2)
    result = run_cli("fetch", f"{truth['url']}amp/", "--json", data=data)
    assert result.returncode == 0, result.stderr
    (outcome,) = json.loads(result.stdout)["results"]
    assert outcome["outcome"] == "unchanged"
    assert outcome["canonical_url"] == truth["url"]
    fresh = tmp_path / "fresh"
    assert run_cli("fetch", f"{truth['url']}amp/", "--site", "rki.news", data=fresh).returncode == 0
    store = SnippetStore(store_for(fresh), readonly=True)
    try:
        (snippet,) = list(store.select(Filters(), order="oldest"))
    finally:
        store.close()
    assert snippet.canonical_url == truth["url"]
    assert snippet.text == "\n\n".join(truth["paragraphs"])
    assert snippet.categories == truth["categories"]
