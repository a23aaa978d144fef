"""SiteProfile and Cleaner: what the spider needs to know about one site, and its cleaning rules by version.

A profile owns discovery (feeds, sitemaps, listings, the article URL rule, politeness) and holds the
versions of its cleaning rules, each with the day it was valid until, as fundus keeps parser versions:
``profile.cleaner(at=fetch_time)`` chooses the rules that were valid when a page was fetched, so
re-extraction and crash recovery read ten-year-old captures with the rules written for them, and retiring
a layout adds a cleaner class, not a copy of the whole profile.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from crawler.cleaning import Article
from crawler.cleaning.access import page_access, text_is_partial
from crawler.cleaning.images import article_images, drop_caption_lines
from crawler.cleaning.metadata import main_article_object
from crawler.cleaning.page import Page
from crawler.discovery.urls import canonicalize


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
    render: ClassVar[str] = "auto"  # a browser for pages built by script: never, auto (when needed), always
    resources: ClassVar[str] = "page"  # page: archive what each article page needs to render; none: its HTML only
    fallback_to_generic: ClassVar[bool] = True  # the generic cleaner stands in where these rules miss an article
    # the versions of the site's cleaning rules, oldest first; every one but the last has valid_until
    cleaners: ClassVar[tuple[type[Cleaner], ...]] = ()
    cleaner_version: ClassVar[str]  # the current cleaner's version (set from ``cleaners``)

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Rule versions are checked when the profile is defined: a mistake fails at import, not mid-crawl."""
        super().__init_subclass__(**kwargs)
        if not cls.cleaners:
            return
        *retired, current = cls.cleaners
        if current.valid_until is not None:
            raise TypeError(f"{cls.__name__}: the last cleaner ({current.version}) is the current one and has "
                            "no valid_until")
        days = [c.valid_until for c in retired]
        if any(day is None for day in days):
            raise TypeError(f"{cls.__name__}: every cleaner but the last needs valid_until")
        if days != sorted(set(days)):  # type: ignore[type-var]  # None ruled out above
            raise TypeError(f"{cls.__name__}: cleaners must be oldest first, with distinct valid_until days")
        cls.cleaner_version = current.version

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

    def canonical_of(self, page: Page) -> str:
        """The article's one URL: the page's canonical link when it points to this site, else its own URL."""
        link = page.canonical_link
        return self.canonical(link if link and self.on_site(link) else page.url)

    def cleaner(self, at: str | datetime | None = None) -> Cleaner:
        """The rules valid at fetch time ``at`` (ISO 8601 or a datetime; None: now): the first version whose
        ``valid_until`` is after that day, else the current one."""
        if at is not None:
            day = (datetime.fromisoformat(at) if isinstance(at, str) else at).date()
            for version in self.cleaners[:-1]:
                if version.valid_until is not None and day < version.valid_until:
                    return version(self)
        return self.cleaners[-1](self)

    def clean(self, html: bytes | str | Page, url: str, content_type: str | None = None, *,
              at: str | datetime | None = None) -> Article | None:
        """The article of a page by the rules valid at fetch time ``at`` (see ``Cleaner.clean``)."""
        return self.cleaner(at).clean(html, url, content_type)


class Cleaner:
    """One version of a site's cleaning rules. Subclasses set ``version`` (and ``valid_until`` once retired)
    and implement ``extract_page``; ``self.profile`` is the site profile, bound to its origin."""

    version: ClassVar[str]
    valid_until: ClassVar[date | None] = None  # set on retired rules: the day the site's next layout began
    source_names: ClassVar[tuple[str, ...]] = ()  # bare "source" lines that are chrome in the body

    def __init__(self, profile: SiteProfile) -> None:
        self.profile = profile

    def clean(self, html: bytes | str | Page, url: str, content_type: str | None = None) -> Article | None:
        """Extract the article of a page; None when the page is not an article. Pure: no I/O.

        ``html`` is the body's bytes, its decoded text or an already parsed ``Page``; bytes are decoded
        with ``content_type`` (the HTTP header) as a browser would, so a live response and its WARC record
        give the same result. An article whose encoding had to be guessed is flagged ``encoding_guessed``,
        one read from the first MAX_PAGE_BYTES of a larger page ``body_truncated``.
        """
        page = Page.of(html, url, content_type)
        if page is None:
            return None
        article = self.extract_page(page)
        if article is not None:
            article.cleaner = article.cleaner or self.version
            if not article.images:
                article.images = article_images(page, article.paragraphs)
            article.paragraphs = drop_caption_lines(article.paragraphs, article.images)
            described = main_article_object(page)
            article.access = page_access(page, described, article.paragraphs)
            if article.access == "paywalled" and "partial" not in article.flags and \
                    text_is_partial(page, described, article.paragraphs):
                article.flags.append("partial")  # the text is the teaser a paywall leaves
            for flag, applies in (("encoding_guessed", page.encoding_guessed), ("body_truncated", page.truncated)):
                if applies and flag not in article.flags:
                    article.flags.append(flag)
        return article

    def extract_page(self, page: Page) -> Article | None:
        """The article of a parsed page (its lxml tree, meta tags and JSON-LD), or None for a page that is
        not one. Cleaners implement it with the helpers in ``crawler.cleaning``."""
        raise NotImplementedError
