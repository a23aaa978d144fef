"""Page chrome: elements and lines that are never article text (menus, shares, ads, related, forms ...).

The class/id vocabulary follows the families trafilatura's OVERALL_DISCARD_XPATH names (reimplemented,
not copied): share/social, related, newsletter, cookie/consent, comments, sidebar/widget, breadcrumb,
menu/nav, tags, ads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from lxml.html import HtmlElement

from crawler.cleaning.page import css
from crawler.cleaning.text import FULL_STOPS, normalize_paragraph

# elements that never hold article text, whatever the site
ALWAYS_DROP = ("script", "style", "noscript", "template", "iframe", "form", "button", "input", "select",
               "textarea", "svg", "nav", "aside", "ins", "object", "embed")

# class or id tokens of chrome containers, each a whole run between hyphens, underscores or spaces
CHROME_TOKENS = frozenset({
    "share", "sharing", "sharedaddy", "social", "related", "relatedposts", "newsletter", "subscribe", "cookie",
    "consent", "comment", "comments", "respond", "sidebar", "widget", "breadcrumb", "breadcrumbs", "crumb", "menu",
    "navigation", "tags", "advert", "advertisement", "ads", "adspot", "rec", "sponsored", "promo", "popup", "modal",
    "jp"})
CHROME_TOKEN_PAIRS = ("author box", "next prev")  # tokens that are chrome only together


def names_chrome(names: str) -> bool:
    """True when a class or id string names a chrome container ("share-bar", "c-related_posts", "sidebar").
    String methods and a set lookup: this runs on every element of a body, and a regex search cost four times
    as much."""
    spaced = names.lower().replace("-", " ").replace("_", " ")
    return not CHROME_TOKENS.isdisjoint(spaced.split()) or CHROME_TOKEN_PAIRS[0] in spaced or \
        CHROME_TOKEN_PAIRS[1] in spaced


# labels of a box that links to another story, in the languages of the dev sets and their neighbours
READ_MORE = (r"(?:read more|read also|also read|see also|more on this(?: story| topic)?|"
             r"related(?: articles| posts| stories| coverage)?|"
             r"czytaj (?:więcej|też|także)|przeczytaj (?:też|także|więcej)|"
             r"lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|(?:à )?lire aussi|"
             r"leer más|lea también|leia (?:também|mais)|leggi anche|"
             r"čtěte (?:také|též)|přečtěte si (?:také|též)|関連記事|관련\s?기사)")
# the labels of more than one word, which no sentence of prose begins with, label a story without a colon too
READ_MORE_PHRASE = (r"(?:read more|read also|also read|see also|czytaj (?:więcej|też|także)|"
                    r"przeczytaj (?:też|także)|lesen sie auch|(?:à )?lire aussi|lea también|leia também|"
                    r"leggi anche|čtěte také|přečtěte si také)")
STANDALONE_READ_MORE_RE = re.compile(rf"^[\[【(]?\s*{READ_MORE}\s*[\]】)]?\s*:?$", re.IGNORECASE)
READ_MORE_TEASER_CHARS = 300  # the line under a standalone label is the other story's headline (and its dek)

# whole paragraphs that are chrome wherever they stand
CHROME_LINE_PATTERNS = (
    r"^published on\b",
    r"^document date\s*:",
    r"^categor(y|ies)\s*:",
    r"^show on website\b",
    r"^click here\b",
    # a link to another story under a "read more" label: "Related: ...", "À lire aussi ...", "【関連記事】..."
    rf"^(?:[\[【]\s*{READ_MORE}\s*[\]】]|{READ_MORE}\s*(?::|$)|{READ_MORE_PHRASE}\s)",
    r"^-?\s*advertisement\s*-?$",
    r"^share (this|on)\b",
    r"^(tweet|share) on (facebook|twitter|whatsapp)$",
    r"^leave a reply\b",
    r"^subscribe to our newsletter\b",
    # the states of a newsletter sign-up box, read as text when the box sits inside the body
    r"^thanks? (you )?for (signing up|subscribing)\b",
    r"^there was an error processing your (subscription|request)\b",
    r"^keep an eye on your inbox\b",
    r"^sign up (for|to) (our|the) .{0,40}newsletters?\b",
    r"^we use cookies\b",
    r"^original article source\s*:",
    r"^this article was originally published\b",
    r"^read full article at\b",
    # a dateline standing alone as a paragraph: "2 March 2026", "Monday, March 2, 2026, 10:30", "02.03.2026"
    r"^(?:\w+,?\s+)?(?:\d{1,2}\.?\s+\w+\.?|\w+\.?\s+\d{1,2},?)\s+\d{4}(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*"
    r"(?:[ap]\.?m\.?)?)?$",
    r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:,?\s+\d{1,2}[:.]\d{2})?$",
    # a template's placeholder left in the text: $$ARTICLEAD$$, {{AD_SLOT}}
    r"^(\$\$|\{\{|%%|\[\[)\s*[A-Z0-9_:.-]+\s*(\$\$|\}\}|%%|\]\])$",
)
CHROME_LINE_RE = re.compile("|".join(f"(?:{p})" for p in CHROME_LINE_PATTERNS), re.IGNORECASE)  # one search a line


def is_chrome_line(text: str, source_names: Iterable[str] = ()) -> bool:
    """True for a paragraph that is a known chrome phrase or just the site's own name (a source line)."""
    if CHROME_LINE_RE.search(text):
        return True
    lowered = text.strip().lower()
    return any(lowered == name.lower() for name in source_names)


