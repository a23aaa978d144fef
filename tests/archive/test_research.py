"""Researchers pulling text: the Python API, search syntax and filters, exports, verify, reextract, replay."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import archive
from archive.export import CLUSTER_FIELDS, EXPORT_FIELDS
from archive.store.database import store_errors
from archive.store.query import Filters, QueryError, to_utc
from archive.store.snippets import SNIPPET_FIELDS, Snippet
from archive.warc.replay import free_port, start
from archive.warc.verify import verify_directory
from crawler.sites import profile_class
from replica import ReplicaServer
from tests.conftest import Crawl, copy_archive, crawl, run_cli
from tests.helpers import fetch, store_for


@pytest.fixture(scope="module")
def truth(replica: ReplicaServer) -> list[dict[str, Any]]:
    return replica.site.truth()


@pytest.fixture
def api(replica_crawl: Crawl) -> Iterator[archive.Archive]:
    with archive.open(store_for(replica_crawl.data)) as a:
        yield a


def edited(snippet: Snippet, paragraph: str) -> Snippet:
    """A new version of a snippet with one more paragraph (derived fields recomputed)."""
    return replace(snippet, text=snippet.text + "\n\n" + paragraph, text_sha256="", word_count=-1, id=None)


def words(t: dict[str, Any]) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", str(t["title"]) + " " + " ".join(t["paragraphs"]))}


# -- the Python API -------------------------------------------------------------------------------------


def test_filters_match_the_ground_truth(api: archive.Archive, truth: list[dict[str, Any]]) -> None:
    assert api.count() == len(truth)
    assert api.count(language="ur") == sum(t["lang"] == "ur" for t in truth) > 0
    assert api.count(category="Kashmir") == sum("Kashmir" in t["categories"] for t in truth) > 0
    author = truth[7]["author"]
    assert {s.canonical_url for s in api.search(author=author.upper())} == {
        t["canonical"] for t in truth if t["author"] == author}
    june = [t for t in truth if "2025-06-01" <= t["published"][:10] < "2025-07-01"]
    got = list(api.search(since="2025-06-01T00:00:00+05:00", until="2025-07-01T00:00:00+05:00"))
    assert {s.canonical_url for s in got} == {t["canonical"] for t in june}


@pytest.mark.parametrize(("query", "expected"), [
    ("ceasefire", lambda w: "ceasefire" in w),
    ("wheat AND prices", lambda w: {"wheat", "prices"} <= w),
    ("wheat OR cotton", lambda w: bool({"wheat", "cotton"} & w)),
    ("wheat NOT prices", lambda w: "wheat" in w and "prices" not in w),
    ("irrigat*", lambda w: any(x.startswith("irrigat") for x in w)),
])
def test_fts_syntax(api: archive.Archive, truth: list[dict[str, Any]], query: str, expected: Any) -> None:
    want = {t["canonical"] for t in truth if expected(words(t))}
    assert want
    assert {s.canonical_url for s in api.search(query)} == want
    assert api.count(query) == len(want)


def test_phrase_search_and_fragments(api: archive.Archive) -> None:
    (hit,) = api.search('"record strike"')
    assert hit.title == "Putin Rejects Trump Truce as Kyiv Suffers Record Strike"
    assert "[" in hit.fragment
    assert hit.score < 0  # bm25 from FTS5: more negative is better


def test_newest_first_and_relevance(api: archive.Archive) -> None:
    newest = list(api.search("wheat"))
    stamps = [s.published for s in newest]
    assert stamps == sorted(stamps, key=lambda p: to_utc(p) or "", reverse=True)
    ranked = list(api.search("wheat", order="relevance"))
    assert {s.id for s in ranked} == {s.id for s in newest}
    assert [s.score for s in ranked] == sorted(s.score for s in ranked)


def test_get_versions_and_pandas(api: archive.Archive) -> None:
    first = next(api.search(limit=1))
    assert first.id is not None
    assert api.get(first.id).text == first.text
    assert [v.version for v in api.versions(first.canonical_url)] == [1]
    with pytest.raises(KeyError):
        api.get(10**9)
    frame = api.to_pandas(language="ur")
    assert len(frame) == api.count(language="ur")
    assert list(frame.columns) == SNIPPET_FIELDS
    assert str(frame["published"].dtype).startswith("datetime64")


def test_malformed_query_and_bad_dates_raise_query_error(api: archive.Archive) -> None:
    with pytest.raises(QueryError):
        list(api.search('"unbalanced'))
    with pytest.raises(QueryError):
        api.count(since="last tuesday")


def test_read_only_by_default_and_live_while_written(replica_crawl: Crawl, replica: ReplicaServer, tmp_path: Path,
                                                     truth: list[dict[str, Any]]) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    with archive.open(store_for(data)) as a:
        with pytest.raises(store_errors()):  # a read-only connection, on either backend
            a.store.db.execute("DELETE FROM snippets")
        before = a.count(all_versions=True)
        # another process stores a new version while the archive is open
        store = archive.SnippetStore(store_for(data))
        latest = store.versions(str(truth[0]["canonical"]))[-1]
        store.add(edited(latest, "A correction was appended."))
        store.close()
        assert a.count(all_versions=True) == before + 1
        assert a.versions(str(truth[0]["canonical"]))[-1].text.endswith("A correction was appended.")


def test_a_moved_data_directory_still_works(replica_crawl: Crawl, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "copy"
    copy_archive(replica_crawl.data, moved)
    result = run_cli("verify", data=moved)
    assert result.returncode == 0, result.stdout
    assert "OK" in result.stdout
    with archive.open(store_for(moved)) as a:
        snippet = next(a.search('"record strike"'))
        assert a.record(snippet).warc_headers["WARC-Record-ID"] == snippet.warc_record_id


# -- exports --------------------------------------------------------------------------------------------


def store_rows(data: Path, **filters: Any) -> list[dict[str, Any]]:
    """What an export of these filters must hold: each snippet's fields and its cluster as the store has it."""
    with archive.open(store_for(data)) as a:
        found = list(a.search(order="oldest", **filters))
        clusters = a.store.cluster_fields([(s.id or 0, s.canonical_url) for s in found])
        return [{k: getattr(s, k) for k in EXPORT_FIELDS if k not in CLUSTER_FIELDS}
                | dict(zip(CLUSTER_FIELDS, clusters[s.id or 0], strict=True)) for s in found]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_round_trip(replica_crawl: Crawl, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    result = run_cli("export", "--format", fmt, "-o", str(out), data=replica_crawl.data)
    assert result.returncode == 0, result.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        with out.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        want = store_rows(replica_crawl.data)
        assert [int(r.pop("image_count")) for r in rows] == [len(w["images"]) for w in want]
        assert [r.pop("lead_image") for r in rows] == [next(i["url"] for i in w["images"] if i["lead"])
                                                      for w in want]
        assert all(w["images"] for w in want)  # every replica post has its featured image
        for row, stored in zip(rows, want, strict=True):
            row["images"] = stored["images"]
        for row in rows:
            for name in ("authors", "categories", "flags"):
                row[name] = json.loads(row[name])
            for name in ("warc_offset", "warc_length", "word_count", "version"):
                row[name] = int(row[name])
            for name in CLUSTER_FIELDS:
                row[name] = int(row[name]) if row[name] else None
            for name in ("published", "modified", "document_date", "language", "declared_language"):
                row[name] = row[name] or None
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert table.schema.names == EXPORT_FIELDS
        rows = table.to_pylist()
    assert rows == store_rows(replica_crawl.data)


def test_export_filters_and_all_versions(replica_crawl: Crawl, tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    store = archive.SnippetStore(store_for(data))
    store.add(edited(next(iter(store.select(Filters(), order="oldest"))), "Updated."))
    store.close()
    out = tmp_path / "all.jsonl"
    assert run_cli("export", "--all-versions", "-o", str(out), data=data).returncode == 0
    assert len(out.read_text().splitlines()) == 321  # 320 articles, one of them in two versions
    urdu = tmp_path / "ur.jsonl"
    assert run_cli("export", "--language", "ur", "-o", str(urdu), data=data).returncode == 0
    assert [json.loads(line) for line in urdu.read_text().splitlines()] == store_rows(data, language="ur")


def test_the_library_does_what_the_cli_does(replica_crawl: Crawl, tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    with archive.open(store_for(data), readonly=False) as a:
        first = next(a.search(order="oldest"))
        a.store.add(edited(first, "Updated."))
    cli_out, api_out = tmp_path / "cli.csv", tmp_path / "api.csv"
    assert run_cli("export", "--format", "csv", "--language", "en", "-o", str(cli_out), data=data).returncode == 0
    with archive.open(store_for(data)) as a:
        counted: list[int] = []
        assert a.export(api_out, "csv", language="en", progress=counted.append) == len(counted) > 0
        diffs = a.diff(first.canonical_url)
        stats, runs = a.stats(), a.runs()
    assert api_out.read_bytes() == cli_out.read_bytes()
    history = json.loads(run_cli("history", first.canonical_url, "--diff", "--json", data=data).stdout)
    assert diffs == history["diffs"]
    assert diffs[0]["hunks"][-1]["added"] == ["Updated."]
    assert stats == json.loads(run_cli("stats", "--json", data=data).stdout)
    assert stats["versions"] == stats["articles"] + 1
    assert runs == json.loads(run_cli("runs", "--json", data=data).stdout)


# -- verify -------------------------------------------------------------------------------------------------


def test_verify_catches_a_flipped_byte(replica_crawl: Crawl, tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    (warc,) = (data / "warc").glob("*.warc.gz")
    target = [r for r in verify_directory(data / "warc")[0].records if r.type == "response"][100]
    raw = bytearray(warc.read_bytes())
    member = gzip.decompress(bytes(raw[target.offset : target.offset + target.length]))
    flipped = bytearray(member)
    flipped[-40] ^= 0x20  # one bit of the payload, re-compressed validly: only digests can tell
    raw[target.offset : target.offset + target.length] = gzip.compress(bytes(flipped), mtime=0)
    warc.write_bytes(bytes(raw))
    result = run_cli("verify", data=data)
    assert result.returncode == 1
    assert "digest does not match" in result.stdout or "payload digest" in result.stdout
    assert "PROBLEM" in result.stdout


def test_verify_catches_a_snippet_pointing_at_a_wrong_offset(replica_crawl: Crawl, tmp_path: Path) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    with archive.SnippetStore(store_for(data)) as store:
        store.db.execute("UPDATE snippets SET warc_offset = warc_offset + 7 WHERE id = 3")
        store.db.commit()
    result = run_cli("verify", "--json", data=data)
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("P1 snippet 3 ")


# -- re-extraction ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", ["2", "0"])
def test_reextract_applies_a_fixed_cleaner(replica: ReplicaServer, tmp_path: Path, workers: str) -> None:
    sloppy = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.sloppy_rki"}
    first = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--max-articles", "30", env=sloppy)
    assert first.report["counts"]["articles/new"] == 30
    with archive.open(store_for(tmp_path)) as a:
        old = {s.canonical_url: s for s in a.search()}
    assert all("rki.news" in s.text.split("\n\n") for s in old.values())  # the chrome line the bug left
    result = run_cli("reextract", "--json", "--workers", workers, data=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["records"], summary["changed"], summary["unchanged"]) == (30, 30, 0)
    with archive.open(store_for(tmp_path)) as a:
        for url, before in old.items():
            v1, v2 = a.versions(url)
            assert v1.text == before.text  # the old version stays
            assert "rki.news" not in v2.text.split("\n\n")
            assert v2.text == before.text.replace("rki.news\n\n", "")
            assert (v1.cleaner_version, v2.cleaner_version) == ("rki_news/0-sloppy", "rki_news/2")
            assert (v2.warc_file, v2.warc_offset, v2.warc_record_id) == (v1.warc_file, v1.warc_offset,
                                                                         v1.warc_record_id)
            assert v2.run_id == summary["run_id"]
    again = json.loads(run_cli("reextract", "--json", data=tmp_path).stdout)
    assert (again["changed"], again["unchanged"]) == (0, 30)


# -- replay ---------------------------------------------------------------------------------------------


def test_replay_serves_an_archived_article(replica_crawl: Crawl, tmp_path: Path, truth: list[dict[str, Any]]) -> None:
    data = tmp_path / "data"
    copy_archive(replica_crawl.data, data)
    port = free_port()
    seed = next(t for t in truth if t["title"].startswith("Putin Rejects"))
    shown = json.loads(run_cli("show", str(seed["canonical"]), "--json", "--replay-port", str(port),
                               data=data).stdout)
    proc = start(data, port)
    try:
        framed = fetch(shown["replay_url"])
        assert b"<iframe" in framed or b"wbinfo" in framed
        stamp = shown["replay_url"].split("/")[4]
        page = fetch(f"http://127.0.0.1:{port}/archive/{stamp}id_/{seed['canonical']}")
        article = profile_class("rki.news")().clean(page, str(seed["canonical"]))
        assert article is not None
        assert article.text == "\n\n".join(seed["paragraphs"])  # the page as captured, text and all
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- the CLI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "needle"), [
    (["search", "kyiv", "--since", "2025-13-01"], "--since"),
    (["search", "kyiv", "--site", "nope.example"], "unknown site 'nope.example'"),
    (["search", "kyiv AND"], "cannot search"),
    (["export", "-o", "-", "--until", "soon"], "--until"),
    (["export", "--format", "parquet", "-o", "-"], "Parquet"),
    (["show", "999999"], "no snippet with id"),
    (["show", "ftp://x/"], "not an http(s) URL"),
    (["reextract", "--site", "nope.example"], "unknown site"),
])
def test_bad_input_is_one_line_and_exit_2(replica_crawl: Crawl, args: list[str], needle: str) -> None:
    result = run_cli(*args, data=replica_crawl.data)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert needle in result.stderr


@pytest.mark.parametrize("command", ["search", "show 1", "stats", "verify", "export -o -", "reextract", "replay"])
def test_missing_data_dir_is_a_usage_error(tmp_path: Path, command: str) -> None:
    result = run_cli(*command.split(), data=tmp_path / "nothing-here")
    assert result.returncode == 2
    assert "no archive" in result.stderr


def test_search_table_and_filters_on_the_command_line(replica_crawl: Crawl, truth: list[dict[str, Any]]) -> None:
    result = run_cli("search", "--language", "ur", "--limit", "1000", data=replica_crawl.data)
    assert result.returncode == 0
    assert f"{sum(t['lang'] == 'ur' for t in truth)} result(s) for the filters" in result.stdout
    hits = json.loads(run_cli("search", "wheat", "--category", "Pakistan", "--order", "relevance", "--json",
                              "--limit", "5", data=replica_crawl.data).stdout)
    assert hits
    assert all("Pakistan" in h["categories"] for h in hits)
    assert [h["score"] for h in hits] == sorted(h["score"] for h in hits)


def test_show_and_stats(replica_crawl: Crawl, truth: list[dict[str, Any]]) -> None:
    seed = next(t for t in truth if t["title"].startswith("Putin Rejects"))
    text = run_cli("show", str(seed["canonical"]), data=replica_crawl.data).stdout
    assert text.startswith(seed["title"])
    assert "payload digest" in text
    assert text.rstrip().endswith(seed["paragraphs"][-1])
    shown = json.loads(run_cli("show", str(seed["canonical"]), "--json", data=replica_crawl.data).stdout)
    assert shown["replay_url"].startswith("http://127.0.0.1:8080/archive/")
    assert shown["versions"] == 1
    stats = json.loads(run_cli("stats", "--json", data=replica_crawl.data).stdout)
    assert stats["articles"] == len(truth)
    assert stats["sites"] == {"rki.news": len(truth)}
    assert stats["languages"]["ur"] == sum(t["lang"] == "ur" for t in truth)
    assert sum(stats["days"].values()) == len(truth)
    assert stats["warc"]["bytes"] == sum(p.stat().st_size for p in replica_crawl.warc_dir.glob("*.warc.gz"))


def test_reextract_uses_the_rules_valid_when_a_record_was_fetched(replica: ReplicaServer, tmp_path: Path) -> None:
    """Retired rules (valid until 2026-01-01) clean captures fetched before that day; today's the rest."""
    crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--max-articles", "6")
    with archive.SnippetStore(store_for(tmp_path)) as store:
        old_ids = [r[0] for r in store.db.execute("SELECT id FROM snippets ORDER BY id LIMIT 2")]
        store.db.execute("UPDATE snippets SET fetched_at = '2025-06-01T08:00:00+00:00' WHERE id IN (?, ?)",
                         tuple(old_ids))
        store.db.commit()
    retired = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.retired_rki"}
    summary = json.loads(run_cli("reextract", "--json", data=tmp_path, env=retired).stdout)
    assert (summary["changed"], summary["unchanged"]) == (2, 4)
    with archive.open(store_for(tmp_path)) as a:
        for snippet in a.search():
            if snippet.version == 2:
                assert a.versions(snippet.canonical_url)[0].id in old_ids
                assert snippet.cleaner_version == "rki_news/0"
                assert "rki.news" in snippet.text.split("\n\n")  # the retired rules kept the source line
            else:
                assert snippet.cleaner_version == "rki_news/2"


def test_reextract_unclaimed_finds_articles_an_earlier_cleaner_rejected(replica: ReplicaServer,
                                                                        tmp_path: Path) -> None:
    blind = {"NEWSARCHIVE_SITE_MODULES": "tests.profiles.no_urdu_rki"}
    first = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, env=blind)
    with archive.open(store_for(tmp_path)) as a:
        assert a.count(language="ur") == 0
        english = a.count()
    urdu = sum(t["lang"] == "ur" for t in replica.site.truth())
    assert first.report["counts"]["articles/not_article"] >= urdu
    plain = json.loads(run_cli("reextract", "--json", data=tmp_path).stdout)
    assert plain["unclaimed_articles"] == 0  # without the flag only records behind snippets are read
    summary = json.loads(run_cli("reextract", "--unclaimed", "--json", data=tmp_path).stdout)
    assert summary["unclaimed_articles"] == urdu
    with archive.open(store_for(tmp_path)) as a:
        assert a.count(language="ur") == urdu
        assert a.count() == english + urdu
        for s in a.search(language="ur"):
            assert s.version == 1
            assert s.cleaner_version == "rki_news/2"
            assert a.record(s).warc_headers["WARC-Record-ID"] == s.warc_record_id
    again = json.loads(run_cli("reextract", "--unclaimed", "--json", data=tmp_path).stdout)
    assert again["unclaimed_articles"] == 0
