"""Article metadata from the places sites put it: meta tags, JSON-LD, <time>, <html lang>, rki's header block."""

from __future__ import annotations

import json
import re
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from crawler.cleaning.text import normalize_paragraph

ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle",
                 "OpinionNewsArticle", "LiveBlogPosting"}


def meta(soup: BeautifulSoup, key: str) -> str | None:
    """The content of <meta property=key> or <meta name=key>."""
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    if isinstance(tag, Tag) and tag.get("content"):
        return normalize_paragraph(str(tag["content"]))
    return None


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


def json_ld_articles(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Every schema.org Article-like object in the page's JSON-LD (inside @graph too)."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            types = node.get("@type", [])
            types = {types} if isinstance(types, str) else set(types)
            if types & ARTICLE_TYPES:
                found.append(node)
            visit(node.get("@graph", []))

    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            visit(json.loads(script.string or ""))
        except ValueError:
            continue
    return found


def json_ld_authors(article: dict[str, Any]) -> list[str]:
    author = article.get("author", [])
    items = author if isinstance(author, list) else [author]
    names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in items]
    return [normalize_paragraph(n) for n in names if n]


def html_language(soup: BeautifulSoup) -> str | None:
    """Primary language subtag of <html lang>, lower-cased ("en-US" -> "en")."""
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    if not lang:
        return None
    return str(lang).split("-")[0].split("_")[0].lower() or None


def canonical_link(soup: BeautifulSoup, page_url: str) -> str | None:
    tag = soup.find("link", rel="canonical")
    if isinstance(tag, Tag) and tag.get("href"):
        return urljoin(page_url, str(tag["href"]).strip())
    return None


# rki.news prints a metadata block at the top of the body (rki-replica.md §2):
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