def named_as_chrome(element: HtmlElement) -> bool:
    """True when the element's class or id names a chrome container."""
    return names_chrome(f"{element.get('class') or ''} {element.get('id') or ''}")


def _is_chrome_container(element: HtmlElement) -> bool:
    if named_as_chrome(element):
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or element.get("aria-hidden") == "true" or element.get("hidden") is not None


def drop_elements(root: HtmlElement, selectors: Iterable[str] = ()) -> None:
    """Remove the given CSS selectors, the always-chrome tags and containers whose class/id says chrome
    (the text after a removed element stays)."""
    for selector in selectors:
        for element in css(selector)(root):
            element.drop_tree()
    for element in list(root.iter(*ALWAYS_DROP)):
        if element is not root:
            element.drop_tree()

    def walk(node: HtmlElement) -> None:
        for child in list(node):
            if isinstance(child.tag, str) and child.tag not in ("html", "body") and _is_chrome_container(child):
                child.drop_tree()
            else:
                walk(child)

    walk(root)


# a link to another story inside the body, under a label the site repeats: "READ MORE | ..." (not a colon:
# an interview's speakers, a recipe's steps and shop links share labels that way; not », French quotes)
TEASER_LABEL_RE = re.compile(r"^(?P<label>[^|]{2,40}?)\s*\|\s*(?P<rest>.+)$")
LABEL_WORDS = 6
TEASER_CHARS = 160  # a teaser is a headline: short, and no sentence runs on after it
SENTENCE_END_RE = re.compile(r"[.!?。！？]\s+\S")


def _twice(text: str) -> bool:
    """A line that is one phrase written twice ("Title Title"): an image's caption and its link, never prose."""
    words = text.split()
    half = len(words) // 2
    return len(words) >= 4 and len(words) % 2 == 0 and words[:half] == words[half:]


def drop_teasers(paragraphs: list[str]) -> list[str]:
    """The body without links to other stories: lines under a label that two or more of them share, a
    "read more" label that stands alone and the line under it, and lines that say one headline twice."""
    matches = [TEASER_LABEL_RE.match(text) for text in paragraphs]
    labels = Counter(m["label"].casefold() for m in matches if m and len(m["label"].split()) <= LABEL_WORDS)

    def teaser(text: str, match: re.Match[str] | None) -> bool:
        if match is None or len(text) > TEASER_CHARS:
            return False
        return labels[match["label"].casefold()] >= 2 and not SENTENCE_END_RE.search(match["rest"])

    labels_at = {i for i, p in enumerate(paragraphs) if STANDALONE_READ_MORE_RE.match(p)}
    return [p for i, (p, m) in enumerate(zip(paragraphs, matches, strict=True))
            if not teaser(p, m) and not _twice(p) and i not in labels_at
            and not (i - 1 in labels_at and len(p) <= READ_MORE_TEASER_CHARS)]


LINK_LIST_SHARE = 0.8  # of a text's letters in link texts: a list of links (the dev sets' bodies reach 0.42)
LINK_TEXT_WORDS = 3  # shorter link texts ("here", "Reuters") are words of prose as often as links
# how a paragraph of prose ends: a full stop of the scripts news is written in, an ellipsis, or a closing
# quotation mark or parenthesis
PARAGRAPH_ENDS = (*FULL_STOPS, "…", '"', "”", "“", "»", "«", "'", "’", "」", "』", ")")


def link_list(paragraphs: list[str], root: HtmlElement) -> bool:
    """Whether a text is made of the texts of the links under ``root``: a menu, or a rail of other stories,
    that an extractor read as text on a page without a body (trafilatura's whole-page baseline, a fallback
    container, paragraphs that are each one link). Link texts of ``LINK_TEXT_WORDS`` or more are taken out
    of the text, longest first; a body keeps over a fifth of its letters. On the bodies of both development
    sets link texts are at most 0.42 of the letters (a roundup of ten linked stories); a menu read as
    text, all of them. Reading every link of a page costs up to a millisecond: a text whose paragraphs mostly
    end as sentences do is prose, and is not read against them (207 of the 221 dev-set bodies, and all of 300
    replica articles)."""
    if sum(1 for p in paragraphs if p.endswith(PARAGRAPH_ENDS)) * 2 > len(paragraphs):
        return False  # most paragraphs end as sentences do; headlines, menu entries and teasers do not
    text = " ".join(paragraphs)
    letters = len("".join(text.split()))
    if not letters:
        return False
    links = set()
    for anchor in root.iter("a"):
        opening = (anchor.text or "").split(maxsplit=1)
        if opening and normalize_paragraph(opening[0]) not in text:
            continue  # its text is not in this one: no need to read all of it
        link = normalize_paragraph(anchor.text_content())
        if len(link.split()) >= LINK_TEXT_WORDS:
            links.add(link)
    for link in sorted(links, key=len, reverse=True):
        if link in text:
            text = text.replace(link, " ")
    return letters - len("".join(text.split())) >= LINK_LIST_SHARE * letters
