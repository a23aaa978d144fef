"""HTTP fidelity on a crawl of a server that misbehaves on purpose: content coding, chunking, repeated
headers, status lines, requests as sent, redirect hops, header bytes, resets, loops and oversized bodies."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.read import WarcRecord
from archive.warc.verify import FileReport, verify_directory
from archive.warc.write import dechunk, sha1_digest
from crawler.runs.outcome import print_report
from tests.conftest import Crawl, header_values, http_parts, records_by_uri, run_cli
from tests.helpers import store_for
from tests.misbehaving import CAFE, CRAWL_SETTINGS, MAXSIZE, PLAIN, PLAIN_SENTENCES, MisbehavingServer


@pytest.fixture(scope="module")
def reports(misbehaving_crawl: Crawl) -> list[FileReport]:
    return verify_directory(misbehaving_crawl.warc_dir)


@pytest.fixture(scope="module")
def responses(reports: list[FileReport]) -> dict[str, list[WarcRecord]]:
    return records_by_uri(reports, "response")


@pytest.fixture(scope="module")
def requests_(reports: list[FileReport]) -> dict[str, list[WarcRecord]]:
    return records_by_uri(reports, "request")


def one(records: dict[str, list[WarcRecord]], server: MisbehavingServer, path: str) -> WarcRecord:
    found = records.get(server.base_url + path, [])
    assert len(found) == 1, f"{len(found)} records for {path}"
    return found[0]


def test_the_whole_archive_passes_the_structural_checks(reports: list[FileReport]) -> None:
    assert [p for r in reports for p in r.problems] == []


def test_b1_gzip_content_coding_is_preserved(responses: dict[str, list[WarcRecord]], misbehaving: MisbehavingServer,
                                            misbehaving_crawl: Crawl) -> None:
    rec = one(responses, misbehaving, "/gzip")
    _, headers, body = http_parts(rec.block)
    assert header_values(headers, b"Content-Encoding") == [b"gzip"]
    assert body[:2] == b"\x1f\x8b"
    assert header_values(headers, b"Content-Length") == [str(len(body)).encode()]
    assert rec.fields["WARC-Payload-Digest"] == sha1_digest(body)
    assert b"Gzip story" in gzip.decompress(body)
    store = SnippetStore(store_for(misbehaving_crawl.data), readonly=True)
    titles = {s.title for s in store.select(Filters(), order="oldest")}
    store.close()
    assert "Gzip story" in titles  # the spider parsed the decoded body while the WARC kept the coded one


@pytest.mark.parametrize("path", ["/chunked", "/chunked-gzip"])
def test_b2_chunked_bodies_agree_with_their_headers(responses: dict[str, list[WarcRecord]],
                                                    misbehaving: MisbehavingServer, path: str) -> None:
    rec = one(responses, misbehaving, path)
    _, headers, body = http_parts(rec.block)
    # verbatim chunks with their header, or a de-chunked body without it; never a mix
    entity = dechunk(body) if header_values(headers, b"Transfer-Encoding") else body
    assert rec.fields["WARC-Payload-Digest"] == sha1_digest(entity)
    if path.endswith("gzip"):
        assert b"Chunked gzip story" in gzip.decompress(entity)
    else:
        assert b"Chunked story" in entity
        assert entity.endswith(b"</html>")


def test_b3_repeated_headers_are_all_kept(responses: dict[str, list[WarcRecord]],
                                          misbehaving: MisbehavingServer) -> None:
    _, headers, _ = http_parts(one(responses, misbehaving, "/dup-headers").block)
    assert header_values(headers, b"Set-Cookie") == [b"a=1; Path=/", b"b=2; Path=/"]
    assert header_values(headers, b"Link") == [b'</style.css>; rel="preload"', b'</app.js>; rel="preload"']


def test_b4_status_lines_name_the_protocol_and_reason(responses: dict[str, list[WarcRecord]],
                                                      misbehaving: MisbehavingServer) -> None:
    assert http_parts(one(responses, misbehaving, "/dup-headers").block)[0] == b"HTTP/1.1 200 OK"
    assert http_parts(one(responses, misbehaving, "/notfound").block)[0] == b"HTTP/1.1 404 Not Found"
    assert http_parts(one(responses, misbehaving, "/redirect").block)[0] == b"HTTP/1.1 301 Moved Permanently"


def test_b5_request_record_holds_the_request_as_sent(requests_: dict[str, list[WarcRecord]],
                                                     misbehaving: MisbehavingServer) -> None:
    first, headers, body = http_parts(one(requests_, misbehaving, "/query?a=1&b=two").block)
    assert first == b"GET /query?a=1&b=two HTTP/1.1"
    assert header_values(headers, b"Host") == [misbehaving.base_url.removeprefix("http://").encode()]
    (agent,) = header_values(headers, b"User-Agent")
    assert agent.startswith(b"newsarchive/")
    assert b"gzip" in header_values(headers, b"Accept-Encoding")[0]
    assert body == b""


def test_b7_each_redirect_hop_is_its_own_capture(responses: dict[str, list[WarcRecord]],
                                                 misbehaving: MisbehavingServer) -> None:
    hop = one(responses, misbehaving, "/redirect")
    final = one(responses, misbehaving, "/final")
    _, headers, _ = http_parts(hop.block)
    assert header_values(headers, b"Location") == [b"/final"]
    assert http_parts(final.block)[0] == b"HTTP/1.1 200 OK"


def test_b8_ip_address_on_both_records(reports: list[FileReport]) -> None:
    records = [rec for r in reports for rec in r.records if rec.type in ("request", "response")]
    assert records
    assert {rec.fields.get("WARC-IP-Address") for rec in records} == {"127.0.0.1"}


def test_b9_non_utf8_header_bytes_are_written_as_latin1(responses: dict[str, list[WarcRecord]],
                                                        misbehaving: MisbehavingServer) -> None:
    _, headers, _ = http_parts(one(responses, misbehaving, "/latin1-header").block)
    assert header_values(headers, b"X-Note") == [b"caf\xe9"]


def test_a_reset_connection_is_reported_and_not_archived(responses: dict[str, list[WarcRecord]],
                                                         misbehaving: MisbehavingServer,
                                                         misbehaving_crawl: Crawl) -> None:
    assert misbehaving.base_url + "/reset" not in responses
    assert misbehaving_crawl.report["errors"]["ResponseDataLossError"]["examples"] == [misbehaving.base_url + "/reset"]


def test_errors_are_reported_by_kind_and_the_crawl_goes_on(misbehaving_crawl: Crawl,
                                                           misbehaving: MisbehavingServer) -> None:
    errors = misbehaving_crawl.report["errors"]
    base = misbehaving.base_url
    assert errors["http_404"]["examples"] == [base + "/notfound"]
    assert errors["http_500"]["examples"] == [base + "/server-error"]
    assert errors["robots_disallowed"]["examples"] == [base + "/private/secret"]
    # gzip, chunked, chunked-gzip, final, nocharset, broken, latin1-mislabeled and the four plain articles
    assert misbehaving_crawl.report["counts"]["articles/new"] == 7 + len(PLAIN)
    assert misbehaving_crawl.result.returncode == 0


def test_plain_articles_without_news_metadata_are_stored(misbehaving_crawl: Crawl,
                                                          misbehaving: MisbehavingServer) -> None:
    """No og:type, JSON-LD or publication meta tag; about 90 words; a numeric path, a query-string id, no
    <article> or <time> on two of them: each is an article all the same."""
    store = SnippetStore(store_for(misbehaving_crawl.data), readonly=True)
    snippets = {s.url.removeprefix(misbehaving.base_url): s for s in store.select(Filters(), order="oldest")}
    store.close()
    for path, (title, lang, _) in PLAIN.items():
        assert snippets[path].title == title
        assert snippets[path].language == lang
        assert snippets[path].text == "\n\n".join(PLAIN_SENTENCES[lang])


def test_pages_judged_not_articles_are_counted_in_generic_mode(misbehaving_crawl: Crawl,
                                                               misbehaving: MisbehavingServer,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The pages with a line of text each (/dup-headers, /query?..., /latin1-header) are refused as articles,
    and the run says so with examples instead of dropping them silently; the index page is counted too."""
    counts, examples = misbehaving_crawl.report["counts"], misbehaving_crawl.report["examples"]
    assert counts["articles/not_article"] >= 4
    assert misbehaving.base_url + "/dup-headers" in examples["articles/not_article"]
    assert misbehaving.base_url + "/" not in examples["articles/not_article"]  # the site root says listing
    print_report(misbehaving_crawl.report, misbehaving_crawl.data)  # the summary a person reads
    assert f"not articles: {counts['articles/not_article']} page(s)" in capsys.readouterr().out


