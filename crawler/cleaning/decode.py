"""From response bytes to text the way a browser would, and the checks that keep garbage out of snippets.

Decoding follows the HTTP charset, then a BOM, then the page's own ``<meta charset>``, then UTF-8
(w3lib's ``html_to_unicode``, which Scrapy's TextResponse uses), and never a statistical guess, so a
page decodes the same on every machine, live or from its WARC record. A page whose label is wrong comes
out with U+FFFD in it: ``garbled`` tells the crawl to report it instead of storing the mess.
"""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.cleaning.article import Article

# magic numbers of formats that are sometimes served as text/html: never run a text cleaner on them
BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"\x00\x00\x01\x00")
REPLACEMENT = "\ufffd"


def looks_binary(body: bytes) -> bool:
    return body.lstrip()[:8].startswith(BINARY_MAGIC)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page as text; NULs, which no text needs and which parsers turn into U+FFFD, are dropped first."""
    _, text = html_to_unicode(content_type, body.replace(b"\x00", b""))
    return text


def garbled(article: Article) -> bool:
    """More than a stray U+FFFD: the bytes were not in the encoding the page claimed."""
    count = article.title.count(REPLACEMENT) + article.text.count(REPLACEMENT)
    return count > max(2, (len(article.title) + len(article.text)) // 2000)
