"""The one public door from a page's bytes to its article: ``extract(body, url, content_type)``.

It picks the site profile that serves the URL's host (or the generic cleaner), cleans the page, and when a
profile's rules find no article on a page its article-URL rule claims (the site changed its layout), it
falls back to the generic cleaner and says so in ``Article.cleaner``. Researchers with HTML of their own,
the ``newsarchive extract`` command and the benchmarks all come through here; the signature is kept
stable across refactors.
"""

from __future__ import annotations

from datetime import datetime

from crawler.cleaning import Article
from crawler.cleaning.page import Page
from crawler.sites import GenericProfile, SiteProfile, profile_for_url


def clean_with_fallback(profile: SiteProfile, body: bytes | str, url: str, content_type: str | None = None, *,
                        at: str | datetime | None = None) -> Article | None:
    """The article by the profile's rules valid at fetch time ``at`` (None: today's), or the generic
    cleaner's where those rules miss a page the profile claims."""
    page = Page.of(body, url, content_type)
    if page is None:
        return None
    cleaner = profile.cleaner(at)
    article = cleaner.clean(page, url)
    if article is not None or isinstance(profile, GenericProfile) or not profile.fallback_to_generic or \
            not profile.is_article_url(url):
        return article
    generic = GenericProfile(profile.base_url, site_name=profile.site_name, site_tz=profile.timezone)
    article = generic.clean(page, url)
    if article is not None:
        article.cleaner = f"{generic.cleaner_version} (fallback of {cleaner.version})"
        article.fallback = True
    return article


def extract(body: bytes, url: str, content_type: str | None = None) -> Article | None:
    """The cleaned article of one page, or None when the page is not an article.

    ``body`` is the page as served, ``content_type`` the HTTP header (its charset is honoured first, as
    a browser would). The profile for the URL's host is used when there is one, else the generic cleaner.
    """
    return clean_with_fallback(profile_for_url(url), body, url, content_type)
