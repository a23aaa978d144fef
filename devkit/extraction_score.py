"""Scoring an extractor on the two development sets of real article pages (tests/fixtures/).

- extraction-dev: 91 pages with their bodies written by people, half of the Article Extraction Benchmark by
  Scrapinghub (MIT licence). Body only.
- metadata-dev: 130 pages of 90 publishers with what each publisher's hand-written fundus parser extracts
  (MIT licence): title, publication date, authors and body.

The body score is the Article Extraction Benchmark's own: each text becomes a multiset of 4-token shingles
over lower-cased ``\\w+`` tokens; per page, true positives, false positives and false negatives are
normalised to sum to 1, so long pages do not weigh more; precision, recall and F1 come from those fractions
summed over the pages. Metadata follows metadata-dev/README.md: texts compared in NFC without format
characters; title exact after whitespace is collapsed; publication day and minute (instants when both
sides have an offset, wall-clock times otherwise; a date alone can match the day, never the minute);
authors as the mean set F1 of case-folded names over pages whose truth has authors. A page the extractor
rejects counts as empty output.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.cleaning import Article
from crawler.cleaning.decode import decode_page
from crawler.cleaning.extraction import extract
from crawler.cleaning.page import Page

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"  # the pages and their truth
DEV_SET = FIXTURES / "extraction-dev"
DETECTION_SET = FIXTURES / "detection"  # plain articles and non-articles of real kinds, written here
METADATA_SET = FIXTURES / "metadata-dev"
HTML_UTF8 = "text/html; charset=utf-8"  # how metadata-dev/README.md says to treat its bytes

Extractor = Callable[[bytes, str], Article | None]


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    pages: int
    rejected: list[str] = field(default_factory=list)  # pages the extractor said were not articles
    pages_per_second: float = 0.0
    per_page: dict[str, float] = field(default_factory=dict)  # body F1 per page id


@dataclass
class MetadataScore:
    body: Score
    title_exact: float
    title_f1: float
    day: float
    minute: float
    authors_f1: float
    misses: dict[str, list[str]] = field(default_factory=dict)  # figure -> page ids it missed


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(0, len(tokens) - 3)))


def generic_extractor(html: bytes, url: str) -> Article | None:
    """The product's public entry point, as a researcher would call it, on a page served as UTF-8."""
    return extract(html, url, HTML_UTF8)


class _BodyTally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0.0
        self.per_page: dict[str, float] = {}

    def add(self, page_id: str, got_text: str, want_text: str) -> None:
        got, want = shingles(got_text), shingles(want_text)
        common = sum((got & want).values())
        extra, missing = sum(got.values()) - common, sum(want.values()) - common
        total = common + extra + missing
        if total:
            self.tp, self.fp, self.fn = self.tp + common / total, self.fp + extra / total, self.fn + missing / total
            self.per_page[page_id] = 2 * common / (2 * common + extra + missing)

    def score(self, pages: int, rejected: list[str], seconds: float) -> Score:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Score(precision, recall, f1, pages, rejected, pages / seconds if seconds else 0.0, self.per_page)


