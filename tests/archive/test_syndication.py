"""Syndicated copies: one wire story run by several sites with their own chrome, site suffixes in the titles and
small edits is one cluster; an unrelated story sharing headline words stays out; an edit of one article is
version history, not a copy. Pages go through the real cleaner into a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import itertools
import json
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from archive.api import Archive
from archive.store.fingerprints import PERMUTATIONS, SEED, estimated_jaccard, shingles, signature
from archive.store.snippet_store import SnippetStore
from crawler.cleaning.extraction import extract
from tests.conftest import run_cli
from tests.helpers import Room, snippet, store_for

WIRE = [
    "GENEVA (Wire) — Wheat prices rose for a third day on Tuesday after the main exporters' association said the "
    "spring harvest would fall short of last year's by a tenth, the steepest drop since the drought of 2019.",
    "Traders in Chicago and Paris bid up contracts for delivery in July, and millers in several importing countries "
    "said they had begun to buy ahead, fearing that prices would climb further once the harvest figures were final.",
    "The association blamed a cold April and late rains in the northern growing regions, where farmers planted "
    "less winter wheat after two years of low prices had eaten into their margins.",
    "Aid agencies warned that the rise would be felt first in countries that import most of their grain, where "
    "bread prices are set by the state and subsidies already strain public budgets.",
    "The association's next estimate is due at the end of the month. Several governments have asked it to publish "
    "the regional figures behind the forecast, which it has so far kept confidential.",
]
OTHER = [  # the same words in the headline, another story
    "Wheat farmers in the southern provinces staged a protest outside the agriculture ministry on Tuesday, asking "
    "for a guaranteed purchase price before the sowing season begins in October.",
    "The farmers' union said input costs for fertiliser and diesel had doubled in two years while the price paid at "
    "the mills had barely moved, and that many smallholders were selling their land.",
    "The ministry said a committee would report on support prices within six weeks and that it could not promise "
    "any figure before then, a reply the union called an insult to growers.",
]


def page(site: str, title: str, paragraphs: list[str], chrome: str) -> bytes:
    """A news page of its own make: each site wraps the story in different chrome."""
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='article'><meta property='og:site_name' content='{site}'>"
            f"<meta property='article:published_time' content='2026-05-05T09:00:00+00:00'></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world/'>World</a> <a href='/business/'>Business</a></nav>"
            f"{chrome}<article><h1>{title.split(' | ')[0].split(' - ')[0]}</h1><div class='body'>{text}</div>"
            f"<div class='share'>Share on Facebook · Share on X</div></article>"
            f"<aside class='related'><h3>Most read</h3><a href='/a'>Markets close lower</a></aside>"
            f"<footer>© {site}</footer></body></html>").encode()


STORY = "Wheat prices rise as exporters cut harvest forecast"
COPIES = {  # site -> (title, paragraphs, chrome): site suffixes, a trimmed end, a changed word, a note added
    "daily.example": (f"{STORY} | Daily Example", WIRE, "<div class='ticker'>Markets: FTSE +0.4%</div>"),
    "herald.example": (f"{STORY} - The Herald", WIRE[:4], "<header><p>The Herald since 1871</p></header>"),
    "post.example": (STORY.replace("rise", "climb"), [WIRE[0].replace("a tenth", "10 percent"), *WIRE[1:]], ""),
    "times.example": (f"{STORY} | Times", [*WIRE, "This story was updated with comment from aid agencies."],
                      "<div class='cookie'>We use cookies.</div>"),
}


def cleaned(site: str, path: str, title: str, paragraphs: list[str], chrome: str, published: str) -> object:
    url = f"https://{site}{path}"
    article = extract(page(site, title, paragraphs, chrome), url, "text/html; charset=utf-8")
    assert article is not None
    return replace(snippet(url, article.text, published, article.title, site), cleaner_version=article.cleaner)


@pytest.fixture
def archive(tmp_path: Path, store_location: str) -> Iterator[Archive]:
    store = SnippetStore(store_for(tmp_path, store_location))
    days = itertools.count(5)
    for site, (title, paragraphs, chrome) in COPIES.items():
        store.add(cleaned(site, "/2026/05/wheat-prices/", title, paragraphs, chrome,  # type: ignore[arg-type]
                          f"2026-05-{next(days):02d}T09:00:00+00:00"))
    store.add(cleaned("daily.example", "/2026/05/wheat-farmers-protest/", "Wheat farmers protest | Daily Example",
                      OTHER, "", "2026-05-06T09:00:00+00:00"))  # type: ignore[arg-type]
    # the Daily's own edit of its copy: a new version of the same article, not another copy
    store.add(cleaned("daily.example", "/2026/05/wheat-prices/", f"{STORY} | Daily Example",  # type: ignore[arg-type]
                      [*WIRE[:4], "Correction: the association's estimate is due next week."], "",
                      "2026-05-05T09:00:00+00:00"))
    store.close()
    with Archive(store_for(tmp_path, store_location)) as opened:
        yield opened


def ids_by_site(archive: Archive) -> dict[str, int]:
    return {s.site + ("/other" if "protest" in s.url else ""): s.id or 0 for s in archive.search()}


def test_every_copy_in_one_cluster_and_nothing_else(archive: Archive) -> None:
    ids = ids_by_site(archive)
    copies = archive.copies(ids["daily.example"])
    assert sorted(c.site for c in copies) == ["herald.example", "post.example", "times.example"]
    assert all("protest" not in c.canonical_url for c in copies)
    assert archive.copies(ids["daily.example/other"]) == []
    assert [c.site for c in archive.copies(ids["times.example"])] == ["daily.example", "herald.example",
                                                                       "post.example"]  # the first first
    assert len(archive.versions("https://daily.example/2026/05/wheat-prices/")) == 2  # the edit: history


def test_search_collapses_copies_and_exports_carry_the_cluster(archive: Archive, tmp_path: Path) -> None:
    collapsed = list(archive.collapsed(archive.search("wheat", order="oldest")))
    assert [(m.site, n) for m, n in collapsed] == [("daily.example", 3), ("daily.example", 0)]
    out = tmp_path / "export.csv"
    archive.export(out, "csv", "wheat")
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["url"]: r for r in csv.DictReader(f)}
    first = rows["https://daily.example/2026/05/wheat-prices/"]
    assert first["duplicate_of"] == ""
    for site in ("herald", "post", "times"):
        row = rows[f"https://{site}.example/2026/05/wheat-prices/"]
        assert row["cluster_id"] == first["cluster_id"]
        assert row["duplicate_of"] == str(ids_by_site(archive)["daily.example"])
    other = rows["https://daily.example/2026/05/wheat-farmers-protest/"]
    assert other["cluster_id"] != first["cluster_id"]
    assert other["duplicate_of"] == ""


def test_dedupe_rebuild_makes_the_same_clusters(archive: Archive, tmp_path: Path, store_location: str) -> None:
    before = {s.canonical_url: archive.store.cluster_of(s.id or 0) for s in archive.search()}
    data = archive.data_dir
    elsewhere = ["--store", store_location] if store_location.startswith("postgresql") else []
    result = run_cli("dedupe", "--rebuild", "--json", *elsewhere, data=data)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"fingerprinted": 6, "clusters_with_copies": 1, "versions_in_them": 4}
    with Archive(store_for(tmp_path, store_location)) as again:
        after = {s.canonical_url: again.store.cluster_of(s.id or 0) for s in again.search()}
    assert grouping(after) == grouping(before)


def grouping(clusters: dict[str, int | None]) -> list[list[str]]:
    """The URLs grouped by cluster, whatever the clusters' ids."""
    return sorted(sorted(u for u in clusters if clusters[u] == c) for c in set(clusters.values()))


