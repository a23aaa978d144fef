"""Publication and modification dates of an article page, from every place news sites put them.

Sources, in the order a value is trusted (earlier wins; a later source only fills in a time of day or an
offset the earlier one lacks, for the same day):
1. the article's own JSON-LD object (``datePublished``/``dateModified``): written for machines about this
   article, and unlike ``article:published_time`` not reused by themes for the update time;
2. meta tags: ``article:published_time``, ``og:published_time``, ``datePublished`` microdata, Dublin Core
   (``DC.date.issued``, ``DC.date``, ``dcterms.created``), ``date``, ``pubdate``, ``publishdate``, Parse.ly
   and Sailthru tags;
3. ``<time itemprop=datePublished>``, ``<time pubdate>``, then the first ``<time datetime>``;
4. a date in the URL path (``/2024/04/28/``, ``/20240428``), else one the site appends to its titles
   ("... | DW | 28.04.2023");
5. the visible text (datelines), read by htmldate only when nothing above gave a date, or gave a date
   without a time of day (then a dateline of the same day supplies the time).

Values keep their offset. A value without one takes the offset of another source that gives the same
wall-clock time with an offset, else the site's time zone when the caller knows it, else it stays naive
(a wall-clock time is honest; inventing UTC is not). A date alone stays a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from crawler.cleaning.page import Page

PUBLISHED_META = ("article:published_time", "og:published_time", "article:published", "datepublished",
                  "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "dcterms.date",
                  "date", "pubdate", "publishdate", "publish-date", "publish_date", "published_at", "publication_date",
                  "parsely-pub-date", "sailthru.date", "cxenseparse:recs:publishtime", "article.published",
                  "datecreated", "citation_publication_date", "prism.publicationdate")
MODIFIED_META = ("article:modified_time", "og:updated_time", "article:modified", "datemodified", "dc.date.modified",
                 "dcterms.modified", "last-modified", "lastmod")
TZ_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1,
                    "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "PKT": 5, "JST": 9, "KST": 9, "HKT": 8,
                    "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
                    "PST": -8, "PDT": -7}
EARLIEST_YEAR = 1990  # no news page of the web is older; earlier "dates" are ids or typos
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|\b|_)")
ISO_LIKE_RE = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?\s*"
    r"(Z|[+-]\d\d(?::?\d\d)?)?$", re.IGNORECASE)
# "Fri Apr 28 2023 12:00:00 GMT+0200 (CEST)" (JavaScript) and "Fri Apr 28 12:00:00 CEST 2023" (date(1))
TITLE_DATE_RE = re.compile(r"[|–—,-]\s*(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\s*$")
JS_DATE_RE = re.compile(r"^\w{3},? (\w{3}) (\d{1,2}),? (\d{4}),? (\d\d):(\d\d)(?::(\d\d))? ?(?:GMT|UTC)?([+-]\d{4})?")
UNIX_DATE_RE = re.compile(r"^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) ([A-Z]{2,5}) (\d{4})$")
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}


@dataclass(frozen=True)
class Moment:
    """A parsed date: ``value`` naive or aware; ``has_time`` False for a date alone."""

    value: datetime
    has_time: bool

    def iso(self) -> str:
        if not self.has_time:
            return self.value.date().isoformat()
        return self.value.isoformat()


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(raw: Any, tz: tzinfo | None = None) -> Moment | None:
    """A date from the formats sites print in metadata; ``tz`` for values without an offset, if known."""
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text or len(text) > 64:
        return None
    moment = _parse_text(text)
    if moment is None or not EARLIEST_YEAR <= moment.value.year <= date.today().year + 1:
        return None
    if moment.has_time and moment.value.tzinfo is None and tz is not None:
        moment = Moment(moment.value.replace(tzinfo=tz), True)
    return moment


def _parse_text(text: str) -> Moment | None:
    if m := ISO_LIKE_RE.match(text):
        year, month, day, hour, minute, second, fraction, offset = m.groups()
        try:
            value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                             int((fraction or "0")[:6].ljust(6, "0")))
        except ValueError:
            return None
        if offset:
            value = value.replace(tzinfo=_offset(offset))
        return Moment(value, hour is not None)
    if text.isdigit() and len(text) in (10, 13):  # a Unix timestamp, seconds or milliseconds
        return Moment(datetime.fromtimestamp(int(text[:10]), UTC), True)
    if m := JS_DATE_RE.match(text):
        month_name, day, year, hour, minute, second, offset = m.groups()
        month = MONTHS.get(month_name[:3].lower())
        if month is None:
            return None
        try:
            value = datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0))
        except ValueError:
            return None
        return Moment(value.replace(tzinfo=_offset(offset)) if offset else value, True)
    if m := UNIX_DATE_RE.match(text):
        month_name, day, hour, minute, second, zone, year = m.groups()
        month = MONTHS.get(month_name[:3].lower())
        if month is None:
            return None
        value = datetime(int(year), month, int(day), int(hour), int(minute), int(second))
        hours = TZ_ABBREVIATIONS.get(zone)
        return Moment(value.replace(tzinfo=timezone(timedelta(hours=hours))) if hours is not None else value, True)
    try:  # RFC 2822, as feeds and some meta tags print it
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return Moment(value, True)


@dataclass(frozen=True)
class Dates:
    published: str | None
    modified: str | None


def _json_ld_value(article: dict[str, Any] | None, key: str) -> list[Any]:
    if not article:
        return []
    value = article.get(key)
    return value if isinstance(value, list) else [value]


def _time_elements(page: Page) -> list[str]:
    """datetime attributes of <time> elements: those marked as the publication time, then the page's first
    other one (later ones date related items, comments and the footer)."""
    if page.tree is None:
        return []
    marked: list[str] = []
    others: list[str] = []
    for element in page.tree.iter("time"):
        value = element.get("datetime") or element.get("content")
        if not value:
            continue
        props = (element.get("itemprop") or "") + " " + " ".join(element.attrib.keys())
        (marked if "datePublished" in props or "pubdate" in props else others).append(value)
    return marked + others[:1]


def _candidates(page: Page, article: dict[str, Any] | None, keys: tuple[str, ...], ld_key: str,
                tz: tzinfo | None) -> list[Moment]:
    raw: list[Any] = _json_ld_value(article, ld_key)
    raw += [v for key in keys for v in page.metas.get(key, [])]
    raw += [e.get("datetime") or e.get("content") or e.text_content() for e in page.itemprop(ld_key)]
    return [m for value in raw if (m := parse_date(value, tz)) is not None]


def _url_date(url: str) -> Moment | None:
    m = URL_DATE_RE.search(url)
    if not m:
        return None
    try:
        return Moment(datetime(int(m[1]), int(m[2]), int(m[3])), False)
    except ValueError:
        return None


def _title_date(page: Page) -> Moment | None:
    """A date the site appends to its titles ("... | DW | 28.04.2023"), day first as Europe writes it."""
    for title in (page.meta("og:title", "twitter:title"), page.title_text):
        m = TITLE_DATE_RE.search(title or "")
        if m:
            try:
                return Moment(datetime(int(m[3]), int(m[2]), int(m[1])), False)
            except ValueError:
                continue
    return None


def _visible_date(page: Page) -> Moment | None:
    """htmldate's reading of the page text; only when no structured source gave a date (it is slow)."""
    if page.tree is None:
        return None
    from htmldate import find_date  # imported here: loading dateparser's data costs time at start-up

    try:
        found = find_date(page.tree, url=page.url, original_date=True, extensive_search=True,
                          outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate raises assorted errors on odd markup; no date is the answer then
        return None
    if not found:
        return None
    value = datetime.fromisoformat(found)
    return Moment(value, value.time() != datetime.min.time())


def best(moments: list[Moment]) -> Moment | None:
    """The first moment, completed from later ones of the same day: a time of day, then an offset."""
    if not moments:
        return None
    first = moments[0]
    if not first.has_time:
        timed = next((m for m in moments[1:] if m.has_time and m.value.date() == first.value.date()), None)
        if timed is not None:
            first = timed
    if first.has_time and first.value.tzinfo is None:
        wall = first.value.replace(second=0, microsecond=0)
        for other in moments:
            if other.has_time and other.value.tzinfo is not None and \
                    other.value.replace(tzinfo=None, second=0, microsecond=0) == wall:
                return Moment(first.value.replace(tzinfo=other.value.tzinfo), True)
    elif first.has_time and first.value.utcoffset() == timedelta(0):
        # the same instant printed elsewhere in the site's own offset reads better and keeps the local day
        for other in moments:
            if other.has_time and other.value.tzinfo is not None and other.value.utcoffset() != timedelta(0) \
                    and other.value == first.value:
                return Moment(first.value.astimezone(other.value.tzinfo), True)
    return first


def page_dates(page: Page, article: dict[str, Any] | None, tz: tzinfo | None = None) -> Dates:
    """Publication and modification dates of the article on the page (ISO 8601; see the module doc)."""
    published = _candidates(page, article, PUBLISHED_META, "datePublished", tz)
    times = [m for v in _time_elements(page) if (m := parse_date(v, tz)) is not None]
    modified = _candidates(page, article, MODIFIED_META, "dateModified", tz)
    url_date = _url_date(page.url) or _title_date(page)
    pool = published + times + ([url_date] if url_date else [])
    chosen = best(pool)
    if chosen is None:
        chosen = _visible_date(page)
    elif not chosen.has_time:  # a date alone: the visible dateline may give the time of day
        visible = _visible_date(page)
        if visible is not None and visible.has_time and visible.value.date() == chosen.value.date():
            chosen = visible
    if chosen is not None and url_date is not None and chosen.value.date() != url_date.value.date() and \
            not published:
        chosen = url_date  # a <time> or dateline that disagrees with the permalink's date is another item's
    changed = best(modified + pool)
    return Dates(chosen.iso() if chosen else None, changed.iso() if changed and modified else None)
