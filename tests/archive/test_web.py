"""`newsarchive serve`, the reading room: its JSON API answers as the library does, its pages escape what the
archive holds, it refuses to be exposed without a token, and a reader searches and reads in a real browser."""

from __future__ import annotations

import io
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from archive.api import Archive
from archive.store.snippet_store import SnippetStore
from archive.warc.replay import free_port
from tests.conftest import ROOT, Crawl, cli_command, cli_env, run_cli
from tests.helpers import Room, assert_one_line_error, snippet, store_for


@pytest.fixture(scope="module")
def room(replica_crawl: Crawl) -> Iterator[Room]:
    served = Room(replica_crawl.data)
    yield served
    served.stop()


def test_the_api_answers_as_the_library_does(room: Room, replica_crawl: Crawl) -> None:
    with Archive(store_for(replica_crawl.data)) as archive:
        expected = [s.id for s in archive.search("wheat", site="rki.news", since="2025-06-01", limit=40)]
        total = archive.count("wheat", site="rki.news", since="2025-06-01")
        stats = archive.stats()
        first = archive.get(int(expected[0] or 0))
        versions = [s.id for s in archive.versions(first.canonical_url)]
        diff = archive.diff(first.canonical_url)
        runs = archive.runs(limit=5)
        facets = archive.facets("wheat", site="rki.news", since="2025-06-01")
        exported = io.StringIO()
        archive.export(exported, "jsonl", "wheat", site="rki.news")
    pages = [room.json(f"/api/search?q=wheat&site=rki.news&since=2025-06-01&per_page=20&page={n}") for n in (1, 2)]
    assert pages[0]["total"] == total > 20
    assert [r["id"] for p in pages for r in p["results"]] == expected
    assert all("[" in r["fragment"] for r in pages[0]["results"])
    assert pages[0]["counts"] == facets
    assert sum(facets["days"].values()) == total
    assert room.json("/api/stats") == stats
    one = room.json(f"/api/snippets/{first.id}")
    assert one["text"] == first.text
    assert one["versions"] == len(versions)
    assert [v["id"] for v in room.json(f"/api/versions?url={first.canonical_url}")] == versions
    assert room.json(f"/api/diff?url={first.canonical_url}") == json.loads(json.dumps(diff))
    assert room.json("/api/runs?limit=5") == json.loads(json.dumps(runs))
    assert room.get("/docs")[0] == 200
    assert "paths" in room.json("/openapi.json")


def test_bad_requests_are_400_with_one_line(room: Room) -> None:
    for path, needle in (("/api/search?since=yesterday", "not a date"), ('/api/search?q="open', "cannot search"),
                         ("/api/search?order=sideways", "order"), ("/api/search?q=" + "a" * 600, "at most"),
                         ("/api/search?per_page=100000", ""), ("/api/snippets/999999", "no snippet")):
        status, body, _ = room.get(path)
        assert status in (400, 404, 422), (path, status)
        if needle:
            assert needle in json.loads(body)["error"], path
    status, body, _ = room.get("/?since=yesterday")
    assert status == 400
    assert b"not a date" in body
    assert room.get("/articles/999999")[0] == 404
    assert room.get("/../../etc/passwd")[0] == 404
    assert room.get("/articles/..%2F..%2Fetc%2Fpasswd")[0] in (404, 422)


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_archived_markup_is_text_everywhere(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with SnippetStore(store_for(data)) as store:
        evil = snippet("https://evil.example/story/", f"Body {XSS} and [brackets] too.", title=f"Title {XSS}")
        evil.authors = [XSS]
        store.add(evil)
    served = Room(data)
    try:
        for path in ("/?q=body", "/", f"/articles/{evil.id}"):
            status, body, headers = served.get(path)
            assert status == 200
            assert b"<script>alert" not in body
            assert b"<img src=x" not in body
            assert b"&lt;script&gt;" in body
            assert "script-src" not in headers["content-security-policy"]  # default-src 'none': no script runs
    finally:
        served.stop()


def test_beyond_loopback_a_token_is_needed_and_then_every_request_needs_it(replica_crawl: Crawl,
                                                                            tmp_path: Path) -> None:
    assert_one_line_error(run_cli("serve", "--host", "0.0.0.0", "--port", "1", data=replica_crawl.data),
                          "needs --token-file")
    short = tmp_path / "short"
    short.write_text("abc")
    assert_one_line_error(run_cli("serve", "--token-file", str(short), data=replica_crawl.data), "16 characters")
    token = tmp_path / "token"
    token.write_text("s3cret-token-for-the-room\n")
    served = Room(replica_crawl.data, "--token-file", str(token))
    try:
        assert served.get("/api/stats")[0] == 401
        assert served.get("/")[0] == 401
        assert served.get("/api/stats", {"Authorization": "Bearer wrong-token-wrong-token"})[0] == 401
        assert served.get("/api/stats", {"Authorization": "Bearer s3cret-token-for-the-room"})[0] == 200
        status, _, headers = served.get("/?token=s3cret-token-for-the-room")
        assert status == 200
        assert "httponly" in headers["set-cookie"].lower()
    finally:
        served.stop()


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Room, list[int]]]:
    """A room over an archive with an article in two versions (its third paragraph rewritten)."""
    data = tmp_path_factory.mktemp("edited")
    url = "https://news.example.org/2025/07/flood/"
    paragraphs = ["The river rose overnight.", "Schools were closed.", "Officials said the dam held.",
                  "Rain is expected to ease."]
    ids = []
    with SnippetStore(store_for(data)) as store:
        for n, third in enumerate(("Officials said the dam held.", "Officials now say the dam was breached.")):
            version = snippet(url, "\n\n".join([*paragraphs[:2], third, paragraphs[3]]), title="Flood in the valley")
            version.fetched_at = f"2025-07-0{n + 4}T10:00:00+00:00"
            store.add(version)
            ids.append(int(version.id or 0))
    served = Room(data)
    yield served, ids
    served.stop()


