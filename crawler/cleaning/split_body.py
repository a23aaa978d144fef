"""One article body that a page splits into several containers, joined back into one before extraction.

Some publishers cut the body into blocks of the same container (``<div class="body articleBody">``)
and put advertising, teasers or newsletter boxes between them, each block in a wrapper of its own. A
main-text extractor picks one container, the first, and the rest of the story is lost: on one page of
the metadata development set that was half of the body.

Blocks count as one body when they have the same tag and the same class attribute, that class names an
article body, none holds another, each carries a paragraph of prose, and they belong to one article:
the same ``<article>`` element (or none) and no ``<h1>`` between them (a page that appends the next
story as you scroll repeats its body container after that story's headline). The later blocks' content
moves into the first block, in document order; what stood between them stays where it was.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from crawler.cleaning.page import HtmlElement
from crawler.cleaning.text import PROSE_CHARS  # a block counts when one of its paragraphs is this long

BODY_CLASS_RE = re.compile(
    r"(?:article|story|post|entry|news)[-_]?(?:body|content|text)(?![-_]?(?:header|footer|meta|info|title))"
    r"|\barticlebody\b|\bbody[-_]?text\b|\brich[-_]?text\b",
    re.IGNORECASE,
)
_WITH_CLASS = etree.XPath("//div[@class] | //section[@class]")  # in document order; the rest skipped in C
MAX_PARTS = 4  # a body cut by advertising has a few parts; a live blog or a feed repeats its entry many times


def _has_prose(element: HtmlElement) -> bool:
    return any(len(p.text_content().strip()) >= PROSE_CHARS for p in element.iter("p"))


def _article_of(element: HtmlElement) -> HtmlElement | None:
    return next(element.iterancestors("article"), None)


def _one_article(members: list[HtmlElement]) -> bool:
    """True when all blocks sit in one article and no headline stands between the first and the last."""
    articles = [_article_of(m) for m in members]  # kept referenced: lxml proxies compare by identity
    if any(a is not articles[0] for a in articles):
        return False
    first, last = members[0], members[-1]
    inside_first = set(first.iter())
    seen_first = False
    for element in first.getroottree().getroot().iter():
        if element is first:
            seen_first = True
        elif element is last:
            return True
        elif seen_first and element.tag == "h1" and element not in inside_first:
            return False
    return False


def _apart(members: list[HtmlElement]) -> bool:
    """True when each block sits in a wrapper of its own under the blocks' common ancestor.

    Blocks side by side in one container are one body already; blocks that share a wrapper while others
    do not are sections of one body and something else.
    """
    chains = [[m, *m.iterancestors()] for m in members]
    common = next(a for a in chains[0] if all(a in chain for chain in chains[1:]))
    wrappers = [chain[chain.index(common) - 1] for chain in chains]
    return len(set(wrappers)) == len(wrappers) and any(w is not m for w, m in zip(wrappers, members, strict=True))


def split_body_groups(tree: HtmlElement) -> list[list[HtmlElement]]:
    """Groups of two or more blocks that are one body split apart, each group in document order."""
    by_signature: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in _WITH_CLASS(tree):
        by_signature.setdefault((str(element.tag), " ".join(element.get("class").split())), []).append(element)
    groups = []
    for (_, classes), members in by_signature.items():
        if len(members) < 2 or not BODY_CLASS_RE.search(classes):  # the pattern once per class, not per block
            continue
        held = set(members)
        inside = [m for m in members if not any(a in held for a in m.iterancestors())]
        outer = [m for m in inside if _has_prose(m)]
        if 2 <= len(outer) <= MAX_PARTS and _apart(outer) and _one_article(outer):
            groups.append(outer)
    return groups


def join_split_body(tree: HtmlElement) -> HtmlElement:
    """The tree itself when no body is split; else a copy with each split body joined into its first block."""
    groups = split_body_groups(tree)
    if not groups:
        return tree
    root = tree.getroottree()
    paths = [[root.getpath(m) for m in members] for members in groups]
    joined: HtmlElement = copy.deepcopy(tree)
    found = [[joined.getroottree().xpath(path)[0] for path in group] for group in paths]
    for first, *rest in found:
        for block in rest:
            if block.text and block.text.strip():
                etree.SubElement(first, "p").text = block.text
            for child in list(block):
                first.append(child)
            block.drop_tag()  # empty now; its tail stays where it was
    return joined