def test_the_fingerprint_estimates_jaccard_within_five_hundredths() -> None:
    texts = [" ".join(p) for p in (WIRE, WIRE[:4], WIRE[1:], [*WIRE[:2], *OTHER[:2]], OTHER, [WIRE[0], OTHER[0]])]
    errors = []
    for a, b in itertools.combinations(texts, 2):
        exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
        errors.append(abs(estimated_jaccard(signature(a), signature(b)) - exact))
    assert sum(errors) / len(errors) <= 0.05
    assert max(errors) <= 0.15


def test_fingerprints_are_the_ones_archives_hold() -> None:
    """Stored signatures are compared with new ones for as long as an archive lives: these values were
    stored by every release since fingerprints began."""
    stored = signature("Wheat prices rose for a third day on Tuesday after the exporters said so.")
    assert stored[:6].tolist() == [11749804, 178211382, 441336852, 292930080, 151234415, 1311623149]
    assert signature("").tolist() == [2**32 - 1] * PERMUTATIONS


def test_fingerprints_are_the_reference_minhash() -> None:
    """The values are datasketch 2's MinHash ("affine32", the same seed and hash) on any text."""
    datasketch = pytest.importorskip("datasketch")
    for text in ["", "one", "one two", " ".join(WIRE), " ".join(OTHER), "Ein Bericht über Weizenpreise. " * 20]:
        reference = datasketch.MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=zlib.crc32, scheme="affine32")
        reference.update_batch(list(shingles(text)))
        assert signature(text).tolist() == reference.hashvalues.astype("uint32").tolist()


def test_the_reading_room_lists_an_article_s_copies(archive: Archive, store_location: str) -> None:
    ids = ids_by_site(archive)
    room = Room(archive.data_dir, *(["--store", store_location] if store_location.startswith("postgresql") else []))
    try:
        status, body, _ = room.get(f"/articles/{ids['times.example']}")
        assert status == 200
        for site in ("daily.example", "herald.example", "post.example"):
            assert f"{site}</a>" in body.decode()
        api = room.json(f"/api/snippets/{ids['herald.example']}")
        assert sorted(c["site"] for c in api["copies"]) == ["daily.example", "post.example", "times.example"]
        assert room.json(f"/api/snippets/{ids['daily.example/other']}")["copies"] == []
    finally:
        room.stop()
