"""The standfirst a page sets between headline and body opens the article text, once, and only that."""

from __future__ import annotations

from crawler import extract

URL = "https://news.example.org/2026/03/04/harbour-reopens"
LEAD = "After two years of works the old harbour opens again, and the ferries return to the town on Monday."
SENTENCE = "Paragraph {} of the story: the harbour master said the new quays would serve ships of every size."


def page(lead_markup: str, after: str = "", description: str = LEAD) -> bytes:
    body = "".join(f"<p>{SENTENCE.format(i)}</p>" for i in range(6))
    return (f'<!DOCTYPE html><html lang="en"><head><title>Harbour reopens</title>'
            f'<meta property="og:type" content="article"><meta property="og:description" content="{description}">'
            f'<meta property="article:published_time" content="2026-03-04T08:00:00+01:00"></head><body>'
            f'<nav><a href="/">Home</a></nav><article><header><h1>Harbour reopens</h1>{lead_markup}</header>'
            f'<div class="article-body">{body}</div>{after}</article></body></html>').encode()


def paragraphs(html: bytes) -> list[str]:
    article = extract(html, URL)
    assert article is not None
    return article.paragraphs


def test_a_lead_outside_the_body_container_opens_the_text() -> None:
    got = paragraphs(page(f'<p class="article-teaser">{LEAD}</p>'))
    assert got[0] == LEAD
    assert got[1] == SENTENCE.format(0)
    assert got.count(LEAD) == 1


def test_a_lead_that_starts_with_a_link_is_found_by_its_middle() -> None:
    split = LEAD.replace("After two years", '<a href="/works">After two years</a>', 1)
    assert paragraphs(page(f'<div class="intro"><p>{split}</p></div>'))[0] == LEAD


def test_no_lead_where_the_description_shows_only_after_the_body_or_in_a_link() -> None:
    share_box = f'<div class="share"><p>{LEAD}</p></div>'
    teaser = f'<a href="/2026/03/01/other"><span>{LEAD}</span></a>'
    for html in (page("", after=share_box), page(teaser)):
        assert LEAD not in paragraphs(html)[:1]
    assert paragraphs(page(""))[0] == SENTENCE.format(0)  # a description the page never shows: nothing added


def test_a_lead_the_extractor_read_already_is_not_repeated() -> None:
    inside = page("", description=SENTENCE.format(0))  # the description is the body's first paragraph
    got = paragraphs(inside)
    assert got[0] == SENTENCE.format(0)
    assert got.count(SENTENCE.format(0)) == 1
