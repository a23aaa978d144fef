"""The snippet: the one schema shared by the crawler that writes snippets and everyone who reads them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

WORD_RE = re.compile(r"\w+(?:[’'-]\w+)*")


def word_count(text: str) -> int:
    """Words as runs of letters/digits, so "Rostov’s" and "Secretary-General" count once."""
    return len(WORD_RE.findall(text))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Snippet:
    """One normalised article version with a pointer to the WARC response record it came from."""

    url: str
    canonical_url: str
    site: str
    title: str
    published: str | None  # ISO 8601 with offset
    modified: str | None
    document_date: str | None  # rki.news prints it inside the body; equal to `modified` there
    authors: list[str]
    categories: list[str]
    language: str | None
    text: str  # NFC, whitespace collapsed, paragraphs separated by one blank line
    fetched_at: str  # ISO 8601 UTC
    run_id: str
    cleaner_version: str
    warc_file: str  # file name under DATA/warc/
    warc_offset: int
    warc_length: int
    warc_record_id: str
    payload_digest: str
    declared_language: str | None = None  # what the page declared (<html lang>), when `language` was detected
    flags: list[str] = field(default_factory=list)  # e.g. "encoding_guessed": the text is a best reading
    source: str = "crawl"  # where the version came from: crawl, import (a WARC file) or backfill (a web archive)
    # the article's images, the lead image first: {url, alt, caption, credit, lead} (crawler/cleaning/images.py)
    images: list[dict[str, Any]] = field(default_factory=list)
    access: str = "unknown"  # free, paywalled or unknown (crawler/cleaning/access.py); "partial" in flags: a teaser
    word_count: int = field(default=-1)
    text_sha256: str = field(default="")
    version: int = 0  # assigned by the store: 1 for the first version of a canonical URL
    id: int | None = None  # store row id

    def __post_init__(self) -> None:
        if self.word_count < 0:
            self.word_count = word_count(self.text)
        if not self.text_sha256:
            self.text_sha256 = text_sha256(self.text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snippet:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


SNIPPET_FIELDS = [f.name for f in fields(Snippet)]


@dataclass
class Match(Snippet):
    """A snippet found by a query: with its highlighted fragment and FTS5 rank (bm25, lower is better)."""

    fragment: str = ""
    score: float = 0.0

    @classmethod
    def from_snippet(cls, snippet: Snippet, fragment: str = "", score: float = 0.0) -> Match:
        return cls(**{f.name: getattr(snippet, f.name) for f in fields(Snippet)}, fragment=fragment, score=score)
