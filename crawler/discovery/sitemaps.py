"""Sitemaps and feeds, the machine-readable lists of a site's articles.

Sitemaps as Scrapy reads them, plus the Google News extension's publication date, title and language.

A Google News sitemap (``xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"``) lists a site's
latest stories with ``news:publication_date`` and often no ``lastmod``; the publication date then stands
in for it, so an incremental run compares the same kind of date it would for any other sitemap.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lxml import etree
from scrapy.utils.sitemap import Sitemap

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_FIELDS = ("publication_date", "title", "language")


class NewsSitemap(Sitemap):
    """Entries as Scrapy's ``Sitemap`` gives them, with ``news_publication_date``, ``news_title`` and
    ``news_language`` when the entry carries Google News data."""

    def _process_sitemap_element(self, elem: etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for element in elem.iter(f"{{{NEWS_NS}}}*"):
            name = etree.QName(element).localname
            if name in NEWS_FIELDS and element.text and element.text.strip():
                news[f"news_{name}"] = element.text.strip()
        entry: dict[str, Any] | None = super()._process_sitemap_element(elem)
        if entry is not None:
            entry.update(news)
        return entry


def read_sitemap(body: bytes) -> tuple[str, list[dict[str, Any]]] | None:
    """The type ("urlset" or "sitemapindex") and entries of a sitemap; None for a body that is not one, however
    broken (lxml recovers what it can, and gives up in several ways)."""
    try:
        sitemap = NewsSitemap(body)
        return str(sitemap.type), list(sitemap)
    except (etree.LxmlError, ValueError, TypeError, AttributeError, StopIteration):  # StopIteration: no element
        return None


def entry_date(entry: dict[str, Any]) -> str | None:
    """The date an incremental run compares with the archive: lastmod, else the news publication date."""
    value = entry.get("lastmod") or entry.get("news_publication_date")
    return str(value) if value else None


def is_later(a: str, b: str | None) -> bool:
    """True when ISO 8601 time ``a`` is later than ``b`` (unparseable or missing ``b``: True; unparseable
    ``a``: False). Times without an offset are read as UTC."""
    try:
        first = datetime.fromisoformat(a.strip())
    except ValueError:
        return False
    if b is None:
        return True
    try:
        second = datetime.fromisoformat(b)
    except ValueError:
        return True
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    if second.tzinfo is None:
        second = second.replace(tzinfo=UTC)
    return first > second


def feed_links(body: bytes) -> list[str] | None:
    """The item links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, as written; None when it is not XML."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return None
    links = [el.text or "" for el in root.iter("link", "{http://purl.org/rss/1.0/}link")]
    links += [el.get("href", "") for el in root.iter("{http://www.w3.org/2005/Atom}link")
              if el.get("rel", "alternate") == "alternate"]
    return [link.strip() for link in links if link.strip()]
