"""Text normalisation of extracted paragraphs: NFC, collapsed whitespace, no control characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from lxml.html import HtmlElement

# control characters, zero-width spaces, BOMs, and soft hyphens and word joiners: invisible hints for line
# breaking that split words for search ("Ver\u00adfas\u00adsung" must match "Verfassung")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u2060\ufeff]")
# a parenthesis and the space before it: "Elena Oberholzer (obe)", "Deutsche Welle (www.dw.com)"
PARENTHESIS_RE = re.compile(r"\s*\([^)]*\)")
# the full stops of the scripts news is written in: Latin, CJK, Arabic's question mark, Urdu's and Persian's
# full stop (U+06D4), Devanagari's danda and double danda, Armenian's, Ethiopic's and Myanmar's full stops
FULL_STOPS = ".!?。！？؟۔।॥։።။"
PROSE_CHARS = 80  # a paragraph this long is running text, not a label, a caption or a link
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "dd", "dt", "figcaption", "td")


def normalize_paragraph(text: str) -> str:
    """One paragraph in canonical form: NFC, whitespace runs (incl. NBSP) as one space, stripped."""
    # str.split() splits on exactly the characters the regex \s matches, at a third of the cost
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", text)).split())


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Paragraphs separated by exactly one blank line."""
    return "\n\n".join(p for p in paragraphs if p)


def element_text(element: HtmlElement) -> str:
    """The visible text of an element with <br> read as a space, normalised."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag == "br":
            parts.append(" ")
        elif isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return normalize_paragraph("".join(parts))


def line_paragraphs(element: HtmlElement) -> list[str]:
    """The paragraphs of text that an old page writes with <br><br> between them (a single <br> breaks a
    line, not a paragraph), each block element's text its own paragraph too."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node.tag == "br":
            parts.append("\n")
        elif node.tag in BLOCK_TAGS or node.tag == "div":
            parts.append("\n\n")
        if isinstance(node.tag, str) and node.tag != "br" and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if isinstance(node.tag, str) and (node.tag in BLOCK_TAGS or node.tag == "div"):
            parts.append("\n\n")

    walk(element)
    text = re.sub(r"[ \t\r\f\v]*\n[ \t\r\f\v]*", "\n", "".join(parts))
    return [p for p in (normalize_paragraph(b) for b in re.split(r"\n{2,}", text)) if p]


def block_paragraphs(container: HtmlElement, tags: tuple[str, ...] = BLOCK_TAGS) -> list[str]:
    """Text of every innermost block element (of ``tags``) in document order."""
    out: list[str] = []
    for element in container.iter(*tags):
        if element is container or any(d.tag in tags for d in element.iterdescendants()):
            continue  # the inner blocks are read on their own
        text = element_text(element)
        if text:
            out.append(text)
    return out
