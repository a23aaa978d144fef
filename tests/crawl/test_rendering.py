"""Pages built by script: the Daily Lantern replica (app shells whose story arrives as JSON) crawled in generic
mode with a browser where the plain response has no article; the rki.news replica never starts one."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from statistics import mean
from urllib.parse import urlsplit

import pytest

from archive import browser
from archive.api import Archive
from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.qa import check_page
from archive.warc.verify import verify_directory
from archive.warc.write import OPEN_SUFFIX
from crawler.extensions.recovery import recover
from crawler.fetching.scripted import looks_built_by_script, script_signs
from devkit.extraction_score import token_f1
from replica.appshell import LanternServer, shell
from tests.conftest import ROOT, Crawl, cli_command, cli_env, copy_archive, crawl, records_by_uri, run_cli
from tests.helpers import serve_wacz, store_for

ARTICLES = 60


@pytest.fixture(scope="module")
def lantern(chromium: str) -> Iterator[LanternServer]:
    with LanternServer(article_count=ARTICLES) as server:
        yield server


@pytest.fixture(scope="module")
def lantern_crawl(lantern: LanternServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(tmp_path_factory.mktemp("lantern"), lantern.base_url + "/", "--render", "auto")


def test_stories_built_by_script_are_stored_with_their_text(lantern: LanternServer, lantern_crawl: Crawl) -> None:
    truth = {t["url"]: t for t in lantern.site.truth()}
    with Archive(store_for(lantern_crawl.data)) as archive:
        stored = {s.url: s for s in archive.search()}
    assert len(stored.keys() & truth.keys()) >= 0.97 * ARTICLES
    scores = [token_f1(stored[url].text, str(t["text"])) for url, t in truth.items() if url in stored]
    assert mean(scores) >= 0.95, sorted(scores)[:5]
    for url, snippet in stored.items():
        assert snippet.title == truth[url]["title"]
        assert snippet.authors == truth[url]["authors"]
        assert snippet.published == truth[url]["published"]
        assert "Subscribe to our newsletter" not in snippet.text
        assert "More from the Lantern" not in snippet.text
    render = lantern_crawl.report["render"]
    assert render["pages"] >= ARTICLES  # every story, and the front page (an app shell without an article)
    assert render["requests"] >= 3 * ARTICLES


def test_the_rendered_dom_is_a_conversion_record_naming_the_response(lantern_crawl: Crawl) -> None:
    reports = verify_directory(lantern_crawl.warc_dir)
    assert [p for r in reports for p in r.problems] == []
    responses = {rec.fields["WARC-Record-ID"]: rec for r in reports for rec in r.records if rec.type == "response"}
    conversions = [rec for r in reports for rec in r.records if rec.type == "conversion"]
    assert len(conversions) == lantern_crawl.report["render"]["pages"]
    for rec in [c for c in conversions if "/story/" in c.fields["WARC-Target-URI"]]:
        original = responses[rec.fields["WARC-Refers-To"]]
        assert original.fields["WARC-Target-URI"] == rec.fields["WARC-Target-URI"]
        assert b"<h1>" in rec.block
        assert b"Content-Type: text/html" in original.http_head  # the app shell, as it came (gzip-coded)
    with Archive(store_for(lantern_crawl.data)) as archive:
        snippets = list(archive.search())
        ids = {rec.fields["WARC-Record-ID"] for rec in conversions}
        assert all(s.warc_record_id in ids for s in snippets)  # the snippet points at what it was cleaned from
        listed = {urlsplit(r.url).path.split("/")[1] for r in archive.resources(snippets[0])}
        assert {"static", "api", "media"} <= listed  # the app, the story's JSON, the photo


def test_every_request_the_browser_made_is_archived_at_the_wire(lantern: LanternServer, lantern_crawl: Crawl) -> None:
    reports = verify_directory(lantern_crawl.warc_dir)
    requests = records_by_uri(reports, "request")
    responses = records_by_uri(reports, "response")
    for post in lantern.site.posts:
        story = f"{lantern.base_url}/api/story/{post.slug}.json"
        photo = f"{lantern.base_url}/media/{post.post_id}.png"  # lazy: asked for only once scrolled into view
        assert story in responses
        assert photo in responses
        assert b"User-Agent: newsarchive/" in requests[story][0].block  # the crawler asked, as itself
    assert len(requests[f"{lantern.base_url}/static/app.js"]) == 1  # once per run, whatever the pages
    # the endless front page asked for its further pages as it was scrolled
    assert f"{lantern.base_url}/api/stories?page=2" in responses


def test_reextract_cleans_the_rendered_dom_again(lantern_crawl: Crawl, tmp_path: Path) -> None:
    result = run_cli("reextract", "--json", data=lantern_crawl.data)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["records"] == report["unchanged"] >= 0.97 * ARTICLES
    assert report["failed"] == {}


def test_rendered_pages_replay_from_the_archive_and_from_a_wacz(lantern_crawl: Crawl, tmp_path: Path) -> None:
    """The app shell replays, its script fetches the story from the archive, and the lazy photo follows: in
    the archive's own replay (``qa``) and from an exported package."""
    data = tmp_path / "data"
    copy_archive(lantern_crawl.data, data)  # replay writes its index into the data directory
    result = run_cli("qa", "--sample", "4", "--json", data=data)
    assert result.returncode == 0, result.stderr + result.stdout[-3000:]
    report = json.loads(result.stdout)
    assert report["totals"]["pages_ok"] == report["totals"]["pages"] == 4
    assert report["totals"]["left_for_live_web"] == 0
    package = tmp_path / "lantern.wacz"
    exported = run_cli("export", "--format", "wacz", "-o", str(package), data=data)
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "pywb").mkdir()
    replay = serve_wacz(package, tmp_path / "pywb")  # a generator: closing it stops pywb
    base = next(replay)
    try:
        with Archive(store_for(data)) as archive:
            snippets = [s for s in archive.search(limit=8) if "/story/" in s.url][:3]
            with browser.chromium() as chrome:
                context = chrome.new_context(service_workers="block")
                checks = [check_page(context, base, s, archive.resources(s), collection="shared") for s in snippets]
    finally:
        replay.close()
    for page in [*report["pages"], *map(asdict, checks)]:
        assert page["title_found"], page
        assert not page["error"], page
        assert page["missing"] == page["left_for_live_web"] == []
        served = {urlsplit(url).path.split("/")[1] for url in page["served"]}
        assert {"static", "api", "media"} <= served  # the app, the story's JSON, the lazy photo


