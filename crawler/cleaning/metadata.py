"""Metadata helpers for site profiles: ISO dates, the page's own JSON-LD article, rki's header block."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from crawler.cleaning.detect import ARTICLE_TYPES
from crawler.cleaning.page import Page


def iso(value: str | None, tz: tzinfo | None = None) -> str | None:
    """An ISO 8601 string with offset, or None when the value is not a date (naive values get ``tz``)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        if tz is None:
            return None
        moment = moment.replace(tzinfo=tz)
    return moment.isoformat()


def main_article_object(page: Page) -> dict[str, Any] | None:
    """The JSON-LD object that describes this page's article: the one naming the page's URL, else the first."""
    articles = page.json_ld_of_type(ARTICLE_TYPES - {"VideoObject", "Recipe", "Review"})
    if not articles:
        return None
    path = urlsplit(page.url).path.rstrip("/")
    for node in articles:
        for key in ("url", "mainEntityOfPage", "@id"):
            value = node.get(key)
            value = value.get("@id") if isinstance(value, dict) else value
            if isinstance(value, str) and path and urlsplit(value).path.rstrip("/") == path:
                return node
    return articles[0]


# rki.news prints a metadata block at the top of the body:
#   Published on July 4, 2025 / Document Date: Sun, Apr 26 2026 10:09:30 am /
#   Category: ,English,International - ,Snippets
PUBLISHED_ON_RE = re.compile(r"^Published on (?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})$")
DOCUMENT_DATE_RE = re.compile(r"^Document Date:\s*(?P<date>\w{3}, \w{3} \d{1,2} \d{4} \d{1,2}:\d\d:\d\d [ap]m)$",
                              re.IGNORECASE)
CATEGORY_RE = re.compile(r"^Category:\s*(?P<cats>.*)$")


def parse_document_date(line: str, tz: tzinfo) -> str | None:
    """'Document Date: Sun, Apr 26 2026 10:09:30 am' (PHP 'D, M d Y h:i:s a', site time) to ISO 8601."""
    m = DOCUMENT_DATE_RE.match(line)
    if not m:
        return None
    moment = datetime.strptime(m["date"].upper(), "%a, %b %d %Y %I:%M:%S %p")
    return moment.replace(tzinfo=tz).isoformat()


def parse_category_line(line: str) -> list[str] | None:
    """'Category: ,English,International - ,Snippets' to ['English', 'International', 'Snippets']."""
    m = CATEGORY_RE.match(line)
    if not m:
        return None
    parts = re.split(r",|\s+-\s+", m["cats"])
    return [p.strip() for p in parts if p.strip()]
