"""The fallback profile for sites without one: same-host link discovery and a heuristic cleaner."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from crawler.cleaning import Article
from crawler.cleaning.chrome import drop_elements, is_chrome_line
from crawler.cleaning.main_text import main_text_paragraphs
from crawler.cleaning.metadata import (
    canonical_link,
    html_language,
    is_article_page,
    iso,
    json_ld_articles,
    json_ld_authors,
    meta,
)
from crawler.cleaning.text import block_paragraphs, element_text
from crawler.sites.base import SiteProfile

MIN_PARAGRAPH_CHARS = 40  # shorter blocks outside the main container are usually labels or teasers
BODY_CANDIDATES = ("[itemprop=articleBody]", ".entry-content", ".post-content", ".article-body",
                   ".td-post-content", "article", "main")


def _text_weight(tag: Tag) -> int:
    return sum(len(p.get_text()) for p in tag.find_all("p"))


MAX_TITLE = 300  # characters; no headline is longer


class GenericProfile(SiteProfile):
    """Bound to the origin of the start URL; everything on that host is followed, articles are detected."""

    id = "generic"
    name = "generic"
    home = ""
    listing_path = re.compile(r".")  # every page may lead to articles
    article_path = re.compile(r".")
    max_listing_pages = 2000  # a bound on pages fetched for discovery
    cleaner_version = "generic/2"  # 2: trafilatura for the main text

    @property
    def site_name(self) -> str:
        """The host name, so that snippets of different unprofiled sites stay apart."""
        return (urlsplit(self.base_url).hostname or "generic").removeprefix("www.")

    def is_listing_url(self, url: str) -> bool:
        return self.on_site(url)

    @staticmethod
    def _paragraphs(soup: BeautifulSoup, url: str, html: str) -> list[str]:
        """trafilatura's main text; the container heuristic when it finds none."""
        found = main_text_paragraphs(html, url) if html else None
        if found:
            return found
        body = next((t for sel in BODY_CANDIDATES for t in soup.select(sel) if _text_weight(t) > 0), None)
        if body is None:
            candidates = [t for t in soup.find_all(["div", "section"]) if isinstance(t, Tag)]
            body = max(candidates, key=_text_weight, default=None)
        if body is None:
            return []
        drop_elements(body, ("figure", "blockquote"))
        return block_paragraphs(body)

    def extract(self, soup: BeautifulSoup, url: str, html: str = "") -> Article | None:
        if not is_article_page(soup):
            return None
        ld = (json_ld_articles(soup) or [{}])[0]
        names = [n for n in (self.host, self.host.removeprefix("www."), meta(soup, "og:site_name")) if n]
        paragraphs = self._paragraphs(soup, url, html)
        # a bare line naming the site (its host or og:site_name) is a source tag, not body text
        paragraphs = [p for p in paragraphs if not is_chrome_line(p, names)]
        title_tag = soup.find("h1")
        heading = element_text(title_tag) if isinstance(title_tag, Tag) else ""
        if len(heading) > MAX_TITLE or (paragraphs and paragraphs[0][:60] in heading):
            heading = ""  # an <h1> left open swallows the page: trust the declared title instead
        page_title = element_text(soup.title) if isinstance(soup.title, Tag) else ""
        title = heading or meta(soup, "og:title") or str(ld.get("headline") or "") or page_title[:MAX_TITLE]
        if not paragraphs or not title:
            return None
        authors = json_ld_authors(ld) or ([a] if (a := meta(soup, "author")) else [])
        sections = ld.get("articleSection", [])
        canonical = canonical_link(soup, url)
        return Article(
            title=title,
            canonical_url=self.canonical(canonical if canonical and self.on_site(canonical) else url),
            paragraphs=paragraphs,
            published=iso(meta(soup, "article:published_time")) or iso(ld.get("datePublished")),
            modified=iso(meta(soup, "article:modified_time")) or iso(ld.get("dateModified")),
            authors=authors,
            categories=[sections] if isinstance(sections, str) else [str(s) for s in sections],
            language=html_language(soup),
        )
