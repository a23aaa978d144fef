"""The snippet store on a real SQLite file and a real PostgreSQL database: versions, full-text search, filters,
read-only access."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from archive.store.query import Filters, QueryError
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Match, Snippet
from tests import postgres_mode
from tests.helpers import snippet, store_for


def search(store: SnippetStore, query: str, *, limit: int | None = 20, site: str | None = None,
           since: str | None = None, until: str | None = None) -> list[Match]:
    """Full-text search as the CLI runs it: the latest versions, newest publication first."""
    return list(store.select(Filters(query=query, site=site, since=since, until=until), limit=limit))


@pytest.fixture
def store(tmp_path: Path, store_location: str) -> Iterator[SnippetStore]:
    s = SnippetStore(store_for(tmp_path, store_location))
    yield s
    s.close()


def test_versions_are_added_never_overwritten(store: SnippetStore) -> None:
    assert store.add(snippet("https://rki.news/a/", "First text.")) == "new"
    assert store.add(snippet("https://rki.news/a/", "First text.")) == "unchanged"
    assert store.add(snippet("https://rki.news/a/", "Second text.")) == "changed"
    versions = store.versions("https://rki.news/a/")
    assert [(v.version, v.text) for v in versions] == [(1, "First text."), (2, "Second text.")]
    assert [s.text for s in store.select(Filters(), order="oldest")] == ["Second text."]
    assert store.count() == 1


def test_captures_of_the_past_take_their_place_in_time(store: SnippetStore) -> None:
    """An import or backfill brings captures older than the latest version: versions follow the captures'
    times, not the order they arrived in, and the latest stays the newest capture's."""
    url = "https://rki.news/a/"

    def at(day: str, text: str, record: str) -> Snippet:
        return replace(snippet(url, text), fetched_at=f"2026-01-{day}T12:00:00+00:00", warc_record_id=record)

    assert store.add(at("10", "Third text.", "r10")) == "new"
    assert store.add(at("01", "First text.", "r01")) == "changed"  # before every version: first
    assert store.add(at("05", "Second text.", "r05")) == "changed"  # between two
    assert store.add(at("03", "First text.", "r03")) == "unchanged"  # as the version before it: nothing new
    assert store.add(at("07", "Third text.", "r07")) == "unchanged"  # as the one after: it was there already
    assert store.add(at("12", "Fourth text.", "r12")) == "changed"  # after the latest: as a crawl adds
    versions = store.versions(url)
    assert [(v.version, v.text, v.warc_record_id) for v in versions] == [
        (1, "First text.", "r01"), (2, "Second text.", "r05"), (3, "Third text.", "r07"), (4, "Fourth text.", "r12")]
    assert [s.text for s in store.select(Filters())] == ["Fourth text."]
    assert store.add(at("02", "A text between.", "r02")) == "changed"
    assert [(v.version, v.text) for v in store.versions(url)][:3] == [
        (1, "First text."), (2, "A text between."), (3, "Second text.")]
    assert [s.text for s in store.select(Filters())] == ["Fourth text."]  # the latest is still the newest capture


def test_a_new_title_alone_is_a_new_version(store: SnippetStore) -> None:
    store.add(snippet("https://rki.news/a/", "Same text.", title="Old"))
    assert store.add(snippet("https://rki.news/a/", "Same text.", title="New")) == "changed"


def test_search_finds_latest_versions_newest_first(store: SnippetStore) -> None:
    store.add(snippet("https://rki.news/old/", "Wheat prices rose in Multan.", "2025-01-01T09:00:00+05:00"))
    store.add(snippet("https://rki.news/new/", "Wheat harvest began in Punjab.", "2025-06-01T09:00:00+05:00"))
    store.add(snippet("https://rki.news/edit/", "Cotton was planted.", "2025-03-01T09:00:00+05:00"))
    store.add(snippet("https://rki.news/edit/", "Wheat replaced cotton.", "2025-03-01T09:00:00+05:00"))
    hits = search(store, "wheat")
    assert [h.canonical_url for h in hits] == ["https://rki.news/new/", "https://rki.news/edit/",
                                                       "https://rki.news/old/"]
    assert search(store, "cotton")[0].version == 2  # the old version is not returned
    assert "[Wheat]" in hits[0].fragment


