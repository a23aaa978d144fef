"""The result of cleaning one page: the article's fields, before provenance is attached."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from crawler.cleaning.text import join_paragraphs

Access = Literal["free", "paywalled", "unknown"]


@dataclass
class Image:
    """One image of an article (crawler/cleaning/images.py): ``url`` its largest version, ``lead`` for the
    article's main picture."""

    url: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    lead: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Article:
    """What a cleaner extracts from an article page; ``None`` instead of an Article means "not an article"."""

    title: str
    canonical_url: str
    paragraphs: list[str]
    published: str | None = None
    modified: str | None = None
    document_date: str | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    language: str | None = None
    declared_language: str | None = None  # what <html lang> or the page's metadata says, when it says
    cleaner: str = ""  # the cleaner version that made it, e.g. "rki_news/2" or "generic/7 (fallback of ...)"
    fallback: bool = False  # made by the generic cleaner because the site's own rules missed the page
    flags: list[str] = field(default_factory=list)  # e.g. "encoding_guessed"
    images: list[Image] = field(default_factory=list)  # the lead image first
    access: Access = "unknown"  # free, paywalled (the text is a teaser: flagged "partial") or unknown

    @property
    def text(self) -> str:
        return join_paragraphs(self.paragraphs)
