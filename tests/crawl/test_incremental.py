"""Scheduled runs against a replica that changes between them: new, edited, deleted and untouched articles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.verify import verify_directory
from archive.warc.write import REVISIT_PROFILE_NOT_MODIFIED
from replica import ReplicaServer
from replica.corpus import NOW, Post
from tests.conftest import Crawl, crawl, records_by_uri, run_cli
from tests.helpers import store_for

WINDOW_POSTS = 12  # the newest posts of the first crawl fall in the re-check window of the second


@dataclass
class Scenario:
    server: ReplicaServer
    first: Crawl
    second: Crawl
    window: list[Post]  # in the re-check window, as of the first crawl
    added: list[Post]
    edited_inside: Post  # edited, inside the window
    edited_outside: Post  # edited, outside the window: found through the sitemap's lastmod
    deleted: Post  # deleted, inside the window
    old_texts: dict[int, str]
    new_paragraph: str
    first_files: set[str]  # WARC files of the first run


def window_hours(posts: list[Post], count: int) -> float:
    """Hours from now back to midway between the count-th and the next-older post, so the edge is not tight."""
    edge = posts[count - 1].published + (posts[count].published - posts[count - 1].published) / 2
    return (datetime.now(UTC) - edge).total_seconds() / 3600


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    data = tmp_path_factory.mktemp("incremental")
    with ReplicaServer() as server:
        site = server.site
        first = crawl(data, "rki.news", "--base-url", server.base_url)
        first_files = {p.name for p in first.warc_dir.glob("*.warc.gz")}
        posts = list(site.posts)
        gaps = [i for i in range(WINDOW_POSTS, 40) if posts[i - 1].published - posts[i].published
                > timedelta(minutes=20)]
        count = gaps[0]
        window = posts[:count]
        edited_inside, deleted, edited_outside = window[2], window[5], posts[count + 40]
        old_texts = {p.post_id: "\n\n".join(p.paragraphs) for p in (edited_inside, edited_outside)}
        added = site.add_articles(5)
        new_paragraph = "Correction: an earlier version of this story misstated the figures."
        for post in (edited_inside, edited_outside):
            site.edit_article(post.post_id, 1, new_paragraph, NOW + timedelta(days=1))
        site.delete_article(deleted.post_id)
        hours = window_hours(posts, count)
        second = crawl(data, "rki.news", "--base-url", server.base_url, "--recheck-hours", f"{hours:.4f}")
        yield Scenario(server, first, second, window, added, edited_inside, edited_outside, deleted, old_texts,
                       new_paragraph, first_files)


def url(s: Scenario, post: Post) -> str:
    return s.server.base_url + post.path


def second_run_requests(s: Scenario) -> set[str]:
    reports = [r for r in verify_directory(s.second.warc_dir) if r.path.name not in s.first_files]
    return set(records_by_uri(reports, "request"))


def is_permalink(url: str) -> bool:
    return urlsplit(url).path.startswith("/20")  # permalinks are /YYYY/MM/DD/slug/


def test_first_run_archives_everything(scenario: Scenario) -> None:
    assert scenario.first.report["counts"]["articles/new"] == 320


def test_second_run_fetches_only_new_edited_and_window_articles(scenario: Scenario) -> None:
    s = scenario
    article_requests = {u for u in second_run_requests(s) if is_permalink(u)}
    expected = {url(s, p) for p in [*s.added, *s.window, s.edited_outside]}
    assert article_requests == expected


def test_second_run_counts(scenario: Scenario) -> None:
    c = scenario.second.report["counts"]
    assert c["articles/new"] == 5
    assert c["articles/changed"] == 2
    assert c["articles/gone"] == 1
    assert scenario.second.report["examples"]["articles/gone"] == [url(scenario, scenario.deleted)]
    # the rest of the window: 304s, or a new body whose text did not change (its related-posts box did)
    rest = len(scenario.window) - 2
    assert c["articles/not_modified"] + c["articles/unchanged"] == rest
    assert c["articles/not_modified"] >= 1
    resources = scenario.second.report["resources"]  # the theme files of the pages fetched again
    assert c["warc/records/not_modified"] == c["articles/not_modified"] + resources["not_modified"]
    assert scenario.second.report["errors"] == {}


def test_exactly_the_edited_articles_have_new_versions(scenario: Scenario) -> None:
    s = scenario
    store = SnippetStore(store_for(s.second.data), readonly=True)
    try:
        versions = {snip.canonical_url: snip.version for snip in store.select(Filters(), order="oldest")}
        edited = {url(s, s.edited_inside), url(s, s.edited_outside)}
        assert {u for u, v in versions.items() if v > 1} == edited
        for post in (s.edited_inside, s.edited_outside):
            old, new = store.versions(url(s, post))
            assert old.text == s.old_texts[post.post_id]
            assert new.text == "\n\n".join(post.paragraphs)
            assert new.run_id == s.second.report["run_id"] != old.run_id
            assert (new.warc_file, new.warc_offset) != (old.warc_file, old.warc_offset)
            assert new.modified is not None
            assert old.modified is not None
            assert new.modified > old.modified
        # the deleted article keeps its archive
        (gone,) = store.versions(url(s, s.deleted))
        assert gone.version == 1
        assert len(versions) == 325
    finally:
        store.close()


def test_not_modified_responses_are_server_not_modified_revisits(scenario: Scenario) -> None:
    reports = verify_directory(scenario.second.warc_dir)
    assert [p for r in reports for p in r.problems] == []
    responses = {rec.fields["WARC-Record-ID"]: rec for r in reports for rec in r.records if rec.type == "response"}
    not_modified = [rec for r in reports for rec in r.records if rec.type == "revisit"
                    and rec.fields["WARC-Profile"] == REVISIT_PROFILE_NOT_MODIFIED]
    articles = [rec for rec in not_modified if is_permalink(rec.fields["WARC-Target-URI"])]
    assert len(articles) == scenario.second.report["counts"]["articles/not_modified"]
    for rec in not_modified:
        assert rec.block.startswith(b"HTTP/1.1 304 Not Modified\r\n")
        original = responses[rec.fields["WARC-Refers-To"]]  # the record that holds the unchanged body
        assert original.fields["WARC-Target-URI"] == rec.fields["WARC-Refers-To-Target-URI"]
        assert original.fields["WARC-Date"] == rec.fields["WARC-Refers-To-Date"]
        if is_permalink(rec.fields["WARC-Target-URI"]):
            assert original.fields["WARC-Target-URI"] == rec.fields["WARC-Target-URI"]


def test_the_resources_of_a_page_fetched_again_are_revisited_by_their_validators(scenario: Scenario) -> None:
    """The edited and new pages of the second run name the theme's files again: each is asked for with the
    validators of its first capture, answered 304, and written as a revisit; new photos are archived."""
    s = scenario
    reports = [r for r in verify_directory(s.second.warc_dir) if r.path.name not in s.first_files]
    requests = records_by_uri(reports, "request")
    style = f"{s.server.base_url}/wp-content/themes/Newspaper/style.css?ver=12.6.5"
    (request,) = requests[style]
    assert b"\r\nIf-None-Match: " in request.block
    assert b"\r\nIf-Modified-Since: " in request.block
    (revisit,) = records_by_uri(reports, "revisit")[style]
    assert revisit.fields["WARC-Profile"] == REVISIT_PROFILE_NOT_MODIFIED
    counts = s.second.report["resources"]
    assert counts["not_modified"] >= 3  # the stylesheet, the icon, the scripts
    new_photos = {u for u in records_by_uri(reports, "response") if "/photo-" in u}
    assert {p.post_id for p in s.added} <= {int(u.rsplit("/photo-", 1)[1].split("-")[0]) for u in new_photos}


def test_history_diff_shows_exactly_the_edited_paragraph(scenario: Scenario) -> None:
    s = scenario
    post = s.edited_outside
    result = run_cli("history", url(s, post), "--diff", "--json", data=s.second.data)
    assert result.returncode == 0, result.stderr
    history = json.loads(result.stdout)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    (diff,) = history["diffs"]
    old_paragraph = s.old_texts[post.post_id].split("\n\n")[1]
    assert diff["hunks"] == [{"field": "text", "old_paragraphs": [2, 2], "new_paragraphs": [2, 2],
                              "removed": [old_paragraph], "added": [s.new_paragraph]}]
    text = run_cli("history", url(s, post), "--diff", data=s.second.data).stdout
    assert f"- {old_paragraph}\n+ {s.new_paragraph}" in text
    assert "2 version(s)" in text


def test_runs_lists_both_runs(scenario: Scenario) -> None:
    result = run_cli("runs", "--json", data=scenario.second.data)
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == [scenario.second.report["run_id"], scenario.first.report["run_id"]]
    assert {r["status"] for r in runs} == {"finished"}
    table = run_cli("runs", data=scenario.second.data).stdout
    assert scenario.first.report["run_id"] in table
    assert "2 run(s)" in table


def test_a_third_run_with_no_changes_fetches_no_article(scenario: Scenario, tmp_path: Path) -> None:
    third = crawl(scenario.second.data, "rki.news", "--base-url", scenario.server.base_url)
    c = third.report["counts"]
    assert c["articles/requested"] == 0
    assert c["articles/new"] == c["articles/changed"] == 0
    assert third.report["pages_fetched"] < 40  # robots, feed, sitemaps, two pages of each listing