def test_a_screenshot_of_each_rendered_page_on_request(lantern: LanternServer, tmp_path: Path) -> None:
    done = crawl(tmp_path, lantern.base_url + "/", "--max-articles", "3", "--screenshot")
    reports = verify_directory(done.warc_dir)
    assert [p for r in reports for p in r.problems] == []
    records = [rec for r in reports for rec in r.records]
    responses = {rec.fields["WARC-Record-ID"]: rec for rec in records if rec.type == "response"}
    shots = [rec for rec in records if rec.type == "resource"]
    assert len(shots) == done.report["render"]["screenshots"] == done.report["render"]["pages"] >= 3
    for shot in shots:
        page = responses[shot.fields["WARC-Concurrent-To"]]  # the capture it shows
        assert shot.fields["WARC-Target-URI"] == "urn:view:" + page.fields["WARC-Target-URI"]
        assert shot.fields["Content-Type"] == "image/png"
        assert shot.block.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(shot.block) > 5_000  # a first screen with the story on it, not a blank page
    assert not [rec for rec in records if rec.type == "resource" and "urn:view:" not in rec.fields["WARC-Target-URI"]]
    plain = crawl(tmp_path / "plain", lantern.base_url + "/", "--max-articles", "1")
    assert not [rec for r in verify_directory(plain.warc_dir) for rec in r.records if rec.type == "resource"]


