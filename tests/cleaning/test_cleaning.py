"""Cleaners as plain functions of (html, url): normalisation, the rki.news block, chrome, broken input."""

from __future__ import annotations

import pytest

from crawler.cleaning.chrome import drop_teasers, is_chrome_line
from crawler.cleaning.metadata import parse_category_line, parse_document_date
from crawler.cleaning.text import normalize_paragraph
from crawler.sites import UnknownSiteError, profile_class, profile_for_url
from crawler.sites.generic import GenericProfile
from crawler.sites.rki_news import RkiNewsProfile
from replica import ReplicaSite

BASE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(BASE)


def test_normalize_paragraph() -> None:
    assert normalize_paragraph("  Cafe\u0301\u00a0 au\tlait\n ") == "Café au lait"
    assert normalize_paragraph("a\x00b\u200bc\x07") == "abc"
    assert normalize_paragraph("\u00a0\n") == ""


def test_category_line_of_the_rki_block() -> None:
    assert parse_category_line("Category: ,English,International - ,Snippets") == ["English", "International",
                                                                                  "Snippets"]
    assert parse_category_line("Category: ,Urdu - ,Pakistan") == ["Urdu", "Pakistan"]
    assert parse_category_line("The category of this story is politics") is None


def test_document_date_line_of_the_rki_block() -> None:
    tz = RkiNewsProfile.timezone
    assert parse_document_date("Document Date: Sun, Apr 26 2026 10:09:30 am", tz) == "2026-04-26T10:09:30+05:00"
    assert parse_document_date("Document Date: Sun, Apr 26 2026 12:05:00 pm", tz) == "2026-04-26T12:05:00+05:00"
    assert parse_document_date("Document Date: someday", tz) is None


@pytest.mark.parametrize("line", ["Published on July 4, 2025", "Show on website : Click Here", "Click Here",
                                  "Also Read: Wheat prices rise", "- Advertisement -", "Leave a Reply",
                                  "Share this:", "rki.news", "RKI.NEWS", "Thanks for signing up!",
                                  "There was an error processing your subscription.",
                                  "Sign up for our daily newsletter", "Related: Floods close the coast road",
                                  "À lire aussi La natalité menacée", "Lesen Sie auch: Der Hafen öffnet",
                                  "Czytaj więcej", "【関連記事】港が再開へ", "[관련기사] 항구 재개"])
def test_chrome_lines(line: str) -> None:
    assert is_chrome_line(line, ("rki.news",))


@pytest.mark.parametrize("line", ["Published reports say the talks failed.", "He clicked here and there.",
                                  "The category was new.", "rki.news reported first on Monday.",
                                  "Sign up for the vaccine opened on Monday for everyone over 60.",
                                  "Related to this, the minister promised a new road.",
                                  "See the harbour at dawn: it is worth the early start."])
def test_body_lines_that_only_look_like_chrome(line: str) -> None:
    assert not is_chrome_line(line, ("rki.news",))


def test_links_to_other_stories_under_a_shared_label_are_dropped() -> None:
    body = ["The council met on Monday and agreed on the budget after a long debate.",
            "READ ANOTHER STORY HERE | Five arrested after the market fire",
            "The budget gives the harbour two million more than last year.",
            "Read another story here | Floods close the coast road",
            "Harbour Budget Passes After Long Debate Harbour Budget Passes After Long Debate"]
    assert drop_teasers(body) == [body[0], body[2]]


def test_a_standalone_read_more_label_goes_with_the_headline_under_it() -> None:
    body = ["The council met on Monday and agreed on the budget after a long debate.",
            "Czytaj więcej", "Parliament tightens the rules after the attack in the city centre",
            "The budget gives the harbour two million more than last year.",
            "Read more", "The harbour master said the new quays would serve ships of every size. " * 5]
    assert drop_teasers(body) == [body[0], body[3], body[5]]  # a long paragraph under a label is the body again


def test_lines_that_only_look_like_teasers_stay() -> None:
    interview = ["Mayor: We will open the harbour in May.", "Mayor: It cost less than we feared.",
                 "Reporter: And the road?"]
    assert drop_teasers(interview) == interview  # a colon is how an interview names its speakers
    once = ["Week of design | a preview of the fair opening on Tuesday"]
    assert drop_teasers(once) == once  # a label used once is no pattern
    sentences = ["Update | The council met. It agreed on the budget.", "Update | The mayor spoke. Nobody objected."]
    assert drop_teasers(sentences) == sentences  # running sentences are text, not a headline
    assert drop_teasers(["Yes yes", "Run, run!"]) == ["Yes yes", "Run, run!"]  # too short to be a headline twice


def test_cleaner_is_pure_and_repeatable(site: ReplicaSite) -> None:
    post = site.posts[0]
    page = site.pages[post.path]
    profile = RkiNewsProfile(BASE)
    first = profile.clean(page.body, BASE + post.path)
    second = profile.clean(page.body.decode("utf-8"), BASE + post.path)
    assert first is not None
    assert first == second
    assert first.text == "\n\n".join(post.paragraphs)


def test_shortlink_and_tracking_urls_give_the_permalink(site: ReplicaSite) -> None:
    post = site.posts[1]
    article = RkiNewsProfile(BASE).clean(site.pages[post.path].body, f"{BASE}/?p={post.post_id}")
    assert article is not None
    assert article.canonical_url == BASE + post.path


@pytest.mark.parametrize("path", ["/about-us/", "/category/english/", "/tag/wheat/", "/author/rki-network/"])
def test_non_article_pages_give_nothing(site: ReplicaSite, path: str) -> None:
    assert RkiNewsProfile(BASE).clean(site.pages[path].body, BASE + path) is None
    assert GenericProfile(BASE).clean(site.pages[path].body, BASE + path) is None


def test_themed_404_page_gives_nothing(site: ReplicaSite) -> None:
    assert RkiNewsProfile(BASE).clean(site.not_found.body, BASE + "/missing/") is None


@pytest.mark.parametrize("html", [
    b"", b"\x00\x00\x00", b"<html><body><div class='td-post-content'><p>unterminated",
    b"<?xml version='1.0'?><rss/>", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "<p>" * 5000,
    b"<html><body class='single-post'><h1 class='entry-title'>T</h1><div class='td-post-content'>\x00\x01<p>"
    b"Only \x00text</p></div></body></html>",
])
def test_broken_input_never_crashes(html: bytes | str) -> None:
    for profile in (RkiNewsProfile(BASE), GenericProfile(BASE)):
        article = profile.clean(html, BASE + "/2025/01/01/x/")
        if article is not None:
            assert "\x00" not in article.text
            assert article.text.strip()


def test_profile_lookup() -> None:
    assert profile_class("rki.news") is RkiNewsProfile
    assert isinstance(profile_for_url("https://rki.news/2025/07/04/x/"), RkiNewsProfile)
    assert isinstance(profile_for_url("https://example.org/x/"), GenericProfile)
    with pytest.raises(UnknownSiteError):
        profile_class("example.org")
