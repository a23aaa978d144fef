"""Is this page one article? A score from many weak signals instead of one marker.

A person reads a page's shape: one headline over a block of running prose is an article; many headlines over
short excerpts, a pager, a collection type or a listing path say listing; a "Page not found" headline says
error page. Those signals (``cleaning.layout``) carry the decision, so that a plain article with no news
metadata, a brief of 80 words or an article at ``/story?id=123`` is kept: in generic mode a page refused as
an article is lost for good. Metadata (og:type, JSON-LD at the top, in ``@graph`` or under ``mainEntity``,
microdata, ``article:published_time``) and a permalink-shaped URL raise confidence; their absence refuses
nothing. Each signal adds or subtracts its weight; the page is an article when the sum reaches
``THRESHOLD``. The weights were set on the two development sets of real article pages with and without
their news metadata, the plain pages of tests/fixtures/detection/ and the replica's non-article pages;
``./run bench extraction`` prints the confusion counts of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from crawler.cleaning.dates import PUBLISHED_META
from crawler.cleaning.layout import Layout, page_layout
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
                    "datenschutz", "kontakt", "imprint", "terms", "people", "staff", "journalists", "contributors",
                    "columnists", "redaktion", "privacy", "legal", "disclaimer", "accessibility", "cookies",
                    "cookie-policy", "terms-of-use", "terms-of-service"}
DATE_PATH_RE = re.compile(r"/(?:19|20)\d\d[/-]?(?:0[1-9]|1[0-2])(?:[/-]?(?:0[1-9]|[12]\d|3[01]))?/[^/]+")
DATE_ARCHIVE_RE = re.compile(r"/(?:19|20)\d\d(?:/(?:0[1-9]|1[0-2]))?(?:/(?:0[1-9]|[12]\d|3[01]))?/?$")
SLUG_RE = re.compile(r"[\w%]+(?:-[\w%]+){3,}")  # four or more words joined by hyphens
ID_RE = re.compile(r"\d{5,}")  # a long numeric id: article-24075843.html, /a-65464327
SEARCH_PARAMS = {"s", "q", "query", "search", "keyword", "keywords", "suche", "recherche"}
PAGE_PARAMS = {"page", "paged", "pg", "seite", "pagina", "offset", "start"}  # ?page=2: a listing's next page
ID_PARAMS = {"p", "id", "story", "article", "post", "item", "news"}  # ?p=123, ?id=881, or a name ending in "id"
_ITEMTYPES = etree.XPath("//@itemtype", smart_strings=False)
THRESHOLD = 2.5
LONG_TEXT = 1200  # characters of main text: a story
LITTLE_TEXT = 150  # below this a page is a stub, a listing or an error page
TEASER_LIST = 4  # headlines that are links, with no block of prose: a listing


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


def structural_evidence(page: Page, layout: Layout | None = None) -> Evidence:
    """Everything but the extracted text: metadata, the URL and the page's layout (cheap, before extraction)."""
    ev = Evidence()
    layout = layout or page_layout(page)
    if page.tree is None or layout is None:
        ev.add("unparseable", -10)
        return ev
    _metadata_evidence(page, ev)
    _url_evidence(page.url, ev)
    _layout_evidence(page, layout, ev)
    return ev


def _metadata_evidence(page: Page, ev: Evidence) -> None:
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
    if page.tree is not None and any(ARTICLE_ITEMTYPE_RE.search(str(t)) for t in _ITEMTYPES(page.tree)):
        ev.add("microdata article", 1.5)
    if page.itemprop("articleBody"):
        ev.add("itemprop articleBody", 1.5)
    if page.meta(*PUBLISHED_META) or page.itemprop("datePublished"):
        ev.add("published date", 1.0)


def _layout_evidence(page: Page, layout: Layout, ev: Evidence) -> None:
    if layout.headline:
        ev.add("headline", 0.5)
        if page.tree is not None and page.tree.find(".//time") is not None:
            ev.add("dated headline", 0.5)
    if layout.error_headline:
        ev.add("error headline", -4.0)


def _listing_evidence(layout: Layout, has_prose: bool, ev: Evidence) -> None:
    """Shapes of a listing. A page with a block of running prose may still show a rail of teasers and a
    link to the next story, so teasers and pagers count only where there is no such block."""
    if layout.story_blocks >= 2:
        ev.add("several stories", -2.5)  # blocks of prose each under a headline that links: whole posts listed
    elif not has_prose and layout.teasers >= TEASER_LIST:
        ev.add("teaser list", -1.5)
    if not has_prose and layout.paginated:
        ev.add("pagination", -1.0)


def _url_evidence(url: str, ev: Evidence) -> None:
    parts = urlsplit(url)
    path = parts.path
    segments = [s for s in path.lower().split("/") if s]
    params = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if params & SEARCH_PARAMS:
        ev.add("search query", -2.0)
    if params & PAGE_PARAMS:
        ev.add("page number", -1.5)
    if not segments:
        if not any(name in ID_PARAMS or name.endswith("id") for name in params):
            ev.add("site root", -3.0)  # a front page (and its pages); /?p=123 is a WordPress post
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
    """What the URL alone says: below zero for listing, tag, author, archive, search and static pages.
    Generic-mode discovery skips sitemap and feed entries that score so: they are no articles."""
    ev = Evidence()
    _url_evidence(url, ev)
    return ev.score


def text_evidence(ev: Evidence, text_chars: int, layout: Layout | None = None) -> Evidence:
    """Add what the prose says: a block of running text of a brief's length or more, the length of the
    extracted main text, and the shapes of a listing where there is no running prose."""
    block = layout is not None and layout.has_prose
    if block:
        ev.add("running prose", 2.0)
    if text_chars >= LONG_TEXT:
        ev.add("long text", 1.0 if block else 2.0)
    elif text_chars < LITTLE_TEXT:
        ev.add("little text", -2.5)
    if layout is not None:
        _listing_evidence(layout, block, ev)
    return ev
