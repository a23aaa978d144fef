"""rki.news: a WordPress news site (Newspaper-style theme) with a metadata block printed inside the body."""

from __future__ import annotations

import copy
import re
from datetime import timedelta, timezone
from typing import ClassVar
from urllib.parse import urlsplit

from crawler.cleaning import Article
from crawler.cleaning.authors import json_ld_names
from crawler.cleaning.chrome import drop_elements, is_chrome_line
from crawler.cleaning.metadata import iso, main_article_object, parse_category_line, parse_document_date
from crawler.cleaning.page import Page
from crawler.cleaning.text import block_paragraphs, element_text
from crawler.sites.base import Cleaner, SiteProfile


class RkiNewsCleaner(Cleaner):
    """The rules for the Newspaper-style theme the site has used since it began (and its AMP variant)."""

    version = "rki_news/2"  # 2: images, access, caption and credit lines out of the body (crawler/sites/base.py)
    source_names: ClassVar[tuple[str, ...]] = ("rki.news",)
    body_selector = "div.td-post-content"
    amp_body_selector = "div.amp-wp-article-content"  # PERMALINK/amp/, the WordPress AMP plugin's template
    amp_title_selector = "h1.amp-wp-title"
    title_selector = "h1.entry-title"
    author_selector = "div.td-post-author-name a, span.amp-wp-author"
    category_selector = "ul.td-category a"
    date_selector = "span.td-post-date time[datetime], div.amp-wp-posted-on time[datetime]"
    # chrome inside the body container; the generic vocabulary in cleaning.chrome catches the rest
    body_chrome = ("div.td-a-rec", "blockquote.td_quote", "div.sharedaddy", "div#jp-relatedposts",
                   "figure", "div.wp-caption")

    def extract_page(self, page: Page) -> Article | None:
        classes = page.body_classes
        if "amp-wp-template" in classes:  # the AMP variant: same text and block, other chrome
            body, title_tag = page.select_one(self.amp_body_selector), page.select_one(self.amp_title_selector)
        elif "single-post" in classes:
            body, title_tag = page.select_one(self.body_selector), page.select_one(self.title_selector)
        else:
            return None  # pages, archives, 404s: not articles
        if body is None or title_tag is None:
            return None
        ld = main_article_object(page) or {}
        published = iso(page.meta("article:published_time")) or iso(ld.get("datePublished"))
        time_tag = page.select_one(self.date_selector)
        if published is None and time_tag is not None:
            published = iso(time_tag.get("datetime"), self.profile.timezone)
        modified = iso(page.meta("article:modified_time")) or iso(ld.get("dateModified"))
        authors = [element_text(a) for a in page.select(self.author_selector)] or json_ld_names(page, ld)
        categories = [element_text(a) for a in page.select(self.category_selector)]
        body = copy.deepcopy(body)  # the chrome is dropped from a copy: the page stays whole for a fallback
        drop_elements(body, self.body_chrome)
        paragraphs, document_date = [], None
        for text in block_paragraphs(body):
            if (cats := parse_category_line(text)) is not None:
                categories = cats  # the block's order is the site's own grouping
            elif (when := parse_document_date(text, self.profile.timezone)) is not None:
                document_date = when
            elif not is_chrome_line(text, self.source_names):
                paragraphs.append(text)
        if not paragraphs:
            return None
        return Article(
            title=element_text(title_tag),
            canonical_url=self.profile.canonical_of(page),
            paragraphs=paragraphs,
            published=published,
            modified=modified or document_date,
            document_date=document_date,
            authors=authors,
            categories=categories or [str(s) for s in ld.get("articleSection", [])],
            language=page.html_lang,
        )


class RkiNewsProfile(SiteProfile):
    id = "rki_news"
    name = "rki.news"
    home = "https://rki.news"
    feeds = ("/feed/",)
    sitemaps = ("/wp-sitemap.xml",)
    listings = ("/",)
    listing_path = re.compile(r"^/(category/[^/]+/(?:[^/]+/)?)?(page/\d+/)?$")
    article_path = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/$")
    download_delay = 2.0
    concurrency = 2
    timezone = timezone(timedelta(hours=5))  # Asia/Karachi, no DST
    cleaners: ClassVar[tuple[type[Cleaner], ...]] = (RkiNewsCleaner,)

    shortlink_query = re.compile(r"^p=\d+$")  # WordPress /?p=ID, answered with a 301 to the permalink

    def is_shortlink(self, url: str) -> bool:
        parts = urlsplit(url)
        return self.on_site(url) and parts.path == "/" and bool(self.shortlink_query.match(parts.query))

    def is_article_url(self, url: str) -> bool:
        return self.is_shortlink(url) or super().is_article_url(url)
