"""Author names of an article page: names only, without "By", roles, dates, e-mail addresses or agencies' boilerplate.

Sources in order: the article's JSON-LD ``author`` (Person objects, ``@id`` references into the page's
graph, strings), ``itemprop=author`` microdata, meta tags (``author``, ``article:author`` when it is not a
URL, ``parsely-author``, ``sailthru.author``, ``dc.creator``, ``byl``), then a byline element
(``rel=author``, class ``byline``/``author``), then an element of a theme's own byline class
(``article__author``) whose text opens with "By", "Von" ..., then a link to an author's page (``/author/jane-doe/``,
``/autoren/name/max-kolter``), then names after a label of their own ("<strong>Autorin/Autor</strong>
Roman Goncharenko"). The first source that names someone other than the site itself wins, without the site's
name where it stands beside them; a source that names
only the site ("mdr.de", "LTO") is the answer only when none names anyone, and an organisation the JSON-LD
credits as author ("BBC News") only when no source names anyone at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.cleaning.page import HtmlElement, Page, brand_key, json_ld_types, site_brands
from crawler.cleaning.text import PARENTHESIS_RE, normalize_paragraph

AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
               "byl", "citation_author", "article:author_name")
BY_RE = re.compile(r"^(?:by|von|por|par|di|door|av|af|przez|text(?:e)?|autor(?:in)?|author|reporting by|"
                   r"written by|story by|words by)\s*[:.]?\s+", re.IGNORECASE)
SPLIT_RE = re.compile(r"\s*(?:,|;|\||/|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bi\b|\bmit\b|\bwith\b|、|，)\s*",
                      re.IGNORECASE)
NOT_A_NAME_RE = re.compile(r"@|https?:|www\.|\d{3,}|\b(?:updated|published|aktualisiert|veröffentlicht|min read|"
                           r"minutes?|hours?|ago|photo|foto|image)\b", re.IGNORECASE)
# a role beside a name ("Jane Doe, Staff Reporter") is dropped; a byline that is only a role ("Staff Reporter",
# "MND Staff") is the desk's name and stays
ROLE_RE = re.compile(r"\b(?:editor|redakt\w*|staff|reporter|correspondent|korrespondent\w*|team|newsroom|desk)\b",
                     re.IGNORECASE)
# East Asian bylines put the role after the name ("신현주 기자", "山田太郎記者"): the name stays, the role goes
ROLE_SUFFIX_RE = re.compile(r"\s*(?:기자|특파원|선임기자|논설위원|記者|记者|特派員|特派员|編集委員|编辑|編輯)$")
# each byline selector with the word it needs in the page's markup: a page without it is not searched (an
# XPath pass each); the word is the selector's class or attribute value
BYLINE_SELECTORS = [(CSSSelector(s), s.strip('.[]"').removeprefix('rel="')) for s in (
    '[rel="author"]', ".byline__name", ".author-name", ".author__name", ".byline", ".article-author", ".author")]
# a theme's own class for the byline ("article__author", "c-byline__author", "post-authors"): a class token that
# ends in the word ("author-bio" and "author-box" do not), read only where its text opens with "By", "Von" ...:
# such classes also hold video lengths, dates and agency credits
AUTHOR_CLASS_RE = re.compile(r"(?:^|[-_])(?:author|byline)(?:s|[-_]+name)?$", re.IGNORECASE)
_AUTHOR_CLASSED = etree.XPath("//*[contains(@class, 'uthor') or contains(@class, 'yline')]")
AUTHOR_HREF_RE = re.compile(r"/(?:author|authors|autor|autoren|auteur|autore|people|journalist|journalisten|"
                            r"redakteur|profile|profil)/(?:name/)?[\w%.-]+/?$", re.IGNORECASE)
# a label in its own element before the names: "<li><strong>Autorin/Autor</strong> Roman Goncharenko</li>"
LABEL_RE = re.compile(r"^(?:by|von|text|autor(?:in)?(?:\s*/\s*autor(?:in)?)?|author(?:\(?s\)?)?|auteur|autore|"
                      r"reporter|written by|story by)\s*:?$", re.IGNORECASE)
LABEL_TAGS = ("strong", "b", "dt", "span", "em", "label")
MAX_LABEL_CHARS = 100  # an author label is a word or two, with room for the whitespace around them
MAX_NAME_WORDS = 6
MAX_BYLINE_CHARS = 120  # a byline element longer than this is a paragraph that mentions an author
MAX_AUTHORS = 12


def clean_names(raw: str) -> list[str]:
    """'By Jane Doe and John Roe, Reporters' -> ['Jane Doe', 'John Roe']."""
    text = PARENTHESIS_RE.sub(" ", normalize_paragraph(raw))
    text = BY_RE.sub("", text)
    names: list[str] = []
    for part in SPLIT_RE.split(text):
        part = ROLE_SUFFIX_RE.sub("", BY_RE.sub("", part.strip(" -–—:·•()[]")))
        if not part or NOT_A_NAME_RE.search(part) or len(part.split()) > MAX_NAME_WORDS or len(part) < 2:
            continue
        if part.casefold() not in (n.casefold() for n in names):
            names.append(part)
    people = [n for n in names if not ROLE_RE.search(n)]
    return (people or names)[:MAX_AUTHORS]


def _graph_index(page: Page) -> dict[str, dict[str, Any]]:
    return {str(node["@id"]): node for node in page.json_ld if isinstance(node.get("@id"), str)}


def json_ld_names(page: Page, article: dict[str, Any] | None, organizations: bool = False) -> list[str]:
    """Names of the JSON-LD article's authors, following ``@id`` references: its people, or with
    ``organizations`` the organisations it names as authors."""
    if not article:
        return []
    value = article.get("author") or article.get("creator")
    items = value if isinstance(value, list) else [value] if value else []
    graph: dict[str, dict[str, Any]] | None = None
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str):
                graph = graph if graph is not None else _graph_index(page)
                item = graph.get(item["@id"], item)
            if organizations != any(t.endswith("Organization") for t in json_ld_types(item)):
                continue
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(str(n) for n in name)
            if isinstance(name, str):
                names += [name.strip()] if organizations else clean_names(name)
        elif isinstance(item, str) and not item.startswith("http") and not organizations:
            names += clean_names(item)
    return [n for n in names if n]


def _element_names(elements: list[HtmlElement]) -> list[str]:
    names: list[str] = []
    for element in elements:
        inner = [e for e in element.iter() if "name" in (e.get("itemprop") or "").split()]
        source = inner[0] if inner else element
        value = source.get("content") or source.text_content()
        for name in clean_names(value):
            if name.casefold() not in (n.casefold() for n in names):
                names.append(name)
    return names


def _sources(page: Page, article: dict[str, Any] | None, is_brand: Callable[[str], bool]) -> Iterator[list[str]]:
    yield json_ld_names(page, article)
    yield _element_names(page.itemprop("author"))
    for key in AUTHOR_META:
        values = [v for v in page.metas.get(key, []) if v and not v.startswith("http")]
        yield list(dict.fromkeys(n for v in values for n in _meta_names(v, is_brand)))
    if page.tree is None:
        return
    for selector, word in BYLINE_SELECTORS:
        elements = selector(page.tree) if word in page.text else []
        yield _element_names([e for e in elements if len(e.text_content()) < MAX_BYLINE_CHARS][:3])
    yield _element_names([e for e in _AUTHOR_CLASSED(page.tree)
                          if any(AUTHOR_CLASS_RE.search(t) for t in e.get("class").split())
                          and len(text := normalize_paragraph(e.text_content())) < MAX_BYLINE_CHARS
                          and BY_RE.match(text)][:3])
    # a link to the author's page (/author/jane-doe/, /autoren/name/max-kolter): the byline of most CMSs
    host = urlsplit(page.url).hostname
    links = [a for a in page.tree.iter("a") if AUTHOR_HREF_RE.search(a.get("href") or "")
             and urlsplit(urljoin(page.url, a.get("href") or "")).hostname == host]  # not a corporate /profil/
    yield _element_names([a for a in links if len(a.text_content()) < MAX_BYLINE_CHARS][:2])
    yield _labelled_names(page.tree)


def _meta_names(value: str, is_brand: Callable[[str], bool]) -> list[str]:
    """The names in one author meta value. A value that names the site and otherwise only single words is the
    site with its address ("hessenschau.de, Frankfurt, Germany"): only the site's name counts. A person
    beside the site ("Jane Doe, The Daily") stays."""
    names = clean_names(value)
    brands = [n for n in names if is_brand(n)]
    if brands and all(is_brand(n) or len(n.split()) == 1 for n in names):
        return brands
    return names


def _labelled_names(tree: HtmlElement) -> list[str]:
    """Names after an author label of their own ("Autorin/Autor", "By:") in a short element."""
    for label in tree.iter(*LABEL_TAGS):
        raw = label.text_content()
        parent = label.getparent()
        if len(raw) > MAX_LABEL_CHARS or parent is None:  # most such elements hold prose: no label, skip early
            continue
        text = normalize_paragraph(raw)
        if not LABEL_RE.match(text):
            continue
        whole = normalize_paragraph(parent.text_content())
        if len(whole) < MAX_BYLINE_CHARS:
            names = clean_names(whole[len(text):] if whole.startswith(text) else "")
            if names:
                return names
    return []


def page_authors(page: Page, article: dict[str, Any] | None) -> list[str]:
    """The first source's names; a source that names only the site itself ("mdr.de", "LTO") yields to a
    later one that names people, and is the answer only when no source names anyone else. When no source
    names anyone, the organisation the JSON-LD credits ("BBC News", "kicker") is the author, as the
    publisher declares it."""
    brands = site_brands(page, article)

    def is_brand(name: str) -> bool:
        return brand_key(name) in brands or any(b and b in brand_key(name) for b in brands)

    brand_only: list[str] = []
    for names in _sources(page, article, is_brand):
        people = [n for n in names if not is_brand(n)]
        if people:
            return people  # the site named beside its authors (two meta tags) is not one of them
        brand_only = brand_only or names
    return brand_only or json_ld_names(page, article, organizations=True)
