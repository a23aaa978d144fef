"""The main text of a page with no site rules, by trafilatura (the generic cleaner's body extractor).

Measured on the 91 real article pages of the extraction development set (half of the Article
Extraction Benchmark, shingle F1 as that benchmark computes it): the earlier hand-written heuristic of
this project scored F1 0.850; trafilatura 2.3 on the raw HTML 0.960. Pre-cleaning the page with this
project's chrome vocabulary before handing it over lowered recall (0.886), so trafilatura gets the page
as it is (the parsed tree of the shared ``Page``, which it copies) and the chrome-line filter runs on its
output instead.

trafilatura's cascade runs in steps, each only where the one before found little: under ``RESCUE_CHARS`` of text
that is also under half the text of the paragraphs it read (so not a short news item read whole), or text that
does not read as prose (a menu). First its own extractor alone (the first stage of its cascade, called here from
trafilatura's functions: ``bare_extraction`` would convert all it was given to text (``html2txt``) on every result
under 3,000 characters, for a retry this module decides on itself, a tenth of the cleaner's time); then its recall
retry, taken where it finds half as much again, as trafilatura takes it; then the full pass with its fallback
extractors (readability, jusText) on the whole page, and the longer result wins. The first steps read the text
container where there is one, and the paragraphs they are measured against are the container's: one full pass of 8
on both dev sets saved, same text. On the replica's short articles this cuts the full passes from 279 of 300 pages
to 55; both dev sets score the same. On both development sets this is better than the full pass alone
(extraction-dev F1 0.968 against 0.964, metadata-dev 0.9569 against 0.9565) and about 1.4 times as fast: the
fallbacks rescue a few pages and spoil others (./run bench extraction).

A text made of the page's link texts (``chrome.link_list``) is no main text: on a page with no body of its own
(a video page with article metadata) the full pass's whole-page baseline reads the menu as one paragraph. Such a
rescue does not replace what the fast pass found, and a result that is a list of links, either way, is None.

The full pass also reads tables (standings, results and figures are the story on some pages; each row
becomes one line of its cells): extraction-dev F1 0.9726 with that against 0.9680 without, metadata-dev
unchanged. Tables in the fast pass as well gain 0.0006 more and cost a third of the speed.

A body that the page splits into several containers of one class, with advertising between them, is
joined first (``split_body``): trafilatura would read only the first container. The fast pass then reads
only the container that holds most of the page's running text, where there is one (``text_scope``).

trafilatura's output tree keeps the block structure, sometimes wrapped in ``<div>``s: every ``<p>``,
``<head>``, list item and quote is read wherever it sits, and so is text left between blocks (a ``<br>``
is a space, so "dates:<br>June 9" does not become one word). A ``<quote>`` whose text is part of a paragraph of
the body is a pull quote and is dropped; a quotation that appears only as a quote stays.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping

from lxml import etree
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor, use_config
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from crawler.cleaning.chrome import link_list
from crawler.cleaning.page import HtmlElement
from crawler.cleaning.split_body import join_split_body
from crawler.cleaning.text import FULL_STOPS, normalize_paragraph
from crawler.cleaning.text_scope import text_scope

CONFIG = use_config()
# below this many characters trafilatura falls back to a whole-page baseline that merges the headline,
# the body and the share bar into one paragraph; short news items (breaking news, briefs) are real
CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "25")
RESCUE_CHARS = 1000  # less main text than this from the fast pass: the full pass is tried too ...
RESCUE_SHARE = 0.5  # ... unless it is at least this share of the paragraph text it read (a short news item)
RETRY_GAIN = 1.5  # trafilatura's recall retry is taken when it finds this many times as much (as trafilatura does)
WORDS_PER_SENTENCE = 60  # prose has a sentence end every 15-30 words; a menu read as text has almost none
WORD_RE = re.compile(r"\w+")
SENTENCE_END_RE = re.compile(rf"[{re.escape(FULL_STOPS)}](?:\s|$)|[。！？]")  # CJK's end a sentence without a space
BLOCKS = {"p": "p", "head": "head", "item": "item", "cell": "p", "quote": "quote"}


def _text(element: etree._Element) -> str:
    return normalize_paragraph("".join(element.itertext()))


def blocks(body: etree._Element) -> list[tuple[str, str]]:
    """(kind, text) for each text block in document order, however deep trafilatura nested it."""
    out: list[tuple[str, str]] = []

    def walk(element: etree._Element, in_quote: bool) -> None:
        for child in element:
            tag = str(child.tag)
            if tag == "row":  # a table row is one line: its cells side by side
                out.append(("quote" if in_quote else "p", " ".join(_text(c) for c in child if _text(c))))
            elif tag == "quote" and not any(str(c.tag) in BLOCKS for c in child):
                out.append(("quote", _text(child)))
            elif tag in ("p", "head", "item", "cell") and not any(str(c.tag) in ("p", "list", "quote") for c in child):
                out.append(("quote" if in_quote else BLOCKS[tag], _text(child)))
            else:
                if child.text and child.text.strip() and tag not in ("list", "table", "row"):
                    out.append(("quote" if in_quote else "p", normalize_paragraph(child.text)))
                walk(child, in_quote or tag == "quote")
            if child.tail and child.tail.strip():  # text between blocks is a block of its own
                out.append(("quote" if in_quote else "p", normalize_paragraph(child.tail)))

    for line_break in list(body.iter("lb")):  # <br>: words on either side must not run together
        line_break.tail = " " + (line_break.tail or "")
    etree.strip_tags(body, "lb")
    walk(body, False)
    return [(kind, text) for kind, text in out if text]


def reads_as_prose(paragraphs: list[str]) -> bool:
    """True unless the text is a run of words with hardly a sentence end: navigation read as text."""
    text = " ".join(paragraphs)
    words = len(WORD_RE.findall(text))
    return words < WORDS_PER_SENTENCE or len(SENTENCE_END_RE.findall(text)) >= words / WORDS_PER_SENTENCE


def _blocks_of(body: etree._Element | None) -> list[str]:
    if body is None:
        return []
    found = blocks(body)
    text = [t for kind, t in found if kind != "quote"]
    return [t for kind, t in found if kind != "quote" or not any(t in p for p in text)]


def _full_paragraphs(tree: HtmlElement, url: str | None) -> list[str]:
    """trafilatura's whole cascade: its own extractor, the comparison with readability and jusText, its
    baseline and its recall retry."""
    document = bare_extraction(tree, url=url, include_comments=False, include_tables=True, include_images=False,
                               deduplicate=False, with_metadata=False, config=CONFIG, fast=False)
    return _blocks_of(getattr(document, "body", None))


@functools.cache
def _template(recall: bool) -> Extractor:
    return Extractor(config=CONFIG, fast=True, recall=recall, comments=False, tables=False, images=False, dedup=False,
                     with_metadata=False)


def _options(url: str | None, recall: bool) -> Extractor:
    """The fast pass's options for ``url``: a copy of ones built once, for trafilatura builds its options from its
    config file's text and looks up the local time zone for the date search this pass does not make (45 µs a
    build, 4 a copy)."""
    options = copy.copy(_template(recall))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as trafilatura's constructor does
    return options


def _fast_paragraphs(tree: HtmlElement, url: str | None, recall: bool = False) -> list[str]:
    """trafilatura's own extractor alone, the first stage of its cascade, on a copy of ``tree``; with ``recall``, in
    the mode of its recall retry. The later stages stay out: ``main_text_paragraphs`` decides on the retry and
    the full pass itself, and the retry's measure of all the text it was given, which trafilatura takes on
    every result under 3,000 characters, cost a tenth of the generic cleaner's time."""
    options = _options(url, recall)
    tree = prune_unwanted_nodes(copy.deepcopy(tree), RAW_TREE_PRUNE_XPATH)
    tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    try:
        body, text = extract_content(convert_tags(tree_cleaning(tree, options), options, url), options)
    except (TypeError, ValueError):  # control characters lxml will not take into a new element: as trafilatura
        return []
    return _blocks_of(body) if len(text) >= options.min_output_size else []


