"""The main-text extractor reads the container that holds a page's running text, and the page untouched."""

from __future__ import annotations

from lxml.html import HtmlElement

from crawler import extract
from crawler.cleaning.page import Page
from crawler.cleaning.text_scope import text_container, text_scope

URL = "https://news.example.org/2026/03/04/harbour-reopens"
SENTENCE = "The harbour of the old town reopened on Monday after two years of works that cost the city {} million."
RAIL = "".join(f'<li><a href="/story-{i}">Another story that is worth a click, number {i}</a></li>' for i in range(30))
FOOTER = "<footer><p>" + "About this newspaper and its owners, printed at the foot of each page. " * 3 + "</p></footer>"


def prose(count: int, start: int = 0) -> str:
    return "".join(f"<p>{SENTENCE.format(start + i)}</p>" for i in range(count))


def page(body: str) -> Page:
    html = (f'<!DOCTYPE html><html lang="en"><head><title>Harbour reopens</title>'
            f'<meta property="og:type" content="article"></head>'
            f"<body><nav><ul>{RAIL}</ul></nav>{body}<aside><ul>{RAIL}</ul></aside>{FOOTER}</body></html>")
    return Page(html, URL)


def test_the_outermost_named_container_with_most_of_the_prose_is_the_scope() -> None:
    # the lead stands in the <article> but outside its body <div>: the <article> keeps it in scope
    p = page('<div class="layout"><article><h1>Harbour reopens</h1><p class="lead">'
             f'{SENTENCE.format("lead")}</p><div class="article-body">{prose(8)}</div></article></div>')
    assert p.tree is not None
    container = text_container(p.tree)
    assert container is not None
    assert container.tag == "article"


def test_no_scope_where_the_prose_is_spread_or_no_container_is_named() -> None:
    spread = page(f'<article>{prose(3)}</article><div class="comments">{prose(5, 10)}</div>')
    unnamed = page(f'<div class="x1"><div class="x2">{prose(8)}</div></div>')
    for p in (spread, unnamed):
        assert p.tree is not None
        assert text_container(p.tree) is None
        assert text_scope(p.tree) is p.tree


def test_the_scope_is_a_copy_and_the_page_is_left_whole() -> None:
    p = page(f'<main id="main"><div class="story-content">{prose(8)}</div></main>')
    assert p.tree is not None
    before = len(list(p.tree.iter()))
    scoped = text_scope(p.tree)
    assert scoped is not p.tree
    assert isinstance(scoped, HtmlElement)
    assert [e.tag for e in scoped.iter()][:3] == ["html", "body", "main"]
    assert scoped.find(".//nav") is None
    assert scoped.find(".//footer") is None
    assert len(list(p.tree.iter())) == before  # menus, rails and footer still in the page for the metadata
    assert p.tree.find(".//nav") is not None


def test_a_scoped_page_gives_the_whole_body_and_nothing_around_it() -> None:
    html = (f'<!DOCTYPE html><html lang="en"><head><title>Harbour reopens</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2026-03-04T08:00:00+01:00"></head>'
            f"<body><nav><ul>{RAIL}</ul></nav><article><h1>Harbour reopens after two years</h1>"
            f'<div class="article-body">{prose(8)}</div></article><aside><ul>{RAIL}</ul></aside>{FOOTER}'
            "</body></html>").encode()
    article = extract(html, URL)
    assert article is not None
    assert article.paragraphs == [SENTENCE.format(i) for i in range(8)]


def test_forms_and_inputs_parse_as_plain_elements_of_the_page() -> None:
    p = page(f'<article>{prose(4)}<form action="/s"><label>Search <input name="q"></label></form></article>')
    assert p.tree is not None
    assert all(isinstance(e, HtmlElement) for e in p.tree.iter("form", "input", "label", "p"))
    field = p.tree.find(".//input")
    assert field is not None
    assert field.get("name") == "q"


def test_chrome_boxes_inside_the_container_go_and_a_body_wrapper_named_so_stays() -> None:
    appeal = '<div class="donation-promo"><h3>Support us</h3><p>' + "Independent news needs readers who pay. " * 3 + \
        "</p></div>"
    related = '<ul class="related-links"><li><a href="/a">Another story</a></li></ul>'
    p = page(f'<article><div class="post-widget">{prose(4)}{appeal}{prose(4, 4)}{related}</div></article>')
    assert p.tree is not None
    scoped = text_scope(p.tree)
    text = scoped.text_content()
    assert "Independent news needs readers" not in text
    assert "Another story" not in text
    assert all(SENTENCE.format(i) in text for i in range(8))  # "post-widget" holds the body: it stays
    assert "Independent news needs readers" in p.tree.text_content()  # the page itself is untouched


def test_ruby_readings_stay_in_the_text_as_the_page_spells_them_out() -> None:
    reading = "<ruby><rb>尹錫悦</rb><rp>（</rp><rt>ユンソンニョル</rt><rp>）</rp></ruby>"
    sentence = "大統領は３日夜、緊急談話を出し、野党が国政をまひさせているとして非常戒厳を宣言した。" * 2
    html = (f'<!DOCTYPE html><html lang="ja"><head><title>非常戒厳</title>'
            f'<meta property="og:type" content="article"></head><body><article><h1>非常戒厳を宣言</h1>'
            f'<div class="article-body"><p>韓国の{reading}{sentence}</p><p>{sentence}</p></div></article>'
            "</body></html>").encode()
    article = extract(html, "https://news.example.jp/2024/12/03/martial-law-declared")
    assert article is not None
    assert article.paragraphs[0].startswith("韓国の尹錫悦（ユンソンニョル）大統領は")
    bare = html.replace(b"<rp>\xef\xbc\x88</rp>", b"").replace(b"<rp>\xef\xbc\x89</rp>", b"")
    without = extract(bare, "https://news.example.jp/2024/12/03/martial-law-declared")
    assert without is not None
    assert "ユンソンニョル" not in without.text  # no fallback given: the reading is annotation, not text


def test_the_pages_paragraph_texts_are_read_once_in_document_order_and_scope_alike() -> None:
    """``Page.paragraph_texts`` stands in for reading each paragraph again: every ``<p>`` of the tree, in the
    tree's order, with its text; and the scope found with them is the scope found without."""
    p = page('<div class="layout"><article><h1>Harbour reopens</h1><p class="lead">'
             f'{SENTENCE.format("lead")}</p><div class="article-body">{prose(8)}<p>Short.</p></div></article></div>')
    assert p.tree is not None
    paragraphs = list(p.tree.iter("p"))
    assert list(p.paragraph_texts) == paragraphs
    assert list(p.paragraph_texts.values()) == [element.text_content() for element in paragraphs]
    assert text_container(p.tree, p.paragraph_texts) is text_container(p.tree)
