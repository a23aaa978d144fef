"""The body of a page whose visible markup lacks it: a client-rendered page carries it in its scripts.

Single-page front ends (Next.js, Nuxt and the like) send an empty shell plus the article as data: a JSON-LD
``articleBody`` in plain text, or the article's HTML as a string inside the hydration payload
(``__NEXT_DATA__``, ``self.__next_f.push(...)``, ``window.__NUXT__``). A browser builds the page from that;
this module reads it, so such a page gives its text instead of nothing. It runs only when the visible
markup gave (almost) no main text, so it costs the ordinary page nothing.

Which string is the body is decided by what it contains, not by framework key names: the longest string
literal in an inline script that parses as HTML with at least ``MIN_PARAGRAPHS`` paragraphs of text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from lxml import html
from lxml.etree import ParserError

from crawler.cleaning.page import HtmlElement, Page

MIN_STRING_CHARS = 400  # shorter string literals are labels, teasers, or URLs
MIN_PARAGRAPHS = 3  # an article's HTML has several paragraphs; a teaser or a caption has one
MAX_SCRIPT_CHARS = 5_000_000  # a larger inline script is not scanned
MAX_NESTING = 2  # JSON inside a JSON string inside a script: searched this deep
STRING_RE = re.compile(rf'"((?:[^"\\\n]|\\.){{{MIN_STRING_CHARS},}})"')
PARAGRAPH_RE = re.compile(r"<p[\s>]", re.IGNORECASE)


def _html_strings(source: str, depth: int = 0) -> Iterator[str]:
    """String literals of ``source`` that hold an article's worth of HTML, innermost first: a payload that
    is itself JSON text (a framework's data serialised twice) is searched again."""
    for match in STRING_RE.finditer(source):
        try:
            value = json.loads(f'"{match.group(1)}"')
        except ValueError:  # a JavaScript escape JSON does not know (\x41, \'): not a data string
            continue
        if len(PARAGRAPH_RE.findall(value)) < MIN_PARAGRAPHS:
            continue
        inner = list(_html_strings(value, depth + 1)) if depth < MAX_NESTING and '"' in value else []
        yield from inner or [value]


def _script_strings(page: Page) -> Iterator[str]:
    """The decoded string literals of the page's inline scripts that may hold the article's HTML."""
    if page.tree is None:
        return
    for script in page.tree.iter("script"):
        source = script.text or ""
        if script.get("src") or len(source) > MAX_SCRIPT_CHARS:
            continue
        if "<p" in source or "\\u003cp" in source.lower():  # paragraph markup, escaped or not
            yield from _html_strings(source)


def _document(fragment: str) -> HtmlElement | None:
    try:
        return html.document_fromstring(f"<html><body>{fragment}</body></html>")
    except (ParserError, ValueError):
        return None


def hydration_tree(page: Page) -> HtmlElement | None:
    """The article HTML of a client-rendered page as a document of its own, or None when there is none."""
    best = max(_script_strings(page), key=len, default=None)
    return _document(best) if best else None


def json_ld_body(article: dict[str, Any] | None) -> list[str]:
    """Paragraphs of the JSON-LD ``articleBody`` (plain text; one paragraph per line)."""
    body = (article or {}).get("articleBody")
    if not isinstance(body, str):
        return []
    return [line.strip() for line in body.splitlines() if line.strip()]


def embedded_paragraphs(page: Page, article: dict[str, Any] | None,
                        read: Callable[[HtmlElement], list[str] | None]) -> list[str]:
    """The body from the page's data: the hydration HTML read as ``read`` reads a page, else articleBody."""
    tree = hydration_tree(page)
    found = read(tree) if tree is not None else None
    return found or json_ld_body(article)
