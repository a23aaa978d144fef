"""The explicit registry of site profiles: a site is crawlable by name once it is listed here.

Profiles outside the package join through ``NEWSARCHIVE_SITE_MODULES`` (comma-separated module names):
every SiteProfile subclass defined in those modules is registered, replacing a built-in one of the same
id. That is how an archive adds its own sites without editing this package.

When a site changes its layout, its old rules are kept as a class with ``valid_until`` set (the date the
new layout went live) and listed in ``RETIRED``: re-extraction and recovery clean a capture with the
rules that were valid when it was fetched, as fundus does, so old records keep being read right.
"""

from __future__ import annotations

import importlib
import inspect
import os
from datetime import date, datetime

from crawler.sites.base import SiteProfile
from crawler.sites.generic import GenericProfile
from crawler.sites.rki_news import RkiNewsProfile

PROFILES: dict[str, type[SiteProfile]] = {p.id: p for p in (RkiNewsProfile,)}
RETIRED: dict[str, list[type[SiteProfile]]] = {}  # id -> earlier rule versions, each with valid_until


def _register(cls: type[SiteProfile]) -> None:
    if cls.valid_until is None:
        PROFILES[cls.id] = cls
    else:
        RETIRED.setdefault(cls.id, []).append(cls)
        RETIRED[cls.id].sort(key=lambda c: c.valid_until or date.max)


def register_modules(names: str) -> None:
    """Register the SiteProfile subclasses defined in the named modules."""
    for name in filter(None, (n.strip() for n in names.split(","))):
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, SiteProfile) and cls.__module__ == module.__name__ and "id" in vars(cls):
                _register(cls)


register_modules(os.environ.get("NEWSARCHIVE_SITE_MODULES", ""))


class UnknownSiteError(KeyError):
    """No profile answers to that name."""

    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r} (known: {', '.join(sorted(p.name for p in PROFILES.values()))})"


def profile_class(name: str, at: str | None = None) -> type[SiteProfile]:
    """Look a profile up by its id ("rki_news") or its name ("rki.news").

    With ``at`` (an ISO 8601 fetch time), the rules valid then: the earliest retired version whose
    ``valid_until`` is after that day, else the current one.
    """
    for cls in PROFILES.values():
        if name in (cls.id, cls.name):
            if at:
                day = datetime.fromisoformat(at).date()
                for old in RETIRED.get(cls.id, []):
                    if old.valid_until is not None and day < old.valid_until:
                        return old
            return cls
    raise UnknownSiteError(name)


def profile_for_site(sites: list[str | None], url: str, at: str | None = None) -> SiteProfile:
    """The first of ``sites`` that has a profile (its rules valid ``at`` a fetch time), bound to the origin of
    ``url``; else the generic profile for that origin. Re-extraction, recovery and fetch all choose so."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for site in sites:
        if site:
            try:
                return profile_class(site, at=at)(origin)
            except UnknownSiteError:
                continue
    return GenericProfile(origin)


def profile_for_url(url: str) -> SiteProfile:
    """The profile whose real origin serves ``url``, else the generic profile bound to its origin."""
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc.lower()
    for cls in PROFILES.values():
        if urlsplit(cls.home).netloc.lower() == host:
            return cls()
    parts = urlsplit(url)
    return GenericProfile(f"{parts.scheme}://{parts.netloc}")


__all__ = ["PROFILES", "GenericProfile", "SiteProfile", "UnknownSiteError", "profile_class", "profile_for_site",
           "profile_for_url"]