def test_search_filters(store: SnippetStore) -> None:
    store.add(snippet("https://rki.news/a/", "Rain in Lahore.", "2025-01-01T23:30:00+05:00"))
    store.add(snippet("https://other.example/b/", "Rain in Karachi.", "2025-01-02T12:00:00+00:00", site="other"))
    assert [h.site for h in search(store, "rain", site="other")] == ["other"]
    # 23:30 +05:00 is 18:30 UTC on Jan 1: dates compare in UTC
    assert [h.site for h in search(store, "rain", since="2025-01-02")] == ["other"]
    assert [h.site for h in search(store, "rain", until="2025-01-02")] == ["rki.news"]
    assert len(search(store, "rain", limit=1)) == 1
    assert search(store, '"rain in lahore"')[0].site == "rki.news"
    assert search(store, "rai*")
    assert not search(store, "rain NOT lahore NOT karachi")


def test_malformed_query_is_a_query_error(store: SnippetStore) -> None:
    store.add(snippet("https://rki.news/a/", "Text."))
    with pytest.raises(QueryError):
        search(store, '"unbalanced')


def test_readonly_store_needs_an_existing_archive(tmp_path: Path, store_location: str) -> None:
    with pytest.raises(FileNotFoundError):
        SnippetStore(store_for(tmp_path / "nothing", store_location), readonly=True)


def test_reader_sees_commits_while_a_writer_is_open(store: SnippetStore, tmp_path: Path, store_location: str) -> None:
    store.add(snippet("https://rki.news/a/", "One."))
    reader = SnippetStore(store_for(tmp_path, store_location), readonly=True)
    try:
        assert reader.count() == 1
        store.add(replace(snippet("https://rki.news/b/", "Two.")))
        assert reader.count() == 2
    finally:
        reader.close()


def test_urdu_text_is_searchable(store: SnippetStore) -> None:
    store.add(snippet("https://rki.news/%d8%a7/", "کسانوں نے گندم کی فصل کاٹ لی۔"))
    assert len(search(store, "گندم")) == 1


FIRST_SCHEMA = """
CREATE TABLE snippets (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL, canonical_url TEXT NOT NULL, site TEXT NOT NULL, title TEXT NOT NULL,
    published TEXT, published_utc TEXT, modified TEXT, document_date TEXT,
    authors TEXT NOT NULL, categories TEXT NOT NULL, language TEXT,
    text TEXT NOT NULL, word_count INTEGER NOT NULL, text_sha256 TEXT NOT NULL,
    fetched_at TEXT NOT NULL, run_id TEXT NOT NULL, cleaner_version TEXT NOT NULL,
    warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_length INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL, payload_digest TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (canonical_url, version)
);
CREATE VIRTUAL TABLE snippets_fts USING fts5(
    title, text, content='snippets', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER snippets_ai AFTER INSERT ON snippets BEGIN
    INSERT INTO snippets_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
PRAGMA user_version = 1;
"""


