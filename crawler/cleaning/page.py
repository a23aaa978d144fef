"""A page parsed once: the decoded text, one lxml tree, and the metadata every stage asks for.

Detection, metadata and body extraction all read the same ``Page``, so a page is decoded and parsed one
time whatever the cleaner does with it. The JSON-LD objects, meta tags and microdata are collected
lazily, once, on first use.
"""

from __future__ import annotations

import json
import re
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree, html
from lxml.cssselect import CSSSelector

from crawler.cleaning.decode import decode_page, looks_binary
from crawler.cleaning.text import PARENTHESIS_RE, normalize_paragraph

HtmlElement = html.HtmlElement
# the largest of the 221 real article pages of both development sets is 1.7 MB; a page past this is read
# from its first MAX_PAGE_BYTES only (and flagged): a 50 MB page took 27 s and 1.5 GB to clean whole
MAX_PAGE_BYTES = 8_000_000
MAX_JSON_LD_CHARS = 2_000_000  # a script block larger than this is a data dump, not a description of the page
NESTED_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart", "subjectOf")


class Page:
    """One HTML page: ``text`` as decoded, ``tree`` its lxml parse (``None`` when nothing parses)."""

    def __init__(self, text: str, url: str, *, encoding_guessed: bool = False, truncated: bool = False) -> None:
        self.truncated = truncated or len(text) > MAX_PAGE_BYTES
        self.text = text[:MAX_PAGE_BYTES].replace("\x00", "")
        self.url = url
        self.encoding_guessed = encoding_guessed

    @cached_property
    def tree(self) -> HtmlElement | None:
        """The lxml parse, made on first use (a binary or empty body never needs one)."""
        return _parse(self.text)

    @classmethod
    def from_bytes(cls, body: bytes, url: str, content_type: str | None = None) -> Page:
        decoded = decode_page(body[:MAX_PAGE_BYTES], content_type)
        return cls(decoded.text, url, encoding_guessed=decoded.guessed, truncated=len(body) > MAX_PAGE_BYTES)

    @classmethod
    def of(cls, body: bytes | str | Page, url: str, content_type: str | None = None) -> Page | None:
        """The page of a body as served (bytes), as text, or already parsed; None for a binary body
        (an image or a PDF served as text/html), which no text cleaner should read."""
        if isinstance(body, Page):
            return body
        if isinstance(body, str):
            return cls(body, url)
        return None if looks_binary(body) else cls.from_bytes(body, url, content_type)

    # -- metadata sources -------------------------------------------------------------------------------

    @cached_property
    def metas(self) -> dict[str, list[str]]:
        """``<meta>`` contents by lower-cased name, property or itemprop, in page order."""
        out: dict[str, list[str]] = {}
        if self.tree is None:
            return out
        for tag in self.tree.iter("meta"):
            content = tag.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop"):
                key = (tag.get(attr) or "").strip().lower()
                if key:
                    out.setdefault(key, []).append(normalize_paragraph(content))
        return out

    def meta(self, *keys: str) -> str | None:
        """The first non-empty content among the given meta keys, in the order of ``keys``."""
        for key in keys:
            for value in self.metas.get(key.lower(), []):
                if value:
                    return value
        return None

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object of the page, nested ones (``@graph``, ``mainEntity`` ...) flattened out."""
        found: list[dict[str, Any]] = []
        if self.tree is None:
            return found

        def visit(node: Any, depth: int = 0) -> None:
            if depth > 8:
                return
            if isinstance(node, list):
                for item in node:
                    visit(item, depth + 1)
            elif isinstance(node, dict):
                found.append(node)
                for key in NESTED_KEYS:
                    if isinstance(node.get(key), dict | list):
                        visit(node[key], depth + 1)

        for script in self.tree.iter("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json":
                continue
            raw = (script.text or "").strip()
            if not raw or len(raw) > MAX_JSON_LD_CHARS:
                continue
            try:
                visit(json.loads(raw, strict=False))
            except ValueError:
                try:  # a trailing comma or a comment breaks many sites' blocks; one repair is worth trying
                    visit(json.loads(_lenient_json(raw), strict=False))
                except ValueError:
                    continue
        return found

    def json_ld_of_type(self, types: set[str]) -> list[dict[str, Any]]:
        return [node for node in self.json_ld if json_ld_types(node) & types]

    def itemprop(self, name: str) -> list[HtmlElement]:
        """Elements whose itemprop names ``name`` (microdata allows several names in one attribute)."""
        return self._itemprops.get(name, [])

    @cached_property
    def _itemprops(self) -> dict[str, list[HtmlElement]]:
        """Every microdata property of the page by name, collected in one pass."""
        out: dict[str, list[HtmlElement]] = {}
        found = _ITEMPROP(self.tree) if self.tree is not None else []
        for element in found if isinstance(found, list) else []:
            if isinstance(element, HtmlElement):
                for name in (element.get("itemprop") or "").split():
                    out.setdefault(name, []).append(element)
        return out

    def select(self, selector: str) -> list[HtmlElement]:
        """The elements a CSS selector matches (selectors are compiled once per process)."""
        return [] if self.tree is None else list(css(selector)(self.tree))

    def select_one(self, selector: str) -> HtmlElement | None:
        found = self.select(selector)
        return found[0] if found else None

    @cached_property
    def paragraph_texts(self) -> dict[HtmlElement, str]:
        """The text of every ``<p>`` of the tree, in document order. The layout, the text scope and the images
        each read all of a page's paragraphs; the tree itself is never changed (cleaners change copies of it),
        so their texts are read once. The keys keep lxml's proxies alive, so an element is one key."""
        return {} if self.tree is None else {p: p.text_content() for p in self.tree.iter("p")}

    @cached_property
    def title_text(self) -> str:
        """The text of the page's ``<title>`` as written ("" when there is none)."""
        title = self.tree.find(".//title") if self.tree is not None else None
        return title.text_content() if title is not None else ""

    @cached_property
    def body_classes(self) -> list[str]:
        body = self.tree.find("body") if self.tree is not None else None
        return (body.get("class") or "").split() if body is not None else []

    @cached_property
    def canonical_link(self) -> str | None:
        """The absolute URL of ``<link rel=canonical>``, if the page names one."""
        if self.tree is None:
            return None
        for link in self.tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                return urljoin(self.url, (link.get("href") or "").strip())
        return None

    @cached_property
    def html_lang(self) -> str | None:
        """Primary language subtag of ``<html lang>``, lower-cased ("en-US" -> "en")."""
        if self.tree is None:
            return None
        lang = self.tree.get("lang") or self.tree.get("xml:lang") or self.meta("og:locale", "language",
                                                                                  "content-language", "dc.language")
        if not lang:
            return None
        return re.split(r"[-_]", lang.strip())[0].lower() or None