def ruby_with_readings(tree: HtmlElement) -> HtmlElement:
    """The page with ruby annotations given as text where the page says how: ``<ruby>尹錫悦<rp>（</rp><rt>
    ユンソンニョル</rt><rp>）</rp></ruby>`` reads 尹錫悦（ユンソンニョル）, as a reader without ruby support sees it.
    trafilatura drops the readings and leaves a gap in the word. A copy when anything changes."""
    if tree.find(".//rp") is None:
        return tree
    tree = copy.deepcopy(tree)
    etree.strip_tags(tree, "ruby", "rb", "rp", "rt", "rtc")
    return tree


def _paragraph_chars(tree: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in tree.iter("p"))


def _little(paragraphs: list[str], scope: HtmlElement) -> bool:
    """Less than a story's worth of text and less than half of the paragraphs read, or no prose at all."""
    found = sum(len(p) for p in paragraphs)
    return (found < RESCUE_CHARS and found < RESCUE_SHARE * _paragraph_chars(scope)) or not reads_as_prose(paragraphs)


def main_text_paragraphs(tree: HtmlElement, url: str | None = None,
                         texts: Mapping[HtmlElement, str] | None = None) -> list[str] | None:
    """The paragraphs of the page's main text, or None when trafilatura finds none.

    trafilatura's own extractor first, on the page's text container alone where one holds most of its
    running text (``text_scope``); when that finds less than a story's worth of text and less than half the
    text of the paragraphs it read, its recall retry on the same container, then its full pass with the
    fallbacks (readability, jusText) on the whole page, and the longer result wins. ``texts``: the text of each
    ``<p>`` of ``tree`` where the caller has them (``Page.paragraph_texts``).
    """
    whole = ruby_with_readings(join_split_body(tree))
    # a joined or annotated copy has paragraphs of its own: the texts given are those of ``tree``
    scope = text_scope(whole, texts if whole is tree else None)
    paragraphs = _fast_paragraphs(scope, url)
    little = _little(paragraphs, scope)  # judged once, and again only when the retry changes the text
    if paragraphs and little:  # trafilatura retries a short result, never an empty one
        retried = _fast_paragraphs(scope, url, recall=True)
        if sum(len(p) for p in retried) > RETRY_GAIN * sum(len(p) for p in paragraphs):
            paragraphs = retried
            little = _little(paragraphs, scope)
    if little:
        rescued = _full_paragraphs(whole, url)
        if sum(len(p) for p in rescued) > sum(len(p) for p in paragraphs) and not link_list(rescued, whole):
            return rescued
    if link_list(paragraphs, whole):  # no body: the page's links read as text
        return None
    return paragraphs or None
