"""The main-text pass runs the first stage of trafilatura's cascade itself (main_text._fast_paragraphs), from
trafilatura's own functions: it must give what trafilatura's own fast pass gives wherever that pass has no later
stage to run, or a trafilatura release that changes its first stage has to be read before it is taken."""

from __future__ import annotations

from lxml.html import HtmlElement
from trafilatura import bare_extraction

from crawler import extract
from crawler.cleaning import main_text
from crawler.cleaning.chrome import link_list
from crawler.cleaning.page import Page
from devkit.extraction_score import extraction_pages

ESCALATION_MAX_LENGTH = 3000  # trafilatura's later stages leave a result at least this long alone


def _trafilatura_fast(tree: HtmlElement, url: str) -> tuple[list[str], int]:
    document = bare_extraction(tree, url=url, include_comments=False, include_tables=False,
                               include_images=False, deduplicate=False, with_metadata=False,
                               config=main_text.CONFIG, fast=True)
    body = getattr(document, "body", None)
    return main_text._blocks_of(body), len(getattr(document, "text", None) or "")


def test_the_first_stage_is_trafilaturas_own_fast_pass() -> None:
    compared = 0
    for page_id, html, item in extraction_pages():
        page = Page.from_bytes(html, item["url"])
        assert page.tree is not None
        theirs, length = _trafilatura_fast(page.tree, item["url"])
        if length < ESCALATION_MAX_LENGTH:
            continue
        assert main_text._fast_paragraphs(page.tree, item["url"]) == theirs, page_id
        compared += 1
    assert compared >= 50, compared


def test_a_story_the_first_stage_misses_behind_an_access_wall_is_read() -> None:
    # trafilatura's first stage reads the wall's line alone (a class naming a teaser is left out); its recall
    # retry reads the story
    story = "".join(f"<p>The council voted on the harbour plan for the {i}th time on Monday; the vote was close.</p>"
                    for i in range(12))
    html = ('<html><head><title>Harbour</title></head><body><main class="content"><article class="article-item">'
            f'<div class="c-article-body main-content"><div class="article__teaser">{story}</div>'
            '<div class="app-access-wall"><p>Enjoying our latest content? Log in or create an account to continue '
            "reading this.</p></div></div></article></main></body></html>")
    page = Page(html, "https://news.example.org/2026/harbour")
    assert page.tree is not None
    assert len(main_text._fast_paragraphs(page.tree, page.url)) == 1
    found = main_text.main_text_paragraphs(page.tree, page.url)
    assert found is not None
    assert sum("harbour plan" in p for p in found) == 12


def test_prose_in_scripts_with_their_own_full_stops_reads_as_prose() -> None:
    """Urdu ends its sentences with ۔ (U+06D4), Hindi with ।, Armenian with ։, Amharic with ።: a story in
    any of them is prose, and the full cascade is not run on it for want of a Latin full stop."""
    stories = {
        "ur": "کشمیر میں سیب کے کاشتکاروں نے اس سال بہتر فصل کی توقع ظاہر کی ہے۔ ",
        "hi": "दिल्ली में आज सुबह से बारिश हो रही है और मौसम विभाग ने चेतावनी जारी की है। ",
        "hy": "Երևանում այսօր անձրև է սպասվում, և օդի ջերմաստիճանը կնվազի։ ",
        "am": "በአዲስ አበባ ዛሬ ዝናብ ይጠበቃል እና የሙቀት መጠኑ ይቀንሳል። ",
    }
    for language, sentence in stories.items():
        assert main_text.reads_as_prose([sentence * 12]), language
    menu = " ".join(["Home", "World", "Business", "Sport", "Opinion", "Culture", "Video"] * 12)
    assert not main_text.reads_as_prose([menu])  # a run of words with no sentence end at all


def _page_without_a_body(aside: str = "") -> Page:
    """Article metadata and a headline, no text: a video page, say, between a menu and a rail of the same
    stories (the shape on which trafilatura's whole-page fallback reads the menu as one paragraph)."""
    links = "".join(f'<li><a href="/story-{i}">Another story worth a click, number {i}</a></li>' for i in range(12))
    html = ('<html lang="en"><head><title>Headline</title><meta property="og:type" content="article">'
            '<meta property="article:published_time" content="2025-03-04T10:00:00+01:00"></head>'
            f'<body><nav><ul>{links}</ul></nav><main><article><h1>Headline</h1>{aside}</article></main>'
            '<aside><p>The harbour of the old town reopened on Monday after two years of works that cost the city '
            f'millions.</p><ul>{links}</ul></aside><footer><p>© 2026 The Paper, all rights reserved everywhere.</p>'
            '</footer></body></html>')
    return Page(html, "http://paper.example/news/2024/05/story-1.html")


def test_a_page_without_a_body_gets_no_main_text_from_its_links() -> None:
    page = _page_without_a_body()
    assert page.tree is not None
    whole_page = main_text._full_paragraphs(page.tree, page.url)  # what the fallback reads: the menu
    assert "number 0 Another story" in " ".join(whole_page)
    assert main_text.main_text_paragraphs(page.tree, page.url) is None
    assert extract(page.text.encode(), page.url, "text/html; charset=utf-8") is None  # no article


def test_a_short_story_beside_a_menu_is_not_taken_for_a_list_of_links() -> None:
    story = "<p>The ferry to the island runs again from Tuesday after the storm damaged its pier in March.</p>"
    page = _page_without_a_body(story)
    assert page.tree is not None
    found = main_text.main_text_paragraphs(page.tree, page.url)
    assert found is not None
    assert found[-1] == "The ferry to the island runs again from Tuesday after the storm damaged its pier in March."
    assert not any("Another story" in p for p in found)


def test_link_list_tells_a_list_of_links_from_a_body_that_links() -> None:
    links = [f"Another story worth a click, number {i}" for i in range(6)]
    root = Page("<html><body>" + "".join(f'<p><a href="/s{i}">{t}</a></p>' for i, t in enumerate(links))
                + "</body></html>", "http://paper.example/").tree
    assert root is not None
    assert link_list(links, root)  # each paragraph one link
    assert link_list([" ".join(links)], root)  # the links run together as one paragraph
    assert not link_list([*links[:2], "Headline", "What the story says, which no link does.",
                          "The second paragraph of the story says more, and again no link says it."], root)
    # a body that quotes its links among its own words: under the share
    prose = [f"{t}, and the reporter explains at length what happened next in the valley." for t in links]
    assert not link_list([p.rstrip(".") for p in prose], root)
