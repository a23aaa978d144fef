"""Is this page one article? A score from many weak signals instead of one marker.

Sites mark articles in different ways or not at all: og:type, JSON-LD (at the top, in ``@graph`` or under
``mainEntity``), microdata, ``article:published_time``, a dated headline, a permalink-shaped URL, and a
block of running text. Listings, tag, author and search pages, static pages, 404s and attachment pages
have some of these too (a WordPress theme prints og:type article nowhere but may print a date on a
listing), but not the combination. Each signal adds or subtracts its weight; the page is an article when
the sum reaches ``THRESHOLD``. The weights and the threshold were set on the two development sets of real
article pages (every page an article) and the replica's non-article pages (every page not one);
``./run bench extraction`` prints the confusion counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from crawler.cleaning.dates import PUBLISHED_META
from crawler.cleaning.page import Page, json_ld_types

ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle",
                 "OpinionNewsArticle", "LiveBlogPosting", "BackgroundNewsArticle", "ReviewNewsArticle",
                 "AskPublicNewsArticle", "SatiricalArticle", "ScholarlyArticle", "TechArticle", "Report",
                 "SocialMediaPosting", "Review", "Recipe", "VideoObject"}
NOT_ARTICLE_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage", "ContactPage", "AboutPage",
                     "FAQPage", "CheckoutPage", "MediaGallery", "ImageGallery"}
ARTICLE_ITEMTYPE_RE = re.compile(r"schema\.org/(?:\w*Article|BlogPosting|Report|LiveBlogPosting)$", re.IGNORECASE)
LISTING_SEGMENTS = {"tag", "tags", "category", "categories", "author", "authors", "topic", "topics", "search",
                    "page", "archive", "archives", "section", "thema", "themen", "autor", "rubrik", "schlagwort",
                    "feed", "wp-login.php", "login", "contact", "about", "about-us", "privacy-policy", "impressum",
                    "datenschutz", "kontakt", "imprint", "terms"}
DATE_PATH_RE = re.compile(r"/(?:19|20)\d\d[/-]?(?:0[1-9]|1[0-2])(?:[/-]?(?:0[1-9]|[12]\d|3[01]))?/[^/]+")
DATE_ARCHIVE_RE = re.compile(r"/(?:19|20)\d\d(?:/(?:0[1-9]|1[0-2]))?(?:/(?:0[1-9]|[12]\d|3[01]))?/?$")
SLUG_RE = re.compile(r"[\w%]+(?:-[\w%]+){3,}")  # four or more words joined by hyphens
ID_RE = re.compile(r"\d{5,}")  # a long numeric id: article-24075843.html, /a-65464327
_ITEMTYPES = etree.XPath("//@itemtype")
THRESHOLD = 2.5
LONG_TEXT = 1200  # characters of main text: a story
SOME_TEXT = 400
LITTLE_TEXT = 150  # below this a page is a stub, a listing or an error page


@dataclass
class Evidence:
    """The score and the signals that made it, for the bench and for debugging a miss."""

    score: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, weight: float) -> None:
        self.signals[name] = weight
        self.score += weight

    @property
    def is_article(self) -> bool:
        return self.score >= THRESHOLD


def structural_evidence(page: Page) -> Evidence:
    """Everything but the text: markup, metadata and the URL (cheap, before any extraction)."""
    ev = Evidence()
    if page.tree is None:
        ev.add("unparseable", -10)
        return ev
    og_type = (page.meta("og:type") or "").lower()
    if og_type == "article" or og_type.startswith("article") or og_type.endswith(".article"):
        ev.add("og:type article", 2.0)
    elif og_type in ("website", "profile", "video.other", "book", "music.song"):
        ev.add("og:type " + og_type, -0.5)
    types = set().union(*(json_ld_types(n) for n in page.json_ld)) if page.json_ld else set()
    if types & ARTICLE_TYPES:
        ev.add("json-ld article", 2.0)
    elif types & NOT_ARTICLE_TYPES:
        ev.add("json-ld collection", -2.0)
    if any(ARTICLE_ITEMTYPE_RE.search(str(t)) for t in _ITEMTYPES(page.tree)):
        ev.add("microdata article", 1.5)
    if page.itemprop("articleBody"):
        ev.add("itemprop articleBody", 1.5)
    if page.meta(*PUBLISHED_META) or page.itemprop("datePublished"):
        ev.add("published date", 1.0)
    articles = sum(1 for _ in page.tree.iter("article"))
    linked_heads = sum(1 for h in page.tree.iter("h2", "h3") if h.find(".//a") is not None)
    if articles >= 4 or linked_heads >= 8:
        ev.add("teaser blocks", -1.5)
    h1s = sum(1 for _ in page.tree.iter("h1"))
    if h1s == 1:
        ev.add("one h1", 0.5)
    _url_evidence(page.url, ev)
    if page.tree.find(".//time") is not None and h1s:
        ev.add("dated headline", 0.5)
    return ev


def _url_evidence(url: str, ev: Evidence) -> None:
    path = urlsplit(url).path
    segments = [s for s in path.lower().split("/") if s]
    if not segments:
        ev.add("site root", -3.0)
        return
    if any(s in LISTING_SEGMENTS for s in segments[:-1]) or segments[-1] in LISTING_SEGMENTS:
        ev.add("listing path", -2.0)
    if DATE_ARCHIVE_RE.search(path):
        ev.add("date archive path", -1.5)  # /2026/01/18/: the posts of a day
    elif DATE_PATH_RE.search(path):
        ev.add("date in path", 1.0)
    last = segments[-1].rsplit(".", 1)[0]
    if SLUG_RE.search(last) or SLUG_RE.search(segments[-2] if len(segments) > 1 else "") or ID_RE.search(path):
        ev.add("permalink shape", 1.0)


def url_score(url: str) -> float:
    """What the URL alone says: below zero for listing, tag, author, archive and static pages. Generic-mode
    discovery skips sitemap and feed entries that score so: they are no articles."""
    ev = Evidence()
    _url_evidence(url, ev)
    return ev.score


def text_evidence(ev: Evidence, text_chars: int) -> Evidence:
    """Add what the extracted main text says: length of running text."""
    if text_chars >= LONG_TEXT:
        ev.add("long text", 2.0)
    elif text_chars >= SOME_TEXT:
        ev.add("some text", 0.5)
    elif text_chars < LITTLE_TEXT:
        ev.add("little text", -2.5)
    return ev
