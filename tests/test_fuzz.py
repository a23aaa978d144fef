"""Fuzzing every parser of outside data: generated inputs (hypothesis) and a corpus of real pages from both
development sets, damaged the ways the web damages them. Each component keeps its documented contract:

- ``decode_page`` always returns text; ``crawler.extract`` returns an Article or None;
- ``validate_url`` raises BadUrlError only; ``canonicalize`` takes any link of any page, and canonical URLs
  are stable (canonicalising twice changes nothing);
- ``read_sitemap`` and ``feed_links`` return None for what is not a sitemap or a feed;
- ``iter_records`` yields records or raises TornMemberError, zlib.error or MalformedRecord.

How long a page may take is bounded where it matters, in the cleaning pool (``clean_timeout``, tested in
test_cleaning_pool.py); here the largest pathological pages are also kept within MAX_PAGE_BYTES.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archive
from archive.warc.read import MalformedRecord, TornMemberError, iter_records
from crawler import extract
from crawler.cleaning import Article
from crawler.cleaning.decode import decode_page
from crawler.cleaning.page import MAX_PAGE_BYTES
from crawler.discovery.sitemaps import feed_links, read_sitemap
from crawler.discovery.urls import BadUrlError, canonicalize, validate_url
from devkit.extraction_score import extraction_pages, metadata_pages
from tests.conftest import run_cli
from tests.helpers import Server, store_for, write
from tests.misbehaving import article

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
URL = "https://news.example.org/2025/03/04/a-story-about-fuzzing/"
CONTENT_TYPES = [None, "text/html", "text/html; charset=utf-8", "text/html; charset=windows-1251",
                 "text/html; charset=no-such-charset", "application/xhtml+xml; charset=latin-1"]
PIECES = ["<html>", "</html>", "<head>", "<body>", "<div>", "</div>", "<p>", "</p>", "<article>", "</article>",
          "<h1>", "</h1>", "<script>", "</script>", "<script type=application/ld+json>", '{"@type":"NewsArticle",',
          '"datePublished":"2025-13-45T99:99"}', "<meta property=og:type content=article>",
          '<meta property="article:published_time" content="yesterday">', "<time datetime=x>", "&amp;", "&#0;",
          "&#x110000;", "\x00", "\ufffd", "<![CDATA[", "]]>", "<!--", "-->", "<table><tr><td>", "<br>",
          "By ", "Published on July 4, 2025", "عربی متن", "текст", "<svg><path d=M0>", "<style>p{}</style>",
          " word" * 20, ". ", "\n"]
soup = st.lists(st.sampled_from(PIECES) | st.text(max_size=40), max_size=120).map("".join)


def is_article_or_none(result: object) -> bool:
    return result is None or isinstance(result, Article)


@FUZZ
@given(st.binary(max_size=5000), st.sampled_from(CONTENT_TYPES))
def test_any_bytes_decode_and_clean_without_an_exception(body: bytes, content_type: str | None) -> None:
    assert isinstance(decode_page(body, content_type).text, str)
    assert is_article_or_none(extract(body, URL, content_type))


@FUZZ
@given(soup, st.sampled_from(CONTENT_TYPES))
def test_tag_soup_cleans_without_an_exception(html: str, content_type: str | None) -> None:
    assert is_article_or_none(extract(html.encode("utf-8", "surrogatepass"), URL, content_type))


@FUZZ
@given(st.text(max_size=300) | st.from_regex(r"\A(https?|ftp|javascript)://[^\s]{0,80}\Z"))
def test_urls_are_valid_or_refused_and_canonical_forms_are_stable(raw: str) -> None:
    assert isinstance(canonicalize(raw), str)  # any href of any page
    try:
        url = validate_url(raw)
    except BadUrlError:
        return
    canonical = canonicalize(url)
    assert canonicalize(canonical) == canonical


@FUZZ
@given(st.binary(max_size=3000) | soup.map(lambda s: ('<?xml version="1.0"?><urlset xmlns='
                                                     '"http://www.sitemaps.org/schemas/sitemap/0.9">' + s).encode()))
def test_sitemaps_and_feeds_are_read_or_refused(body: bytes) -> None:
    sitemap = read_sitemap(body)
    assert sitemap is None or sitemap[0] in ("urlset", "sitemapindex", "") or isinstance(sitemap[1], list)
    links = feed_links(body)
    assert links is None or all(isinstance(link, str) for link in links)


# -- damaged real pages ----------------------------------------------------------------------------------------

def real_pages(count: int = 12) -> list[tuple[str, bytes]]:
    pages = [(item["url"], html) for _, html, item in [*extraction_pages(), *metadata_pages()]]
    return random.Random(7).sample(pages, count)


def damaged(html: bytes, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    flipped = bytearray(html)
    for _ in range(50):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    return [
        ("truncated", html[: rng.randrange(1, len(html))]),
        ("bytes flipped", bytes(flipped)),
        ("closing tags removed", html.replace(b"</div>", b"").replace(b"</p>", b"")),
        ("opening tags doubled", html.replace(b"<div", b"<div><div").replace(b"<p>", b"<p><span><p>")),
        ("as latin-1 bytes of its utf-8", html.decode("utf-8", "replace").encode("latin-1", "replace")),
    ]


@pytest.mark.parametrize(("url", "html"), real_pages(), ids=lambda v: v[-40:] if isinstance(v, str) else "")
def test_damaged_real_pages_clean_without_an_exception(url: str, html: bytes) -> None:
    for how, body in damaged(html, len(html)):
        result = extract(body, url, "text/html")
        assert is_article_or_none(result), how


@pytest.mark.parametrize("body", [
    b"<html><body>" + b"<div>" * 10_000 + b"<p>Deep inside ten thousand divs.</p>" + b"</div>" * 10_000,
    b"<html><body>" + b"<div><span><em>" * 10_000 + b"never closed",
    b"<html><head><title>One line</title></head><body><p>" + b"word " * 10_000_000 + b"</p>",  # 50 MB, one line
], ids=["nested 10,000 deep", "nested and unclosed", "50 MB of one line"])
def test_pathological_pages(body: bytes) -> None:
    article = extract(body, URL, "text/html")
    assert is_article_or_none(article)
    if len(body) > MAX_PAGE_BYTES and article is not None:
        assert "body_truncated" in article.flags
        assert len(article.text) <= MAX_PAGE_BYTES


# -- the WARC reader -------------------------------------------------------------------------------------------

READER_ERRORS = (TornMemberError, zlib.error, MalformedRecord)


def read_all(path: Path) -> None:
    try:
        for record in iter_records(path):
            assert isinstance(record.fields, dict)
            _ = record.http_status, record.http_header("Content-Type")
    except READER_ERRORS:
        pass


@FUZZ
@given(st.binary(max_size=3000))
def test_the_warc_reader_keeps_its_contract_on_any_bytes(tmp_path_factory: pytest.TempPathFactory,
                                                         body: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x.warc.gz"
    for data in (body, gzip.compress(body), gzip.compress(b"WARC/1.1\r\n" + body)):
        path.write_bytes(data)
        read_all(path)


def test_the_warc_reader_keeps_its_contract_on_damaged_files(tmp_path: Path) -> None:
    write(tmp_path, 5, max_bytes=10**9)
    (original,) = tmp_path.iterdir()
    data = original.read_bytes()
    rng = random.Random(3)
    for trial in range(60):
        broken = bytearray(data)
        for _ in range(trial % 7 + 1):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        target = tmp_path / f"broken-{trial}.warc.gz"
        target.write_bytes(bytes(broken[: rng.randrange(len(broken) // 2, len(broken) + 1)]))
        read_all(target)


def test_an_oversized_article_is_stored_from_its_first_8_mb_and_reported(tmp_path: Path) -> None:
    story = article("A very long story").replace(b"</article>", b"<p>" + b"more words " * 900_000 + b"</p></article>")
    assert len(story) > MAX_PAGE_BYTES
    server = Server("127.0.0.1", {"/2025/01/02/long/": (200, {}, story)})
    try:
        result = run_cli("fetch", server.base_url + "/2025/01/02/long/", "--json", data=tmp_path)
    finally:
        server.close()
    assert json.loads(result.stdout)["results"][0]["outcome"] == "new", result.stderr[-2000:]
    with archive.open(store_for(tmp_path)) as a:
        (snippet,) = a.search()
        (run,) = a.runs()
        assert a.record(snippet).body == story  # the WARC record keeps every byte
    assert "body_truncated" in snippet.flags
    assert run["report"]["counts"]["articles/body_truncated"] == 1
