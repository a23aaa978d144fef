"""Whether a page that gave no article looks built by script, so that a browser may find the article in it.

``--render auto`` starts a browser for such a page only: a static site, whose pages carry their text, never
starts one. The signs, each common in the single-page applications news sites are built with:

- an empty mount point (``<div id="root">``, ``#app``, ``#__next``, ``#__nuxt``, ``ng-app``...);
- a ``<noscript>`` that asks for JavaScript;
- an embedded state object (``__NEXT_DATA__``, ``__NUXT__``, ``__INITIAL_STATE__``, ``__APOLLO_STATE__``...);
- almost no text in the body while scripts are loaded.

One sign is not enough where the page has a body of text of its own (a listing with a ``#root`` wrapper).
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

MOUNT_IDS = {"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "main-app", "react-root", "application"}
STATE_MARKERS = re.compile(r"__NEXT_DATA__|__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|__APOLLO_STATE__|"
                           r"__remixContext|window\.__data\b|__INITIAL_PROPS__")
ASKS_FOR_SCRIPT = re.compile(r"enable javascript|javascript (is )?(required|disabled)|turn on javascript|"
                             r"needs javascript|requires javascript", re.I)
FEW_WORDS = 80  # below this many words of visible text a page has nothing to read without its scripts


def _visible_words(tree: lxml_html.HtmlElement) -> int:
    body = tree.find("body")
    if body is None:
        return 0
    words = 0
    for element in body.iter():
        if element.tag in ("script", "style", "noscript", "template") or not isinstance(element.tag, str):
            continue
        words += len((element.text or "").split()) + len((element.tail or "").split())
    return words


def script_signs(body: bytes | str) -> list[str]:
    """The signs that a page is built by script (empty when it carries its content itself)."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, etree.ParserError):
        return []
    scripts = tree.xpath("//script[@src]|//script[@type='module']")
    if not scripts:
        return []
    signs = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        mount = (element.get("id") or "").lower() in MOUNT_IDS or element.get("ng-app") is not None
        if mount and not "".join(element.itertext()).strip():
            signs.append(f"empty mount point #{element.get('id') or 'ng-app'}")
    for noscript in tree.iter("noscript"):
        if ASKS_FOR_SCRIPT.search(noscript.text_content() or ""):
            signs.append("noscript asks for JavaScript")
            break
    inline = " ".join(s.text or "" for s in tree.iter("script") if not s.get("src"))
    if STATE_MARKERS.search(inline):
        signs.append("embedded state object")
    if _visible_words(tree) < FEW_WORDS:
        signs.append("almost no text without scripts")
    return signs


def looks_built_by_script(body: bytes | str) -> bool:
    """True when a browser may find what the plain response lacks: two signs, or one with almost no text."""
    signs = script_signs(body)
    return len(signs) >= 2
