"""The profile for sites nobody wrote one for: discovery from any site, detection and extraction from evidence.

The cleaner reads one parsed ``Page``: detection scores the page (``cleaning.detect``), trafilatura finds
the main text, and the metadata modules read title, dates, authors and language from every common source.
Measured with ``./run bench extraction`` on both development sets of real pages.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector

from crawler.cleaning import Article
from crawler.cleaning.authors import page_authors
from crawler.cleaning.chrome import drop_teasers, is_chrome_line, link_list
from crawler.cleaning.dates import page_dates
from crawler.cleaning.detect import structural_evidence, text_evidence
from crawler.cleaning.embedded_body import embedded_paragraphs
from crawler.cleaning.language import article_language
from crawler.cleaning.layout import Layout, page_layout
from crawler.cleaning.metadata import main_article_object
from crawler.cleaning.page import Page
from crawler.cleaning.standfirst import standfirst
from crawler.cleaning.text import block_paragraphs, line_paragraphs, normalize_paragraph
from crawler.cleaning.titles import h1_texts, page_title
from crawler.sites.base import Cleaner, SiteProfile

BODY_CANDIDATES = [CSSSelector(s) for s in ("[itemprop~=articleBody]", ".entry-content", ".post-content",
                                             ".article-body", ".article__body", ".story-body", "article", "main")]
FALLBACK_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote")
EMBEDDED_RESCUE_CHARS = 200  # less main text than this: look for the body in the page's data as well ...
EMBEDDED_SHARE = 0.9  # ... and take it when it has about as much text or more (paragraphs kept apart)
HOPELESS = -1.0  # a structural score this low is not worth extracting text for (site roots, tag pages ...)


def _container_paragraphs(page: Page, layout: Layout | None) -> list[str]:
    """Blocks of the most likely body container: when trafilatura finds nothing at all. The container of
    the page's largest block of prose comes first: an old page's text between <br>s in a table cell."""
    if page.tree is None:
        return []
    if layout is not None and layout.has_prose and layout.prose_container is not None:
        found = line_paragraphs(layout.prose_container)
        if not link_list(found, page.tree):  # paragraphs that are each a link: a list of stories
            return found
    for selector in BODY_CANDIDATES:
        for element in selector(page.tree):
            found = block_paragraphs(element, FALLBACK_BLOCKS)
            if found and not link_list(found, page.tree):
                return found
    return []


def _categories(page: Page, article: dict[str, Any] | None) -> list[str]:
    section = (article or {}).get("articleSection")
    values = section if isinstance(section, list) else [section] if section else []
    values += page.metas.get("article:section", [])
    return list(dict.fromkeys(normalize_paragraph(str(v)) for v in values if isinstance(v, str) and v.strip()))


class GenericCleaner(Cleaner):
    """Detection from evidence, trafilatura's main text with this project's rescues, metadata from every
    common source."""

    version = "generic/7"  # 7: no body made of the page's link texts; 6: images, access, caption and credit lines out
    # of the body; 5: detection by layout, datelines standing alone dropped; 4: standfirst, scoped main text without
    # chrome boxes, read-more boxes, ruby
    profile: GenericProfile

    def extract_page(self, page: Page) -> Article | None:
        # trafilatura loads where pages are cleaned (the cleaning processes preload it), not in every process
        # that only picks a profile: an import's own process, which hands its pages to the workers
        from crawler.cleaning.main_text import main_text_paragraphs

        layout = page_layout(page)
        evidence = structural_evidence(page, layout)
        if evidence.score <= HOPELESS or page.tree is None:
            return None
        article = main_article_object(page)
        paragraphs = main_text_paragraphs(page.tree, page.url, page.paragraph_texts) or []
        found = sum(len(p) for p in paragraphs)
        if found < EMBEDDED_RESCUE_CHARS or len(paragraphs) == 1:  # a client-rendered shell, or one run-on block
            embedded = embedded_paragraphs(page, article, lambda tree: main_text_paragraphs(tree, page.url))
            if sum(len(p) for p in embedded) >= EMBEDDED_SHARE * found:
                paragraphs = embedded or paragraphs
        paragraphs = paragraphs or _container_paragraphs(page, layout)
        names = [n for n in (self.profile.host, self.profile.host.removeprefix("www."), page.meta("og:site_name")) if n]
        paragraphs = [p for p in drop_teasers(paragraphs) if not is_chrome_line(p, names)]
        title = page_title(page, article)
        headlines = {t.casefold() for t in (title, *h1_texts(page))}
        if paragraphs and normalize_paragraph(paragraphs[0]).casefold() in headlines:
            paragraphs = paragraphs[1:]  # the headline repeated at the top of the extracted text
        lead = standfirst(page, paragraphs)
        if lead and not is_chrome_line(lead, names) and lead.casefold() not in headlines:
            paragraphs = [lead, *paragraphs]
        text_evidence(evidence, sum(len(p) for p in paragraphs), layout)
        if not evidence.is_article or not paragraphs or not title:
            return None
        dates = page_dates(page, article, self.profile.site_tz)
        text = "\n\n".join(paragraphs)
        return Article(
            title=title,
            canonical_url=self.profile.canonical_of(page),
            paragraphs=paragraphs,
            published=dates.published,
            modified=dates.modified,
            authors=page_authors(page, article),
            categories=_categories(page, article),
            language=article_language(page.html_lang, text),
            declared_language=page.html_lang,
        )


class GenericProfile(SiteProfile):
    """Bound to the origin of the start URL; everything on that host is followed, articles are detected."""

    id = "generic"
    name = "generic"
    home = ""
    listing_path = re.compile(r".")  # every page may lead to articles
    article_path = re.compile(r".")
    max_listing_pages = 2000  # a bound on pages fetched for discovery
    cleaners: ClassVar[tuple[type[Cleaner], ...]] = (GenericCleaner,)

    def __init__(self, base_url: str | None = None, site_name: str | None = None,
                 site_tz: tzinfo | None = None) -> None:
        super().__init__(base_url)
        self._site_name = site_name  # a profiled site's name when this cleaner stands in for its rules
        self.site_tz = site_tz  # and its time zone, for dates printed without an offset

    @property
    def site_name(self) -> str:
        """The host name, so that snippets of different unprofiled sites stay apart."""
        return self._site_name or (urlsplit(self.base_url).hostname or "generic").removeprefix("www.")

    def is_listing_url(self, url: str) -> bool:
        return self.on_site(url)


__all__ = ["GenericCleaner", "GenericProfile"]
