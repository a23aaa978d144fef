"""An rki.news cleaner that does not know Urdu pages are articles, for the re-extraction test."""

from __future__ import annotations

from crawler.cleaning import Article
from crawler.cleaning.page import Page
from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile


class NoUrduRkiNewsCleaner(RkiNewsCleaner):
    version = "rki_news/0-no-urdu"

    def extract_page(self, page: Page) -> Article | None:
        article = super().extract_page(page)
        return None if article is not None and article.language == "ur" else article


class NoUrduRkiNewsProfile(RkiNewsProfile):
    id = "rki_news"
    cleaners = (NoUrduRkiNewsCleaner,)
    fallback_to_generic = False  # what it rejects stays rejected, as cleaners before the fallback did
