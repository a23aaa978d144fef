"""From response bytes to text the way a browser would, then a statistical guess where that fails.

Decoding follows the HTTP charset, then a BOM, then the page's own ``<meta charset>``, then UTF-8
(w3lib's ``html_to_unicode``, which Scrapy's TextResponse uses; from w3lib 2.6 on a page that names no
encoding and is not UTF-8 is read as Firefox reads it), so a page decodes the same on every machine, live or
from its WARC record. Where that text is invalid (the label was wrong: windows-1251 bytes served as UTF-8),
charset-normalizer guesses the encoding from the bytes. Either way a page read by a guess (a wrong label, or
none and not UTF-8) says so, and the snippet is flagged ``encoding_guessed``. The guess is
deterministic for the same bytes. ``garbled`` is the last check on a cleaned article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

from crawler.cleaning.article import Article

# magic numbers of formats that are sometimes served as text/html: never run a text cleaner on them
BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"\x00\x00\x01\x00")
REPLACEMENT = "\ufffd"
LANG_RE = re.compile(rb"<html[^>]*\slang=[\"']?([a-zA-Z]{2,3})", re.IGNORECASE)
# the legacy Windows code page of each language family, as browsers default to it for unlabelled pages
LEGACY_CODE_PAGES = {
    **dict.fromkeys(("en", "fr", "de", "es", "it", "pt", "nl", "da", "sv", "no", "nb", "fi", "is", "ga", "ca", "eu",
                     "gl", "af", "sw", "id", "ms"), "cp1252"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk"), "cp1251"),
    **dict.fromkeys(("pl", "cs", "sk", "hu", "hr", "sl", "ro", "bs"), "cp1250"),
    "el": "cp1253", "tr": "cp1254", "he": "cp1255", "ar": "cp1256", "lt": "cp1257", "lv": "cp1257", "et": "cp1257",
}
GUESS_SAMPLE = 200_000  # bytes of the page charset-normalizer reads: plenty for a guess, bounded for huge pages


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    guessed: bool  # the declared or default encoding gave garbage; ``encoding`` is charset-normalizer's guess


def looks_binary(body: bytes) -> bool:
    return body.lstrip()[:8].startswith(BINARY_MAGIC)


def too_many_replacements(text: str) -> bool:
    """More than a stray U+FFFD: the bytes were not in the encoding used to read them."""
    return text.count(REPLACEMENT) > max(2, len(text) // 2000)


def decode_page(body: bytes, content_type: str | None = None) -> Decoded:
    """The page as text: as a browser decodes it, or by a guess when that yields replacement characters."""
    body = body.replace(b"\x00", b"")  # no text needs NULs, and parsers turn them into U+FFFD
    encoding, text = html_to_unicode(content_type, body)
    if not too_many_replacements(text) or REPLACEMENT.encode("utf-8") in body:
        # a page that names no encoding and is not UTF-8 was read by a guess whatever read it: w3lib from
        # 2.6 on guesses as Firefox does (from the bytes and the domain), earlier ones read UTF-8 and left
        # the replacement characters to the guess below
        return Decoded(text, encoding, guessed=not _declared(body, content_type) and not _utf8(body))
    results = from_bytes(body[:GUESS_SAMPLE])
    best = results.best()
    if best is None or best.encoding is None:
        return Decoded(text, encoding, guessed=False)
    chosen = best.encoding
    # on a short text several single-byte code pages read equally well; the page's declared language decides
    lang = LANG_RE.search(body[:4096])
    family = LEGACY_CODE_PAGES.get(lang.group(1).decode("ascii").lower()) if lang else None
    if family and family != chosen and any(r.encoding == family for r in results):
        chosen = family
    guessed = body.decode(chosen, errors="replace")
    if guessed.count(REPLACEMENT) >= text.count(REPLACEMENT):
        return Decoded(text, encoding, guessed=False)
    return Decoded(guessed, chosen, guessed=True)


def _declared(body: bytes, content_type: str | None) -> bool:
    """Whether the response names its encoding: a byte order mark, the HTTP charset or the page's own."""
    return bool(read_bom(body)[0] or http_content_type_encoding(content_type) or html_body_declared_encoding(body))


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def garbled(article: Article) -> bool:
    """More than a stray U+FFFD in the cleaned article: its text is not worth storing."""
    return too_many_replacements(article.title + article.text)