def test_recovery_restores_rendered_pages_from_their_dom(lantern_crawl: Crawl, tmp_path: Path) -> None:
    """A crash between the DOM's record and the snippet's commit: recovery cleans the conversion record."""
    data = tmp_path / "data"
    copy_archive(lantern_crawl.data, data)
    (warc,) = (data / "warc").glob("*.warc.gz")
    warc.rename(warc.with_name(warc.name + OPEN_SUFFIX))  # as a killed writer leaves it
    with SnippetStore(store_for(data)) as store:
        before = {s.url: s for s in store.select(Filters())}
        store.db.execute("DELETE FROM snippets WHERE id % 3 = 0")
        store.db.commit()
        lost = len(before) - store.count()
    result = recover(store_for(data), urlsplit(next(iter(before))).hostname)
    assert result.bytes_dropped == result.snippets_dropped == 0  # a DOM record is whole on its own: kept
    assert result.snippets_restored == lost > 0
    with SnippetStore(store_for(data), readonly=True) as store:
        after = {s.url: s for s in store.select(Filters())}
    assert {u: (s.title, s.text, s.warc_record_id) for u, s in after.items()} == \
        {u: (s.title, s.text, s.warc_record_id) for u, s in before.items()}  # the DOM's record, as the crawl had


def test_the_static_replica_never_starts_a_browser(replica_crawl: Crawl) -> None:
    assert replica_crawl.report["render"] == {}


def test_render_never_and_no_browser_leave_app_shells_unread(lantern: LanternServer, tmp_path: Path) -> None:
    never = run_cli("crawl", lantern.base_url + "/", "--render", "never", "--max-articles", "5", "--json",
                    data=tmp_path / "never")
    assert never.returncode == 1  # every article failed: a scheduler must hear of it
    report = json.loads(never.stdout)
    assert report["counts"]["articles/not_article"] >= 5
    assert report["render"] == {}
    missing = run_cli("crawl", lantern.base_url + "/", "--max-articles", "5", "--json", data=tmp_path / "missing",
                      env={"NEWSARCHIVE_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert missing.returncode == 1
    report = json.loads(missing.stdout)
    assert report["status"] == "finished"
    assert report["render"]["unavailable"] >= 5  # each page it could not render is counted; the crawl went on
    text = run_cli("crawl", lantern.base_url + "/", "--max-articles", "2", data=tmp_path / "missing",
                   env={"NEWSARCHIVE_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert "no browser here: " in text.stdout


def test_script_signs() -> None:
    app = shell("The Daily Lantern", {"kind": "story", "slug": "x"})
    assert looks_built_by_script(app)
    assert set(script_signs(app)) == {"empty mount point #root", "noscript asks for JavaScript",
                                      "almost no text without scripts"}
    words = " ".join(["The council met on Tuesday to agree the budget for the coming year."] * 12)
    wrapped = f'<html><body><div id="root"><p>{words}</p></div><script src="/a.js"></script></body></html>'
    assert not looks_built_by_script(wrapped)  # a page that carries its text is read as it is
    assert not looks_built_by_script("<html><body><div id=app></div></body></html>")  # no script: nothing to run


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
            children.setdefault(int(parent), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _command_name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def test_a_killed_crawl_leaves_no_browser_behind(lantern: LanternServer, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"  # a killed Chromium cannot remove its temporary files: keep them here
    scratch.mkdir()
    proc = subprocess.Popen(cli_command("crawl", lantern.base_url + "/", data=tmp_path), cwd=ROOT,
                            env=cli_env({"TMPDIR": str(scratch)}), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    browsers: list[int] = []
    deadline = time.monotonic() + 60
    while not browsers and time.monotonic() < deadline and proc.poll() is None:
        browsers = [p for p in _descendants(proc.pid) if _command_name(p).startswith("chrom")]
        time.sleep(0.05)
    assert browsers, "the crawl started no browser"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while [p for p in browsers if _command_name(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in browsers if _command_name(p)] == []  # Playwright's driver ends with the crawl, and its browser
