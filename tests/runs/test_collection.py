"""The site collection: crawl --all runs every due site of DATA/sites.toml, several at once in one process,
each with its own politeness, lock and run report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.store.snippet_store import SnippetStore
from crawler.runs.collection import CollectionError, SiteEntry, is_due, load_collection, parse_interval
from replica import ReplicaServer
from replica.courier import CourierServer
from tests.conftest import run_cli
from tests.helpers import store_for


def collection(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "needle"), [
    ('[[site]]\nname = "rki.news"\nevery = "soon"\n', "bad interval 'soon'"),
    ('[[site]]\nname = "nope.example"\n', "unknown site 'nope.example'"),
    ('[[site]]\nname = "rki.news"\nstart = "https://a.example/"\n', "either name"),
    ('[[site]]\nstart = "https://a.example/"\nbase_url = "http://127.0.0.1:1"\n', "base_url goes with"),
    ('[[site]]\nname = "rki.news"\nevry = "1h"\n', "unknown key(s) evry"),
    ('[[site]]\nname = "rki.news"\n[[site]]\nname = "rki.news"\n', "listed twice"),
    ('[[site]]\nstart = "ftp://a.example/"\n', "not an http(s) URL"),
    ("site = 3\n", "no [[site]] entries"),
    ('[[site]\nname = "x"\n', "sites.toml"),  # not TOML
])
def test_mistakes_in_the_collection_are_named(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(CollectionError) as caught:
        load_collection(collection(tmp_path, text))
    assert needle in str(caught.value)


def test_intervals() -> None:
    assert parse_interval("90s") == timedelta(seconds=90)
    assert parse_interval("1.5h") == timedelta(minutes=90)
    assert parse_interval(600) == timedelta(minutes=10)
    for bad in ("0s", "1w", "", True, None):
        with pytest.raises(CollectionError):
            parse_interval(bad)


def test_a_site_is_due_when_no_run_started_within_its_interval() -> None:
    now = datetime(2026, 1, 2, 12, tzinfo=UTC)
    entry = SiteEntry("rki.news", {"site": "rki.news"}, timedelta(hours=6))

    def run(site: str, hours_ago: float, status: str = "finished") -> dict[str, str]:
        return {"site": site, "status": status, "started_at": (now - timedelta(hours=hours_ago)).isoformat()}

    assert is_due(entry, [], now)
    assert not is_due(entry, [run("rki.news", 1)], now)
    assert is_due(entry, [run("rki.news", 7)], now)
    assert is_due(entry, [run("other.example", 1), run("rki.news", 7)], now)
    assert is_due(entry, [run("rki.news", 1, "locked"), run("rki.news", 7)], now)  # a refused run did nothing
    assert not is_due(entry, [run("rki.news", 2, "crashed")], now)  # a crash is recovered by the next run


def test_crawl_all_runs_every_due_site_at_once_and_then_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ReplicaServer(article_count=60) as rki, CourierServer(article_count=40) as courier:
        sites = collection(tmp_path, f'[[site]]\nname = "rki.news"\nbase_url = "{rki.base_url}"\nevery = "1h"\n\n'
                                     f'[[site]]\nstart = "{courier.base_url}/"\nevery = "1h"\n'
                                     'settings = { NEWSARCHIVE_MAX_ARTICLES = 25 }\n')
        first = run_cli("crawl", "--all", "--sites", str(sites), "--json", data=data)
        assert first.returncode == 0, first.stderr[-3000:]
        reports = {r["site"]: r for r in json.loads(first.stdout)["runs"]}
        again = run_cli("crawl", "--all", "--sites", str(sites), "--json", data=data)
    assert set(reports) == {"rki.news", "127.0.0.1"}
    assert reports["rki.news"]["counts"]["articles/new"] == 60
    # its own settings: 25 article requests of the 40. The cap counts URLs that look like articles, and one
    # page of the courier looks like one and is not: whether it is among the first 25 depends on the order
    # the listing pages come back in
    courier_counts = reports["127.0.0.1"]["counts"]
    assert courier_counts["articles/requested"] == 25, courier_counts
    assert 25 - courier_counts["articles/not_article"] <= courier_counts["articles/new"] <= 25, courier_counts
    a, b = reports.values()
    assert a["started_at"] < b["finished_at"]  # the two ran at once, in one process
    assert b["started_at"] < a["finished_at"]
    assert a["run_id"] != b["run_id"]
    assert again.returncode == 0
    assert json.loads(again.stdout)["runs"] == []  # nothing due within the hour
    with SnippetStore(store_for(data), readonly=True) as store:
        assert {r["site"]: r["status"] for r in store.runs()} == {"rki.news": "finished", "127.0.0.1": "finished"}
    assert (data / "metrics" / "rki.news.prom").exists()


def test_crawl_all_without_a_collection_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("crawl", "--all", data=tmp_path)
    assert result.returncode == 2
    assert "no site collection at" in result.stderr
    both = run_cli("crawl", "rki.news", "--all", data=tmp_path)
    assert both.returncode == 2
