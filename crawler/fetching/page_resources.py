"""What a page needs to render, read from its HTML and its stylesheets: the URLs of page resources.

Pure functions over bytes and text (no Scrapy, no network), so a unit test, a live crawl and a WARC record
give the same answer. What counts, as a browser would fetch it when it renders the page:

- stylesheets (``<link rel=stylesheet>``), and what they load: ``@import`` and ``url()`` (fonts,
  background images) in them and in ``<style>`` blocks and ``style`` attributes;
- images: ``<img src>``, ``srcset`` and ``<picture><source srcset>``, the lazy-loading attributes
  (``data-src``, ``data-srcset``, ``data-lazy-src``, ``data-original``), ``<input type=image>``, a
  video's ``poster``;
- scripts (``<script src>``), icons (``rel=icon``, ``apple-touch-icon``, ``mask-icon``), preloads of a
  style, script, font or image;
- video and audio (``<video>``, ``<audio>``, their ``<source>`` and ``<track>``) only when asked: they are
  large and rarely what a reader of news needs.

A ``srcset`` gives the same picture at several sizes. The policy ``largest`` (the default) takes the
widest candidate (by ``w``, else by ``x``) beside ``src``: a browser at a desktop width asks for it, and
it is the best copy of the photo; ``all`` takes every candidate, for replay at any screen size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import tinycss2
from lxml import etree
from lxml import html as lxml_html

SrcsetPolicy = Literal["largest", "all"]
Kind = Literal["stylesheet", "image", "script", "font", "icon", "media", "other"]
LAZY_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-lazy")
LAZY_SRCSET_ATTRIBUTES = ("data-srcset", "data-lazy-srcset")
ICON_RELS = {"icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}
PRELOAD_KINDS: dict[str, Kind] = {"style": "stylesheet", "script": "script", "font": "font", "image": "image"}
MEDIA_EXTENSIONS = (".mp4", ".webm", ".m4v", ".mov", ".mp3", ".m4a", ".ogg", ".oga", ".ogv", ".wav", ".flac",
                    ".m3u8", ".mpd")
FONT_EXTENSIONS = (".woff2", ".woff", ".ttf", ".otf", ".eot")
SRCSET_CANDIDATE = re.compile(r"\s*(\S+?)(?:\s+([\d.]+)([wx]))?\s*(?:,|$)")


@dataclass(frozen=True)
class Resource:
    """One URL a page needs, and what kind of thing it is (for limits and the report)."""

    url: str
    kind: Kind


def _fetchable(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def resource_url(base: str, raw: str | None) -> str | None:
    """The absolute http(s) address an attribute names, without fragment; None for data:, javascript: and
    the like, and for an address that does not parse."""
    if not raw:
        return None
    raw = raw.strip()
    if not raw or raw.startswith(("data:", "javascript:", "about:", "blob:", "#")):
        return None
    try:
        url = urljoin(base, raw).split("#", 1)[0]
    except ValueError:  # a malformed address in the page: not a resource anyone can fetch
        return None
    return url if _fetchable(url) else None


def srcset_urls(srcset: str, policy: SrcsetPolicy = "largest") -> list[str]:
    """The candidates of a ``srcset`` the policy keeps, as written (relative URLs stay relative)."""
    candidates: list[tuple[tuple[int, float], str]] = []
    for match in SRCSET_CANDIDATE.finditer(srcset or ""):
        url, size, unit = match.group(1).rstrip(","), match.group(2), match.group(3)
        if not url:
            continue
        try:  # width descriptors outrank density ones; a candidate without either is 1x
            key = (1 if unit == "w" else 0, float(size) if size else 1.0)
        except ValueError:
            key = (0, 1.0)
        candidates.append((key, url))
    if not candidates or policy == "all":
        return [url for _, url in candidates]
    return [max(candidates, key=lambda c: c[0])[1]]


def css_urls(css: str, base: str) -> list[Resource]:
    """``@import`` targets and ``url()`` references of a stylesheet (or a ``style`` attribute), absolute."""
    found: list[Resource] = []
    for url, kind in _css_references(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)):
        absolute = resource_url(base, url)
        if absolute:
            found.append(Resource(absolute, kind))
    return found


def _css_references(nodes: Iterable[object]) -> Iterator[tuple[str, Kind]]:
    for node in nodes:
        if isinstance(node, tinycss2.ast.AtRule) and node.lower_at_keyword == "import":
            for token in node.prelude:
                if isinstance(token, tinycss2.ast.StringToken | tinycss2.ast.URLToken):
                    yield token.value, "stylesheet"
                    break
                if isinstance(token, tinycss2.ast.FunctionBlock) and token.lower_name == "url":
                    yield from ((t.value, "stylesheet") for t in token.arguments
                                if isinstance(t, tinycss2.ast.StringToken))
                    break
            continue
        font_face = isinstance(node, tinycss2.ast.AtRule) and node.lower_at_keyword == "font-face"
        for url in _urls_in(_children(node)):
            yield url, "font" if font_face or url.lower().split("?")[0].endswith(FONT_EXTENSIONS) else "image"


def _children(node: object) -> list[object]:
    """The nested component values of a rule, block or function (tinycss2 keeps them unparsed)."""
    parts: list[object] = []
    for name in ("prelude", "content", "arguments"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            parts.extend(value)
    return parts


def _urls_in(tokens: Iterable[object]) -> Iterator[str]:
    for token in tokens:
        if isinstance(token, tinycss2.ast.URLToken):
            yield token.value
        elif isinstance(token, tinycss2.ast.FunctionBlock) and token.lower_name == "url":
            yield from (t.value for t in token.arguments if isinstance(t, tinycss2.ast.StringToken))
        else:
            yield from _urls_in(_children(token))


def _is_media(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(MEDIA_EXTENSIONS)


def page_resources(body: bytes | str, url: str, *, srcset: SrcsetPolicy = "largest",
                   media: bool = False) -> list[Resource]:
    """The resources a page names, absolute, each once, in document order."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, etree.ParserError):  # an empty or unparsable page names nothing
        return []
    base = url
    for element in tree.iter("base"):
        base = resource_url(url, element.get("href")) or url
        break
    seen: dict[str, Resource] = {}

    def add(raw: str | None, kind: Kind) -> None:
        absolute = resource_url(base, raw)
        if absolute and absolute not in seen and (media or (kind != "media" and not _is_media(absolute))):
            seen[absolute] = Resource(absolute, kind)

    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "link":
            _link(element, add)
        elif tag == "script":
            add(element.get("src"), "script")
        elif tag in ("img", "source", "input") and not _in_media_element(element):
            if tag == "input" and (element.get("type") or "").lower() != "image":
                continue
            for name in ("src", *LAZY_ATTRIBUTES):
                add(element.get(name), "image")
            for name in ("srcset", *LAZY_SRCSET_ATTRIBUTES):
                for candidate in srcset_urls(element.get(name) or "", srcset):
                    add(candidate, "image")
        elif tag in ("video", "audio", "track") or (tag == "source" and _in_media_element(element)):
            add(element.get("poster"), "image")
            add(element.get("src"), "media")
        elif tag == "style" and element.text:
            for resource in css_urls(element.text, base):
                add(resource.url, resource.kind)
        if element.get("style") and "url(" in element.get("style", ""):
            for resource in css_urls(f"x{{{element.get('style')}}}", base):
                add(resource.url, resource.kind)
    return list(seen.values())


def _in_media_element(element: lxml_html.HtmlElement) -> bool:
    parent = element.getparent()
    return parent is not None and parent.tag in ("video", "audio")


def _link(element: lxml_html.HtmlElement, add: Callable[[str | None, Kind], None]) -> None:
    rels = set((element.get("rel") or "").lower().split())
    href = element.get("href")
    if "stylesheet" in rels and "alternate" not in rels:
        add(href, "stylesheet")
    elif rels & ICON_RELS:
        add(href, "icon")
    elif rels & {"preload", "modulepreload"}:
        kind = "script" if "modulepreload" in rels else PRELOAD_KINDS.get((element.get("as") or "").lower())
        if kind:
            add(href, kind)
            if kind == "image" and element.get("imagesrcset"):
                for candidate in srcset_urls(element.get("imagesrcset") or ""):
                    add(candidate, "image")