@pytest.mark.skipif(postgres_mode.enabled(), reason="the migrations of the SQLite file's own schema")
def test_a_store_of_the_first_schema_is_migrated_on_open(tmp_path: Path) -> None:
    """The first released layout (schema 1): opened read-only, it is upgraded and searches as a new one."""
    db = sqlite3.connect(tmp_path / "archive.sqlite")
    db.executescript(FIRST_SCHEMA)
    old = [snippet(f"https://rki.news/{n}/", f"Story {n} about wheat.", f"2025-0{n}-01T09:00:00+05:00")
           for n in (1, 2, 3)]
    for n, s in enumerate(old, 1):
        row = s.to_dict()
        for name in ("id", "declared_language", "flags", "source", "images", "access"):  # not in the first schema
            row.pop(name)
        row.update(authors='["Staff"]', categories='["English"]', version=1, published_utc=f"2025-0{n}-01T04:00:00Z")
        db.execute(f"INSERT INTO snippets ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    db.commit()
    db.close()
    store = SnippetStore(store_for(tmp_path), readonly=True)
    try:
        assert [h.canonical_url for h in search(store, "wheat")] == [
            "https://rki.news/3/", "https://rki.news/2/", "https://rki.news/1/"]
        assert store.count() == 3
    finally:
        store.close()
    writer = SnippetStore(store_for(tmp_path))
    assert writer.add(snippet("https://rki.news/2/", "Story 2 about wheat, corrected.")) == "changed"
    assert [m.version for m in writer.select(Filters(query="corrected"))] == [2]
    writer.close()


def test_snippets_published_in_the_same_second_get_distinct_keys(store: SnippetStore) -> None:
    """The full-text rowid is the publication second plus a counter: many articles may share a second."""
    for n in range(5):
        store.add(snippet(f"https://rki.news/same-second-{n}/", f"Story {n} on wheat.", "2025-03-01T09:00:00+05:00"))
    if not store.location.postgres:  # SQLite's full-text rowid; PostgreSQL sorts by the columns themselves
        keys = [r[0] for r in store.db.execute("SELECT time_key FROM snippets ORDER BY id")]
        assert len(set(keys)) == 5
        assert keys == sorted(keys)
        assert keys[0] >> 24 == 1740801600  # 2025-03-01T04:00:00Z
    assert [h.canonical_url for h in search(store, "wheat")] == [
        f"https://rki.news/same-second-{n}/" for n in reversed(range(5))]


def test_one_query_syntax_on_both_backends(store: SnippetStore) -> None:
    """Column filters, prefixes, phrases, diacritics and precedence mean the same in SQLite and PostgreSQL."""
    store.add(snippet("https://rki.news/1/", "Der Bürgermeister sagte: COVID-19 ist vorbei.", title="Müller spricht"))
    store.add(snippet("https://rki.news/2/", "Müller was not there; the mayor spoke of wheat.", title="Wheat"))
    store.add(snippet("https://rki.news/3/", "Cotton, not wheat.", title="Cotton"))

    def hits(query: str) -> set[str]:
        return {m.canonical_url.rsplit("/", 2)[1] for m in search(store, query)}

    assert hits("muller") == {"1", "2"}  # diacritics are ignored, as FTS5's remove_diacritics does
    assert hits("title:müller") == {"1"}
    assert hits("text:muller") == {"2"}
    assert hits('"covid 19"') == hits('"covid-19"') == {"1"}
    assert hits("bürger*") == {"1"}
    assert hits("wheat NOT cotton") == {"2"}
    assert hits("cotton OR mayor AND wheat") == {"2", "3"}  # AND binds tighter than OR
    assert hits("(cotton OR mayor) AND wheat") == {"2", "3"}
    assert hits("wheat NOT cotton spoke") == {"2", "3"}  # side by side binds tighter: wheat NOT (cotton spoke)
    assert hits('title:"müller spricht"') == {"1"}
    assert hits("title:(wheat OR cotton)") == {"2", "3"}
    assert hits("title:(wheat OR cotton) AND mayor") == {"2"}


@pytest.mark.parametrize("query", ['"unbalanced', "(wheat", "wheat)", "AND wheat", "wheat OR", "nosuch:wheat",
                                   "covid-19", "wheat (cotton)", "(wheat) cotton", "NOT wheat"])
def test_malformed_queries_fail_alike(store: SnippetStore, query: str) -> None:
    store.add(snippet("https://rki.news/a/", "Wheat."))
    with pytest.raises(QueryError):
        search(store, query)


def test_the_suite_archives_where_its_mode_says(tmp_path: Path) -> None:
    """`./run test` keeps each data directory's store in its SQLite file; `./run test-postgresql` in a
    PostgreSQL database of its own (tests/postgres_mode), so every other test runs on that backend."""
    from archive.store.location import STORE_FILENAME

    with SnippetStore(store_for(tmp_path)) as store:
        store.add(snippet("https://rki.news/2025/07/04/a/", "Flood waters rose over the wheat fields."))
        assert store.location.postgres == postgres_mode.enabled()
    assert (tmp_path / STORE_FILENAME).exists() != postgres_mode.enabled()
    with SnippetStore(store_for(tmp_path), readonly=True) as again:  # the same directory finds the same store
        assert [m.url for m in search(again, "wheat")] == ["https://rki.news/2025/07/04/a/"]
    with SnippetStore(store_for(tmp_path / "other")) as other:  # another directory, another store
        assert other.count() == 0


def test_counts_and_facets_can_stop_early(store: SnippetStore) -> None:
    """What the reading room asks of a common word: a count that stops at a cap, and counts per site,
    language and day drawn from the newest matches only."""
    for n in range(6):
        store.add(snippet(f"https://rki.news/{n}/", f"Wheat story {n}.", f"2025-0{n + 1}-01T09:00:00+05:00",
                          site="rki.news" if n % 2 else "other.example"))
    full = Filters(query="wheat")
    assert store.count_matching(full) == 6
    assert store.count_matching(full, cap=4) == 4
    assert store.count_matching(Filters(), cap=100) == 6
    everything = store.facets(full)
    assert everything["sites"] == {"rki.news": 3, "other.example": 3}
    assert store.facets(full, sample=100) == everything
    newest = store.facets(full, sample=3)
    assert list(newest["days"]) == ["2025-04-01", "2025-05-01", "2025-06-01"]
    assert sum(newest["sites"].values()) == 3


def test_a_version_moved_to_an_earlier_capture_keeps_the_page_resources_of_the_later(store: SnippetStore) -> None:
    """A crawl noted the stylesheet and image of its capture; an import then brings an earlier capture of the
    same text, which noted none. The version points at the earlier capture and still lists them; an earlier
    capture that noted resources of its own keeps its own."""
    url = "https://rki.news/b/"

    def at(day: str, record: str) -> Snippet:
        return replace(snippet(url, "The same text."), fetched_at=f"2026-02-{day}T12:00:00+00:00",
                       warc_record_id=record)

    assert store.add(at("10", "crawled")) == "new"
    store.add_page_resources("crawled", [("https://rki.news/style.css", "stylesheet"),
                                         ("https://rki.news/photo.jpg", "image")])
    assert store.add(at("05", "imported")) == "unchanged"
    (version,) = store.versions(url)
    assert version.warc_record_id == "imported"
    assert [r.url for r in store.page_resources("imported")] == ["https://rki.news/photo.jpg",
                                                                 "https://rki.news/style.css"]
    store.add_page_resources("own", [("https://rki.news/old.css", "stylesheet")])
    assert store.add(at("01", "own")) == "unchanged"
    assert [r.url for r in store.page_resources("own")] == ["https://rki.news/old.css"]


def test_batch_writes_keep_statement_journals_in_memory(tmp_path: Path) -> None:
    """An import's group commit adds thousands of snippets in one transaction; each INSERT's statement journal
    (its trigger writes the full-text index) spilled to a temporary file, 60 page writes a record. Batch
    writes keep them in memory, and the snippets still commit whole."""
    store = SnippetStore(tmp_path / "data")
    store.deferred = True
    store.dialect.prepare_batch_writes(store.db)
    assert store.db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    for i in range(20):
        store.add(snippet(url=f"https://site.example/2026/story-{i}", text=f"Story number {i} " * 200))
    store.commit()
    store.close()
    with SnippetStore(tmp_path / "data", readonly=True) as reader:
        assert reader.db.execute("PRAGMA temp_store").fetchone()[0] == 0  # readers keep SQLite's default
        assert reader.db.execute("SELECT COUNT(*) FROM snippets").fetchone()[0] == 20