def extraction_pages(dev_set: Path = DEV_SET) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    truth = json.loads((dev_set / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id, item in truth.items():
        yield page_id, gzip.decompress((dev_set / "html" / f"{page_id}.html.gz").read_bytes()), item


def metadata_pages(dev_set: Path = METADATA_SET) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    for line in (dev_set / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        yield item["id"], gzip.decompress((dev_set / "html" / f"{item['id']}.html.gz").read_bytes()), item


def _timed(extractor: Extractor, pages: list[tuple[str, bytes, dict[str, Any]]]) -> tuple[list[Article | None], float]:
    started = time.perf_counter()
    results = [extractor(html, item["url"]) for _, html, item in pages]
    return results, time.perf_counter() - started


def score(extractor: Extractor = generic_extractor, dev_set: Path = DEV_SET) -> Score:
    """Body precision, recall and F1 on the extraction development set."""
    pages = list(extraction_pages(dev_set))
    results, seconds = _timed(extractor, pages)
    tally, rejected = _BodyTally(), []
    for (page_id, _, item), article in zip(pages, results, strict=True):
        if article is None:
            rejected.append(item["url"])
        tally.add(page_id, article.text if article else "", item["articleBody"])
    return tally.score(len(pages), rejected, seconds)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


def _moment(value: str | None) -> tuple[datetime | None, bool]:
    """A parsed ISO 8601 value and whether it carries a time of day."""
    if not value:
        return None, False
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")), "T" in value or " " in value.strip()
    except ValueError:
        return None, False


def same_day_and_minute(got: str | None, want: str | None) -> tuple[bool, bool]:
    g, g_time = _moment(got)
    w, w_time = _moment(want)
    if g is None or w is None:
        return False, False
    if g.tzinfo is not None and w.tzinfo is not None:
        g = g.astimezone(w.tzinfo)
    else:
        g, w = g.replace(tzinfo=None), w.replace(tzinfo=None)
    return g.date() == w.date(), g_time and w_time and g.replace(second=0, microsecond=0) == w.replace(
        second=0, microsecond=0)


def _names(names: list[str]) -> set[str]:
    return {normalize(n).casefold() for n in names if normalize(n)}


def set_f1(got: set[str], want: set[str]) -> float:
    if not got and not want:
        return 1.0
    common = len(got & want)
    return 2 * common / (len(got) + len(want)) if common else 0.0


def token_f1(got: str, want: str) -> float:
    g, w = Counter(re.findall(r"\w+", got.lower())), Counter(re.findall(r"\w+", want.lower()))
    common = sum((g & w).values())
    return 2 * common / (sum(g.values()) + sum(w.values())) if common else 0.0


def score_metadata(extractor: Extractor = generic_extractor, dev_set: Path = METADATA_SET) -> MetadataScore:
    """Body, title, publication date and authors on the metadata development set."""
    pages = list(metadata_pages(dev_set))
    results, seconds = _timed(extractor, pages)
    tally, rejected = _BodyTally(), []
    title_exact = title_f1 = day = minute = 0.0
    author_scores: list[float] = []
    misses: dict[str, list[str]] = {"title": [], "day": [], "minute": [], "authors": []}
    for (page_id, _, item), article in zip(pages, results, strict=True):
        if article is None:
            rejected.append(item["url"])
        tally.add(page_id, normalize(article.text) if article else "", normalize(item["body"]))
        title = normalize(article.title) if article else ""
        exact = title == normalize(item["title"])
        title_exact += exact
        title_f1 += token_f1(title, normalize(item["title"]))
        same_day, same_minute = same_day_and_minute(article.published if article else None, item["published"])
        day, minute = day + same_day, minute + same_minute
        for figure, ok in (("title", exact), ("day", same_day), ("minute", same_minute)):
            if not ok:
                misses[figure].append(page_id)
        if item["authors"]:
            f1 = set_f1(_names(article.authors if article else []), _names(item["authors"]))
            author_scores.append(f1)
            if f1 < 1:
                misses["authors"].append(page_id)
    n = len(pages)
    return MetadataScore(tally.score(n, rejected, seconds), title_exact / n, title_f1 / n, day / n, minute / n,
                         sum(author_scores) / len(author_scores) if author_scores else 0.0, misses)


@dataclass
class Confusion:
    """Article detection: every dev page is an article; every non-article page of the replica is not."""

    true_positive: int
    false_negative: int
    true_negative: int
    false_positive: int
    missed: list[str] = field(default_factory=list)  # articles taken for something else
    mistaken: list[str] = field(default_factory=list)  # non-articles taken for articles


def replica_non_articles(base: str = "http://127.0.0.1:8000") -> list[tuple[str, bytes]]:
    """Listing, day-archive, category, tag, author, static, 404 and attachment pages of the replica."""
    from replica import render
    from replica.server import ReplicaSite

    site = ReplicaSite(base)
    articles = {unquote(p.path) for p in site.posts} | {unquote(p.path) + "amp/" for p in site.posts}
    pages = [(base + path, page.body) for path, page in site.pages.items()
             if page.status == 200 and "html" in page.content_type and unquote(path) not in articles]
    pages.append((base + "/missing/", site.not_found.body))
    pages += [(f"{base}/?attachment_id={i}", render.attachment_page(i, base).encode()) for i in (1, 2, 3)]
    return pages


def detection_confusion(extractor: Extractor = generic_extractor) -> Confusion:
    positives = [(item["url"], html) for _, html, item in [*extraction_pages(), *metadata_pages()]]
    missed = [url for url, html in positives if extractor(html, url) is None]
    mistaken = [url for url, html in replica_non_articles() if extractor(html, url) is not None]
    negatives = len(replica_non_articles())
    return Confusion(len(positives) - len(missed), len(missed), negatives - len(mistaken), len(mistaken), missed,
                     mistaken)


# what a page says of itself for machines: JSON-LD, Open Graph's type and article:* tags, date meta tags,
# microdata. Without them a page shows what a small site without an SEO plugin shows: markup and prose.
NEWS_METADATA_RES = (
    re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<meta\b[^>]*(?:property|name|itemprop)\s*=\s*[\"']?(?:og:type|article:[\w:]+|[\w.:-]*(?:date|time)"
               r"[\w.:-]*)[\"'\s>][^>]*>", re.IGNORECASE),
    re.compile(r"\s(?:itemtype|itemprop|itemscope)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.IGNORECASE),
)
PLAIN_URL = "/story?id=123"  # a URL that says nothing: no slug, no date, no long id


def without_news_metadata(html: bytes) -> bytes:
    """The page with every machine-readable statement of being an article removed, the rest as it was."""
    text = decode_page(html, HTML_UTF8).text
    for pattern in NEWS_METADATA_RES:
        text = pattern.sub("", text)
    return text.encode("utf-8")


def plain_url(url: str) -> str:
    """The page's origin with a path that says nothing about what the page is."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{PLAIN_URL}"


@dataclass
class Detection:
    """Article detection on one set: pages refused although they are articles, pages taken for articles
    although they are not, and the body score on the articles."""

    articles: int
    non_articles: int
    refused: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    body: Score | None = None


def detection_pages(dev_set: Path = DETECTION_SET) -> Iterator[tuple[dict[str, Any], bytes]]:
    for item in json.loads((dev_set / "truth.json").read_text(encoding="utf-8")):
        yield item, (dev_set / "pages" / item["page"]).read_bytes()


def score_detection(extractor: Extractor = generic_extractor, dev_set: Path = DETECTION_SET) -> Detection:
    """Detection and body F1 on the plain pages of tests/fixtures/detection/ (truth written by hand)."""
    pages = list(detection_pages(dev_set))
    results, seconds = _timed(extractor, [(item["page"], html, item) for item, html in pages])
    tally, refused, accepted = _BodyTally(), [], []
    for (item, _), article in zip(pages, results, strict=True):
        if item["article"]:
            if article is None:
                refused.append(item["page"])
            tally.add(item["page"], article.text if article else "", "\n\n".join(item["body"]))
        elif article is not None:
            accepted.append(item["page"])
    articles = sum(1 for item, _ in pages if item["article"])
    return Detection(articles, len(pages) - articles, refused, accepted, tally.score(articles, refused, seconds))


def dev_sets_refused(extractor: Extractor = generic_extractor, *, metadata: bool = True,
                     at_plain_url: bool = False) -> Detection:
    """The real article pages of both dev sets that detection refuses: as published, without their news
    metadata, or without it at a URL that says nothing (what a small site without an SEO plugin shows)."""
    pages = [(item["url"], html) for _, html, item in [*extraction_pages(), *metadata_pages()]]
    refused = []
    for url, html in pages:
        body = html if metadata else without_news_metadata(html)
        if extractor(body, plain_url(url) if at_plain_url else url) is None:
            refused.append(url)
    return Detection(len(pages), 0, refused)


# -- images ------------------------------------------------------------------------------------------------

@dataclass
class ImageScore:
    """Over the pages whose truth lists images: the lead image found, the mean set F1 of the images, the
    mean token F1 of the captions of the images both sides found (where the truth has a caption), and the
    body paragraphs that are a caption or a credit of the truth."""

    pages: int
    lead_found: float
    set_f1: float
    caption_f1: float
    captions_scored: int
    leaks: list[str] = field(default_factory=list)  # page id: the paragraph of the body that is a caption
    misses: dict[str, list[str]] = field(default_factory=dict)


ImageExtractor = Callable[[bytes, str], tuple[list[dict[str, Any]], str] | None]  # images (lead first), body


def product_images(html: bytes, url: str) -> tuple[list[dict[str, Any]], str] | None:
    """The product's images and body for a page (``crawler.extract``)."""
    article = extract(html, url, HTML_UTF8)
    return None if article is None else ([i.to_dict() for i in article.images], article.text)


def _leaked(body: str, truth: list[dict[str, Any]], kept: set[str] = frozenset()) -> str | None:  # type: ignore[assignment]
    """A body paragraph that is a caption (20 characters or more) or a credit line of the truth's images,
    unless it is one of ``kept`` (paragraphs of the truth's own body, the page's description): text the
    article has apart from its pictures."""
    captions = {normalize(i.get("caption") or "").casefold() for i in truth} - {""} - kept
    captions = {c for c in captions if len(c) >= 20}
    credits = {normalize(c).casefold() for i in truth for c in i.get("credit") or [] if len(normalize(c)) >= 3}
    for paragraph in body.split("\n"):
        line = normalize(paragraph).casefold()
        if not line or line in kept:
            continue
        bare = re.sub(r"^(?:\(?(?:photos?|fotos?|bild|images?|credit|copyright|quelle|source)\s*:|©)\s*", "",
                      line).strip(" ()")
        if any(line.startswith(c) for c in captions) or bare in credits:
            return paragraph
    return None


def score_images(extractor: ImageExtractor = product_images, dev_set: Path = METADATA_SET) -> ImageScore:
    """Lead image, image set and captions on the metadata set's pages with ``images``, matched by
    ``crawler.cleaning.images.image_key`` (see its docstring for the rule)."""
    from crawler.cleaning.images import image_key

    pages = [p for p in metadata_pages(dev_set) if "images" in p[2]]
    lead = set_total = caption_total = 0.0
    captions_scored = 0
    leaks: list[str] = []
    misses: dict[str, list[str]] = {"lead": [], "set": []}
    for page_id, html, item in pages:
        truth = item["images"]
        result = extractor(html, item["url"])
        got, body = result if result is not None else ([], "")
        covers = {image_key(i["url"]) for i in truth if i.get("cover")}
        if got and got[0].get("lead", True) and image_key(got[0]["url"]) in covers:
            lead += 1
        elif covers:
            misses["lead"].append(page_id)
        want_keys = [image_key(i["url"]) for i in truth]
        unmatched = list(want_keys)
        common = 0
        for image in got:
            key = image_key(image["url"])
            if key in unmatched:
                unmatched.remove(key)
                common += 1
                want = truth[want_keys.index(key)]
                if normalize(want.get("caption") or ""):
                    caption_total += token_f1(normalize(image.get("caption") or ""), normalize(want["caption"]))
                    captions_scored += 1
        f1 = 2 * common / (len(got) + len(truth)) if got or truth else 1.0
        set_total += f1
        if f1 < 1:
            misses["set"].append(page_id)
        page = Page.from_bytes(html, item["url"], HTML_UTF8)
        kept = {normalize(p).casefold() for p in item["body"].split("\n") if p.strip()}
        kept |= {normalize(d).casefold() for d in (page.meta("description"), page.meta("og:description")) if d}
        leak = _leaked(body, truth, kept)
        if leak:
            leaks.append(f"{page_id}: {leak[:80]}")
    n = len(pages)
    return ImageScore(n, lead / n, set_total / n, caption_total / captions_scored if captions_scored else 0.0,
                      captions_scored, leaks, misses)
