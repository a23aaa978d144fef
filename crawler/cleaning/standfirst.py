"""The standfirst: the lead paragraph a news page sets between its headline and its body.

Pages print it in a container of its own (``<p class="lead">``, ``div.article-intro``, ``h2.epigraph``),
and main-text extractors leave it out: it sits outside the body container, and its class often names it a
teaser, which trafilatura discards as teaser lists. It is the first paragraph of the article as the
publisher writes it, and most publishers give the same text as the page's description.

So a standfirst is taken where the page shows its description (``og:description``, ``description``,
``twitter:description``) as a block of text of its own before the first paragraph of the extracted body,
and the body does not already hold it. Measured on metadata-dev: 41 of 130 pages missed the first
paragraph of the truth, and 30 of those were the description (``./run bench extraction``).
"""

from __future__ import annotations

from lxml import etree

from crawler.cleaning.page import HtmlElement, Page
from crawler.cleaning.text import normalize_paragraph

DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
PROBE_CHARS = 40  # the opening of a text that is enough to find where the page shows it
MIN_CHARS = 60  # a shorter description is a tagline, not a paragraph
MAX_CHARS = 800  # a longer block that starts like the description is the body itself
BLOCK_TAGS = {"p", "div", "h2", "h3", "h4", "section", "header", "li", "blockquote", "span", "strong", "em", "b"}
SKIPPED = {"script", "style", "noscript", "template"}  # text that is never shown
NOT_THE_ARTICLE = SKIPPED | {"a", "aside", "nav", "footer", "figcaption", "button", "form", "head", "title", "option",
                             "label"}
_HOLDERS = etree.XPath("/html/body//text()[contains(., $word)]/..", smart_strings=False)


def _probe(text: str) -> str:
    return normalize_paragraph(text)[:PROBE_CHARS]


def _shown(page: Page, probe: str) -> list[HtmlElement]:
    """Elements of the page's body whose own text (their text or a child's tail) holds ``probe``, in document
    order. XPath finds the text nodes holding its longest word; only those are normalised and compared."""
    if page.tree is None or not probe.strip():
        return []
    word = max(probe.split()[:3], key=len)
    return [element for element in dict.fromkeys(_HOLDERS(page.tree, word=word))
            if isinstance(element, HtmlElement) and element.tag not in SKIPPED and probe in " ".join(
                normalize_paragraph(t) for t in (element.text, *(c.tail for c in element)) if t and t.strip())]


def _block_of(element: HtmlElement) -> HtmlElement | None:
    """The element holding the standfirst: ``element`` grown to the widest block that holds no more text
    than the standfirst (inline markup inside a lead, a lead wrapped in a ``<div>``), or None when it sits in
    a link, a caption, a menu or an aside."""
    if any(a.tag in NOT_THE_ARTICLE for a in (element, *element.iterancestors())):
        return None
    own = normalize_paragraph(element.text_content())
    block = element
    for ancestor in element.iterancestors():
        if ancestor.tag not in BLOCK_TAGS or normalize_paragraph(ancestor.text_content()) != own:
            break
        block = ancestor
    return block


def _before(first: HtmlElement, second: HtmlElement) -> bool:
    for element in first.getroottree().getroot().iter():
        if element is first:
            return True
        if element is second:
            return False
    return False


def standfirst(page: Page, paragraphs: list[str]) -> str | None:
    """The page's standfirst when the extracted ``paragraphs`` miss it, else None."""
    description = page.meta(*DESCRIPTION_META)
    if not description or len(description) < MIN_CHARS or not paragraphs:
        return None
    opening = _probe(description.removesuffix("...").removesuffix("…"))
    if any(opening in paragraph for paragraph in paragraphs):
        return None  # the body holds it already
    # the opening, or a stretch of the middle where a link or a bold word at the start splits the opening
    middle = normalize_paragraph(description[len(description) // 2 - PROBE_CHARS // 2:][:PROBE_CHARS].partition(" ")[2])
    shown = _shown(page, opening) or _shown(page, middle)
    block = next((b for element in shown if (b := _block_of(element)) is not None), None)
    if block is None:
        return None
    text = normalize_paragraph(block.text_content())
    if not MIN_CHARS <= len(text) <= MAX_CHARS or not text.startswith(opening):
        return None
    # where the body begins: the first of its opening paragraphs that the page shows in one text node
    body_start = next((found[0] for p in paragraphs[:3] if (found := _shown(page, _probe(p)))), None)
    if body_start is None or not _before(block, body_start):
        return None  # a description repeated under the article (a share box, a teaser) is no lead
    return text