def test_two_versions_side_by_side(edited: tuple[Room, list[int]]) -> None:
    room, (first, second) = edited
    status, body, _ = room.get(f"/articles/{second}/compare?with={first}")
    assert status == 200
    page = body.decode()
    assert '<tr class="replace"><td class="old">Officials said the dam held.</td>' \
           '<td class="new">Officials now say the dam was breached.</td></tr>' in page
    assert page.count('<tr class="equal">') == 3
    assert room.get(f"/articles/{second}/compare?with=999999")[0] == 404


def test_sites_and_runs(room: Room, replica_crawl: Crawl) -> None:
    status, body, _ = room.get("/sites")
    assert status == 200
    page = body.decode()
    with Archive(store_for(replica_crawl.data)) as archive:
        run = archive.runs(site="rki.news", limit=1)[0]
        articles = archive.stats()["sites"]["rki.news"]
    assert run["run_id"] in page
    assert f"{articles:,} articles" in page
    assert "<svg" in page
    assert "<rect" in page


def test_a_reader_searches_and_reads_in_a_browser(room: Room, chromium: str, tmp_path: Path,
                                                  edited: tuple[Room, list[int]]) -> None:
    from archive.browser import chromium as launch

    with launch() as browser:
        page = browser.new_page()
        page.goto(room.base + "/")
        page.fill("input[name=q]", "wheat")
        page.select_option("select[name=site]", "rki.news")
        page.fill("input[name=since]", "2025-09-01")
        page.click("button[type=submit]")
        page.wait_for_selector(".result")
        assert "wheat" in page.url
        assert "site=rki.news" in page.url
        assert page.locator(".result mark").count() > 0
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        title = page.locator(".result h2 a").first.inner_text()
        page.locator(".result h2 a").first.click()
        page.wait_for_selector("#provenance")
        assert page.locator("h1").inner_text() == title
        assert "warc/" in page.locator("#provenance").inner_text()
        page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
        page.goto(room.base + "/?q=wheat")
        with page.expect_download() as download:
            page.click("a.export:text('csv')")
        saved = tmp_path / "export.csv"
        download.value.save_as(saved)
        assert saved.read_text().count("wheat") > 10
        page.goto(room.base + "/sites")
        page.screenshot(path=str(tmp_path / "sites.png"), full_page=True)
        other, (_, second) = edited
        page.goto(f"{other.base}/articles/{second}")
        page.click("a.compare")
        page.wait_for_selector("#compare")
        assert "breached" in page.locator("tr.replace td.new").inner_text()
        page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    assert (tmp_path / "search.png").stat().st_size > 10_000


