"""Sitemaps as Scrapy reads them, plus the Google News extension's publication date, title and language.

A Google News sitemap (``xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"``) lists a site's
latest stories with ``news:publication_date`` and often no ``lastmod``; the publication date then stands
in for it, so an incremental run compares the same kind of date it would for any other sitemap.
"""

from __future__ import annotations

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


def entry_date(entry: dict[str, Any]) -> str | None:
    """The date an incremental run compares with the archive: lastmod, else the news publication date."""
    value = entry.get("lastmod") or entry.get("news_publication_date")
    return str(value) if value else None