def test_robots_disallowed_page_is_never_requested(requests_: dict[str, list[WarcRecord]],
                                                   misbehaving: MisbehavingServer) -> None:
    assert misbehaving.base_url + "/private/secret" not in requests_
    assert misbehaving.base_url + "/robots.txt" in requests_


def test_a_redirect_loop_ends_and_is_reported(responses: dict[str, list[WarcRecord]], misbehaving: MisbehavingServer,
                                             misbehaving_crawl: Crawl) -> None:
    hops = [u for u in responses if "/redirect-loop-" in u]
    assert 1 <= sum(len(responses[u]) for u in hops) <= 11  # REDIRECT_MAX_TIMES + 1 at most
    examples = misbehaving_crawl.report["errors"]["redirect_loop"]["examples"]
    assert examples == [misbehaving.base_url + "/redirect-loop-a"]


@pytest.mark.parametrize(("kind", "path"), [
    ("body_too_large", "/huge"), ("body_too_large", "/endless"), ("body_too_large", "/bomb"),
    ("DownloadTimeoutError", "/slow"),
])
def test_hostile_responses_are_reported_by_kind(misbehaving_crawl: Crawl, misbehaving: MisbehavingServer, kind: str,
                                                path: str) -> None:
    assert misbehaving.base_url + path in misbehaving_crawl.report["errors"][kind]["examples"]