def test_demo_serve_prints_where_the_reading_room_is(replica_crawl: Crawl) -> None:
    process = subprocess.Popen(cli_command("demo", "--serve", "--port", str(free_port()), data=replica_crawl.data),
                               cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        assert "serving the rki.news replica" in process.stdout.readline()
        line = process.stdout.readline()
        assert line.startswith("reading room of the archive in"), line
        room = line.rsplit(" at ", 1)[1].strip()
        with urllib.request.urlopen(room + "api/stats", timeout=30) as response:
            assert json.loads(response.read())["articles"] > 0
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        if process.stdout is not None:
            process.stdout.close()


def test_an_article_opens_its_page_as_archived(replica_crawl: Crawl, chromium: str, tmp_path: Path) -> None:
    from archive.browser import chromium as launch

    replay_port = free_port()
    served = Room(replica_crawl.data, "--replay-port", str(replay_port))
    try:
        with Archive(store_for(replica_crawl.data)) as archive:
            first = next(archive.search("wheat", limit=1))
        with launch() as browser:
            page = browser.new_page()
            page.goto(f"{served.base}/articles/{first.id}")
            link = page.locator("a:text('as archived (replay)')")
            assert link.get_attribute("href", timeout=5000).startswith(f"http://127.0.0.1:{replay_port}/archive/")
            with page.context.expect_page() as opened:
                link.click()
            replayed = opened.value
            replayed.wait_for_load_state("load", timeout=60_000)
            deadline = time.monotonic() + 60
            texts: list[str] = []
            while time.monotonic() < deadline and not any(first.title in t for t in texts):
                texts = []
                for frame in replayed.frames:
                    try:
                        texts.append(frame.inner_text("body", timeout=2000))
                    except Exception:  # a frame still loading or gone
                        continue
                time.sleep(0.5)
            replayed.screenshot(path=str(tmp_path / "replay.png"), full_page=True)
            assert any(first.title in t for t in texts), texts
            assert any(f"{replay_port}/archive/" in f.url and "mp_/" in f.url for f in replayed.frames)
    finally:
        served.stop()
    assert served.process.returncode == 0
    assert not _listening(replay_port)  # pywb went with the room


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_replay_port_and_url_are_one_or_the_other(replica_crawl: Crawl) -> None:
    result = run_cli("serve", "--replay-port", "9", "--replay-url", "http://127.0.0.1:8080", data=replica_crawl.data)
    assert_one_line_error(result, "--replay-url")


def test_the_chart_shows_days_without_matches_as_empty() -> None:
    from archive.web.app import MAX_BARS, bars

    chart = bars({"2026-03-01": 4, "2026-03-05": 2, "undated": 7})
    assert [b["day"] for b in chart["bars"]] == [f"2026-03-0{d}" for d in range(1, 6)]
    assert [b["n"] for b in chart["bars"]] == [4, 0, 0, 0, 2]
    assert chart["bars"][1]["h"] == 0
    long = bars({"2025-01-31": 1, "2025-01-01": 2, "2025-04-02": 5, "2025-07-09": 1})
    assert long["unit"] == "month"
    assert [(b["day"], b["n"]) for b in long["bars"]] == [
        ("2025-01", 3), ("2025-02", 0), ("2025-03", 0), ("2025-04", 5), ("2025-05", 0), ("2025-06", 0), ("2025-07", 1)]
    assert len(bars({"2025-01-01": 1, (date(2025, 1, 1) + timedelta(MAX_BARS - 1)).isoformat(): 1})["bars"]) == MAX_BARS


def test_an_article_shows_its_images_and_access_and_search_filters_by_access(room: Room,
                                                                          replica_crawl: Crawl) -> None:
    with Archive(store_for(replica_crawl.data)) as archive:
        first = next(archive.search("wheat", limit=1))
        images = archive.images(first)
    status, body, _ = room.get(f"/articles/{first.id}")
    page = body.decode()
    assert status == 200
    assert '<span id="access">free</span>' in page
    assert images
    assert images[0]["warc_record_id"]  # the crawl archived the featured image
    assert images[0]["url"] in page
    assert images[0]["warc_record_id"] in page.replace("&lt;", "<").replace("&gt;", ">")
    assert room.json("/api/search?access=free&per_page=1")["total"] == room.json("/api/search?per_page=1")["total"]
    assert room.json("/api/search?access=paywalled")["total"] == 0
    status, body, _ = room.get("/api/search?access=sometimes")
    assert status == 400
    assert b"access: one of free, paywalled, unknown" in body