def json_ld_types(node: dict[str, Any]) -> set[str]:
    """The schema.org type names of a JSON-LD object ("schema:NewsArticle" and URLs reduced to the name)."""
    types = node.get("@type", [])
    names = [types] if isinstance(types, str) else [t for t in types if isinstance(t, str)] if isinstance(
        types, list) else []
    return {re.split(r"[/:#]", t)[-1] for t in names}


@lru_cache(maxsize=512)
def css(selector: str) -> CSSSelector:
    """A compiled CSS selector; translating one to XPath costs more than running it."""
    return CSSSelector(selector)


def brand_key(text: str) -> str:
    """A name reduced to its letters and digits, case-folded: "Golem.de", "golem de" and "GOLEM-DE" agree."""
    return re.sub(r"[\W_]+", "", text.casefold())


def site_brands(page: Page, article: dict[str, Any] | None) -> set[str]:
    """Keys of the names the site goes by: og:site_name, application-name, the publisher, the host."""
    names = {page.meta(key) or "" for key in ("og:site_name", "application-name", "twitter:site", "publisher")}
    publisher = (article or {}).get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        names.add(publisher["name"])
    host = (urlsplit(page.url).hostname or "").removeprefix("www.")
    names |= {host, host.split(".")[0]}
    # "Deutsche Welle (www.dw.com)": the name without its parenthesis
    return {key for n in names if n and (key := brand_key(PARENTHESIS_RE.sub("", n).removeprefix("@")))}


def _lenient_json(raw: str) -> str:
    raw = re.sub(r"/\*.*?\*/", "", raw, flags=re.DOTALL)
    raw = re.sub(r",\s*([}\]])", r"\1", raw)
    return raw.replace("\n", " ").replace("\r", " ").replace("\t", " ")


def _parse(text: str) -> HtmlElement | None:
    """lxml's HTML parser, which recovers from anything; an XML declaration with an encoding is stripped
    first because lxml refuses it on a str."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    if not text.strip():
        return None
    try:
        root = html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return root


_ITEMPROP = etree.XPath("//*[@itemprop]")
# collect_ids=False: no table of the ids for XPath's id() and getElementById, which nothing here or in the
# extractors calls; building it cost a tenth of the parse
_PARSER = html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True,
                          collect_ids=False)
# every element an HtmlElement, chosen in C: lxml.html's own lookup calls Python for each element it hands
# out (to make forms and inputs special classes nothing here uses): about 8% of the cleaner's time
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity))


def new_element(tag: str) -> HtmlElement:
    """An element of this module's parser, so a tree built from parsed parts keeps its fast lookup."""
    element: HtmlElement = _PARSER.makeelement(tag)
    return element
