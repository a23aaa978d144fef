"""What a reader sees of a page at a glance: a headline, a block of running prose, or a list of teasers.

Article detection (``cleaning.detect``) needs evidence that does not depend on news metadata: many small
sites print no ``og:type``, no JSON-LD and no publication meta tag, and a page refused as an article in
generic mode is lost for good. A person tells an article from a listing by its shape: one headline over one
block of running prose, where a listing shows many headlines, each over a short excerpt, and often a pager.
This module measures that shape from the parsed tree, before and independently of main-text extraction:

- the **prose block**: the most running text that sits in one container as consecutive blocks (paragraphs,
  or a text-only ``div``/``td`` for pages that break lines with ``<br>``), in words (CJK characters count as
  half a word each, so a Japanese brief measures like an English one);
- **story blocks**: how many containers hold a prose block of a brief's length each under a headline of
  their own that links elsewhere, counted only where the largest block is one of them: the mark of a
  listing that shows whole posts. A container whose paragraphs sit between headlines linking to other
  pages of the same site is such a listing printed flat, its block one teaser's share of its text;
- **teasers**: headings that are links, and ``<article>`` elements beyond one, outside navigation, asides,
  footers and boxes named as related or sidebar content (an article's rail of related stories is not a
  listing);
- **pagination**: ``rel=next``/``prev`` or a pager naming page numbers;
- an **error headline**: "Page not found" and its kin in the languages of the dev sets, a soft 404 served
  with status 200 and a paragraph of help.

Text in navigation, footers, comment threads, consent walls and newsletter boxes is not running prose of
the page; text in an ``<aside>`` is (a theme or two puts the story itself there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.cleaning.page import HtmlElement, Page

HEADLINE_STAND_INS = ("h2", "h3", "h4", "b", "strong", "font")  # where a page with no <h1> prints its headline
BRIEF_WORDS = 70  # a news brief is 80 to 200 words (with a margin); a listing's excerpt is rarely over 50
STRUCTURE_TAGS = {"p", "div", "table", "ul", "ol", "dl", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
                  "blockquote", "pre", "figure", "form", "header", "footer", "main", "aside", "nav"}
OUT_OF_PAGE_TAGS = {"nav", "footer", "script", "style", "noscript", "template", "select", "textarea"}
RAIL_TAGS = OUT_OF_PAGE_TAGS | {"aside"}  # a theme or two puts the story itself in an <aside>, never its teasers
# class or id tokens of containers whose text is not the page's own prose (the words, not substrings)
NOT_PROSE_TOKENS = frozenset({"cookie", "cookies", "consent", "gdpr", "cmp", "comment", "comments", "respond",
                              "newsletter", "subscribe", "subscription", "disqus"})
# ... and of containers whose teasers point elsewhere: a rail of related stories beside an article
RAIL_TOKENS = NOT_PROSE_TOKENS | frozenset({"related", "relatedposts", "sidebar", "widget", "recommended",
                                            "popular", "trending", "outbrain", "taboola", "recirculation"})
PAGER_TOKENS = frozenset({"pagination", "pager", "paging", "pagenavi"})  # and the WordPress class page-numbers
ERROR_HEADLINE_RE = re.compile(  # whole phrases: "Missing hiker not found" is news, "Page not found" is not
    r"(?:error|fehler)\s*404\b|\b404\s*(?:error|fehler|[-–|:]|$)|\bpage not found|^\s*not found\s*$|"
    r"page (?:does not|doesn't|cannot|can't) (?:be found|exist)|(?:could ?n[o']t|can ?n[o']t|unable to) find "
    r"(?:that|the|this) page|seite (?:wurde )?nicht gefunden|page introuvable|p[áa]gina no encontrada|"
    r"pagina non trovata|pagina niet gevonden|nie znaleziono strony", re.IGNORECASE)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_TEASER_HEADS = etree.XPath("//h2[.//a[@href]] | //h3[.//a[@href]] | //h4[.//a[@href]] | //article")
INLINE = ("span", "a", "b", "strong", "em", "i", "u", "mark", "font", "br", "sup", "sub", "small", "abbr", "q")
_ONLY_INLINE = " or ".join(f"self::{tag}" for tag in INLINE)
# paragraphs; divs and cells with text of their own; divs that hold only inline markup (a theme that writes
# each paragraph as <div><span>...</span></div>). XPath runs these tests in C.
_TEXT_HOLDERS = etree.XPath(f"//p | //div[text()[normalize-space()]] | //td[text()[normalize-space()]] | "
                            f"//div[span or font or b or strong or em or i][not(*[not({_ONLY_INLINE})])]"
                            f"[normalize-space()]")  # the first test of the last part skips most divs at once
LISTED = 3  # linked headlines set between the paragraphs of one container: a list of stories, not one
_HEAD_LINKS = etree.XPath("./*[self::h2 or self::h3 or self::h4]//a[@href][1]/@href", smart_strings=False)
_PRECEDING_HEADING = etree.XPath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
_PAGER_LINKS = etree.XPath("//link[@rel='next' or @rel='prev'] | //a[@rel='next' or @rel='prev']")
_NAMED = etree.XPath("//*[@class or @id]")


def words(text: str) -> int:
    """Words of ``text``: runs between spaces, plus half a word for each CJK or Thai character, which
    scripts write without spaces (a Japanese word is two characters on average)."""
    cjk = len(_CJK_RE.findall(text))
    spaced = len(text.split())
    return spaced + cjk // 2 if cjk < len(text) / 3 else cjk // 2


@dataclass(frozen=True)
class Layout:
    """The shape of a page as a reader sees it (see the module's docstring)."""

    headline: str  # the one <h1>, or the heading that repeats the <title>; "" when there is none
    prose_words: int  # the largest block of running prose in one container
    story_blocks: int  # containers holding BRIEF_WORDS of running prose each, under a headline that links
    teasers: int
    paginated: bool  # looked for only where there is no block of prose, the one place a pager counts
    error_headline: bool
    prose_container: HtmlElement | None = None  # where the largest block of prose is

    @property
    def has_prose(self) -> bool:
        return self.prose_words >= BRIEF_WORDS


def _tokens(element: HtmlElement) -> set[str]:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower().replace("_", " ").replace("-", " ")
    return set(names.split())


class _Outside:
    """Whether an element sits in navigation, a footer (or another of ``tags``) or a box named by one of
    ``tokens``; each ancestor is judged once per page, since the paragraphs of a page share most of theirs."""

    def __init__(self, tokens: frozenset[str], tags: set[str]) -> None:
        self.tokens, self.tags = tokens, tags
        self.known: dict[HtmlElement, bool] = {}  # the keys keep lxml's proxies alive, so an element is one key

    def __call__(self, element: HtmlElement) -> bool:
        found = self.known.get(element)
        if found is None:
            parent = element.getparent()
            found = element.tag in self.tags or (bool(element.get("class") or element.get("id")) and
                                                 not self.tokens.isdisjoint(_tokens(element))) or \
                (parent is not None and self(parent))
            self.known[element] = found
        return found


def _own_text(element: HtmlElement) -> str:
    """The text of a div or cell without its block children: lines broken with <br>, inline markup kept."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in STRUCTURE_TAGS and child.tag not in OUT_OF_PAGE_TAGS:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return " ".join(parts)


def _text_blocks(tree: HtmlElement, texts: Mapping[HtmlElement, str]) -> Iterator[tuple[HtmlElement, str]]:
    """Each paragraph, and the text a div or cell holds beside its block children, with that text (a
    paragraph's from ``texts``, the page's paragraph texts)."""
    outside = _Outside(NOT_PROSE_TOKENS, OUT_OF_PAGE_TAGS)
    for element in _TEXT_HOLDERS(tree):
        if isinstance(element, HtmlElement) and not outside(element):
            if element.tag != "p":
                yield element, _own_text(element)
            else:
                yield element, texts[element] if element in texts else element.text_content()


def _holder(element: HtmlElement) -> HtmlElement | None:
    """The container a text block belongs to: its parent, past wrappers that hold nothing else (a theme
    that wraps each paragraph in a div of its own still has one body)."""
    holder = element.getparent()
    while holder is not None and len(holder) == 1 and not (holder.text or "").strip() and \
            holder.getparent() is not None:
        holder = holder.getparent()
    return holder


def _prose_by_container(tree: HtmlElement, texts: Mapping[HtmlElement, str]) -> dict[HtmlElement, int]:
    """Words of running text per container. A paragraph shorter than a sentence or two (a dateline, a
    credit) counts too, so that a brief of short paragraphs adds up."""
    out: dict[HtmlElement, int] = {}
    for element, text in _text_blocks(tree, texts):
        holder = _holder(element)
        if holder is not None:
            out[holder] = out.get(holder, 0) + words(text)
    return out


def _linked_heading(container: HtmlElement) -> HtmlElement | None:
    """The headline of ``container`` when it links elsewhere, as a listing's teaser headline does. Its
    headline is the nearest heading before it within its parent (a post's <h2> beside its text), or else the
    first heading inside it; a heading further away belongs to something else (a promotion above a body)."""
    scope = container.getparent()
    before = _PRECEDING_HEADING(container)
    heading = before[0] if isinstance(before, list) and before else None
    if not isinstance(heading, HtmlElement) or scope is None or not _contains(scope, heading):
        heading = _opening_heading(container)
    if heading is None or heading.find(".//a[@href]") is None or _Outside(RAIL_TOKENS, RAIL_TAGS)(heading):
        return None
    return heading


def _opening_heading(container: HtmlElement) -> HtmlElement | None:
    """The heading ``container`` opens with, before any paragraph of it."""
    for element in container.iter("p", "h1", "h2", "h3", "h4"):
        return element if element.tag != "p" else None
    return None


def _contains(ancestor: HtmlElement, element: HtmlElement) -> bool:
    return any(holder is ancestor for holder in element.iterancestors())


def _listed(prose: dict[HtmlElement, int], url: str) -> dict[HtmlElement, int]:
    """Containers of a brief's length or more whose paragraphs sit between headlines that link to other
    pages of the same site (a listing that prints its teasers flat, one after another), with the number of
    those headlines. A gift guide's headlines link to shops: it stays one article."""
    host = _host(url)
    out = {}
    for holder, n in prose.items():
        if n >= BRIEF_WORDS:
            hrefs = _HEAD_LINKS(holder)
            heads = sum(1 for h in hrefs if isinstance(h, str) and not h.startswith("#") and
                        _host(urljoin(url, h)) == host) if isinstance(hrefs, list) else 0
            if heads >= LISTED:
                out[holder] = heads
    return out


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _story_blocks(prose: dict[HtmlElement, int]) -> int:
    """Blocks of a brief's length or more under headlines of their own that link elsewhere, counted only
    where the largest block of the page is one of them: an article's body sits under its own headline,
    which links nowhere, even when boxes further down show other stories' openings."""
    stories = [holder for holder, n in prose.items() if n >= BRIEF_WORDS]
    if not stories or _linked_heading(max(stories, key=prose.__getitem__)) is None:
        return 0
    return len({_linked_heading(holder) for holder in stories} - {None})


def _headline(page: Page, h1s: list[str], title_text: str) -> str:
    """The one <h1>, or (where there is none) a heading or bold line whose words the page's title repeats."""
    if len(h1s) == 1:
        return h1s[0]
    if h1s or page.tree is None:
        return ""
    title = set(re.findall(r"\w+", (page.meta("og:title") or title_text).lower()))
    for heading in page.tree.iter(*HEADLINE_STAND_INS):
        text = " ".join(heading.text_content().split())
        said = set(re.findall(r"\w+", text.lower()))
        if said and (said == title or (len(said) >= 3 and len(said & title) >= 0.6 * len(said))):
            return text  # an old theme's headline in <h2>, <b> or <font size> that the <title> repeats
    return ""


def _title(tree: HtmlElement) -> str:
    title = tree.find(".//title")
    return title.text_content() if title is not None else ""


def _teasers(tree: HtmlElement) -> int:
    outside = _Outside(RAIL_TOKENS, RAIL_TAGS)
    found = [e for e in _TEASER_HEADS(tree) if isinstance(e, HtmlElement) and not outside(e)]
    articles = sum(1 for e in found if e.tag == "article")
    return (len(found) - articles) + (articles if articles > 1 else 0)


def _paginated(tree: HtmlElement) -> bool:
    if _PAGER_LINKS(tree):
        return True
    return any("page-numbers" in (e.get("class") or "") or not PAGER_TOKENS.isdisjoint(_tokens(e))
               for e in _NAMED(tree))


def page_layout(page: Page) -> Layout | None:
    """The layout of a parsed page; None when nothing parses."""
    tree = page.tree
    if tree is None:
        return None
    prose = _prose_by_container(tree, page.paragraph_texts)
    listed = _listed(prose, page.url)
    for holder, heads in listed.items():  # a flat list of teasers: its block is one teaser's text
        prose[holder] //= heads
    prose_words = max(prose.values(), default=0)
    largest = max(prose, key=prose.__getitem__, default=None)
    h1s = [text for text in (" ".join(h.text_content().split()) for h in tree.iter("h1")) if text]
    title = _title(tree)
    headline = _headline(page, h1s, title)
    return Layout(
        headline=headline,
        prose_words=prose_words,
        story_blocks=listed[largest] if largest in listed and prose_words >= BRIEF_WORDS else _story_blocks(prose),
        teasers=_teasers(tree),
        paginated=prose_words < BRIEF_WORDS and _paginated(tree),
        error_headline=any(ERROR_HEADLINE_RE.search(text) for text in (" ".join(h1s) or headline, title)),
        prose_container=largest,
    )
