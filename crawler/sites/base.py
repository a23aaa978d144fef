"""SiteProfile: what the spider and the cleaner need to know about one site."""

from __future__ import annotations

import re
from datetime import date, timedelta, timezone, tzinfo
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from crawler.cleaning import Article
from crawler.cleaning.page import Page
from crawler.urls import canonicalize


class SiteProfile:
    """Discovery sources, article URL rule and cleaning rules of a site; subclasses set the class attributes.

    An instance is bound to an origin: the real site's by default, or another one (the local replica)
    given as ``base_url``; paths in the class attributes are resolved against it.
    """

    id: ClassVar[str]  # registry key and file name, e.g. "rki_news"
    name: ClassVar[str]  # what users type: "rki.news"
    home: ClassVar[str]  # the real origin, e.g. "https://rki.news"
    feeds: ClassVar[tuple[str, ...]] = ()
    sitemaps: ClassVar[tuple[str, ...]] = ()
    listings: ClassVar[tuple[str, ...]] = ("/",)
    listing_path: ClassVar[re.Pattern[str]] = re.compile(r"^/$")
    article_path: ClassVar[re.Pattern[str]] = re.compile(r".")
    max_listing_pages: ClassVar[int] = 30  # how deep to page through each listing on a first run
    incremental_listing_pages: ClassVar[int] = 2  # and once the archive has the site: new posts are on top
    recheck_hours: ClassVar[float] = 72.0  # articles published this recently are fetched again for edits
    download_delay: ClassVar[float] = 2.0  # seconds between requests to the site (AutoThrottle's floor)
    concurrency: ClassVar[int] = 2  # parallel requests to the site
    timezone: ClassVar[tzinfo] = timezone(timedelta(0))  # the site's local time, for dates printed without offset
    cleaner_version: ClassVar[str] = "1"
    valid_until: ClassVar[date | None] = None  # set on retired rules: the day the site's next layout began
    fallback_to_generic: ClassVar[bool] = True  # the generic cleaner stands in where these rules miss an article
    source_names: ClassVar[tuple[str, ...]] = ()  # bare "source" lines that are chrome in the body

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or self.home).rstrip("/")

    @property
    def site_name(self) -> str:
        """The ``site`` of this profile's snippets and runs."""
        return self.name

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def on_site(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() == self.host

    def is_article_url(self, url: str) -> bool:
        return self.on_site(url) and bool(self.article_path.search(urlsplit(url).path))

    def is_shortlink(self, url: str) -> bool:
        """A URL that only redirects to an article's permalink (WordPress ``/?p=ID``)."""
        return False

    def is_listing_url(self, url: str) -> bool:
        return self.on_site(url) and bool(self.listing_path.search(urlsplit(url).path)) and not urlsplit(url).query

    def canonical(self, url: str) -> str:
        return canonicalize(url)

    def clean(self, html: bytes | str | Page, url: str, content_type: str | None = None) -> Article | None:
        """Extract the article of a page; None when the page is not an article. Pure: no I/O.

        ``html`` is the body's bytes, its decoded text or an already parsed ``Page``; bytes are decoded
        with ``content_type`` (the HTTP header) as a browser would, so a live response and its WARC record
        give the same result. An article whose encoding had to be guessed is flagged ``encoding_guessed``.
        """
        page = Page.of(html, url, content_type)
        if page is None:
            return None
        article = self.extract_page(page)
        if article is not None:
            article.cleaner = article.cleaner or self.cleaner_version
            if page.encoding_guessed and "encoding_guessed" not in article.flags:
                article.flags.append("encoding_guessed")
        return article

    def extract_page(self, page: Page) -> Article | None:
        """The article of a parsed page (its lxml tree, meta tags and JSON-LD), or None for a page that is
        not one. Profiles implement it with the helpers in ``crawler.cleaning``."""
        raise NotImplementedError