def test_oversized_bodies_leave_no_partial_record(responses: dict[str, list[WarcRecord]],
                                                  misbehaving: MisbehavingServer) -> None:
    assert misbehaving.base_url + "/huge" not in responses
    assert misbehaving.base_url + "/endless" not in responses


def test_a_decompression_bomb_is_archived_compressed_and_not_cleaned(responses: dict[str, list[WarcRecord]],
                                                                     misbehaving: MisbehavingServer,
                                                                     misbehaving_crawl: Crawl) -> None:
    rec = one(responses, misbehaving, "/bomb")
    _, headers, body = http_parts(rec.block)
    assert header_values(headers, b"Content-Encoding") == [b"gzip"]
    assert body[:2] == b"\x1f\x8b"
    assert len(body) < MAXSIZE  # faithful and small: 50 MB of zeros stay 50 KB of gzip
    store = SnippetStore(store_for(misbehaving_crawl.data), readonly=True)
    urls = {s.url for s in store.select(Filters(), order="oldest")}
    store.close()
    assert misbehaving.base_url + "/bomb" not in urls


def test_charsets_and_broken_markup(misbehaving_crawl: Crawl, misbehaving: MisbehavingServer) -> None:
    store = SnippetStore(store_for(misbehaving_crawl.data), readonly=True)
    snippets = {s.url.removeprefix(misbehaving.base_url): s for s in store.select(Filters(), order="oldest")}
    store.close()
    mislabeled = snippets["/latin1-mislabeled"]  # Latin-1 under a UTF-8 label: read by a guess, and flagged
    assert mislabeled.text.startswith(CAFE)
    assert mislabeled.flags == ["encoding_guessed"]
    assert misbehaving_crawl.report["counts"]["articles/encoding_guessed"] == 1
    assert snippets["/nocharset"].flags == []
    assert snippets["/nocharset"].text.startswith(CAFE)  # unlabelled UTF-8 still decodes
    broken = snippets["/broken"]
    assert broken.title == "Broken story"
    assert "\x00" not in broken.text
    assert "\ufffd" not in broken.text
    assert broken.text.startswith("First line of a page")
    assert "/binary" not in snippets  # a PNG served as text/html is archived, not cleaned
    assert all("\ufffd" not in s.text for s in snippets.values())


@pytest.mark.parametrize(("status", "fetched"), [(503, False), (404, True)])
def test_robots_txt_status_as_rfc_9309_reads_it(tmp_path: Path, status: int, fetched: bool) -> None:
    """5xx: assume complete disallow (Scrapy alone would allow all); 4xx: no rules."""
    with MisbehavingServer(robots_status=status) as server:
        result = run_cli("crawl", server.base_url + "/", "--json", *CRAWL_SETTINGS, data=tmp_path)
    report = json.loads(result.stdout)
    requests = records_by_uri(verify_directory(tmp_path / "warc"), "request")
    assert server.base_url + "/robots.txt" in requests  # archived either way
    assert (server.base_url + "/" in requests) is fetched
    if fetched:
        assert result.returncode == 0
        assert server.base_url + "/private/secret" in requests  # no rules at all
    else:
        assert result.returncode == 1  # nothing but robots.txt could be fetched
        assert report["errors"]["robots_unavailable"]["examples"] == [server.base_url + "/robots.txt"]
