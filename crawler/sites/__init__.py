"""The explicit registry of site profiles: a site is crawlable by name once it is listed here.

Profiles outside the package join through the ``newsarchive.sites`` entry point group of an installed
package (each entry names a module), or through the environment variable ``NEWSARCHIVE_SITE_MODULES``
(comma-separated module names, read when the registry is first used, not at import): every
SiteProfile subclass defined in those modules is registered, replacing a built-in one of the same id.
That is how an archive adds its own sites, or retired rule versions of ours, without editing this package.

A site's rule versions live in its profile (``SiteProfile.cleaners``, ``profile.cleaner(at=...)``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import os
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.sites.base import SiteProfile
from crawler.sites.generic import GenericProfile
from crawler.sites.rki_news import RkiNewsProfile

if TYPE_CHECKING:
    from archive.store.snippet_store import SnippetStore

ENTRY_POINT_GROUP = "newsarchive.sites"
BUILT_IN: tuple[type[SiteProfile], ...] = (RkiNewsProfile,)


@functools.cache
def profiles() -> dict[str, type[SiteProfile]]:
    """Profiles by id: the built-in ones, then those of entry points and NEWSARCHIVE_SITE_MODULES, read on
    first use (not at import: by then the environment of a crawl or a cleaning worker is settled)."""
    registry = {p.id: p for p in BUILT_IN}
    modules = [ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    modules += [n.strip() for n in os.environ.get("NEWSARCHIVE_SITE_MODULES", "").split(",") if n.strip()]
    for name in modules:
        registry.update({cls.id: cls for cls in profiles_in(importlib.import_module(name))})
    return registry


def profiles_in(module: ModuleType) -> list[type[SiteProfile]]:
    """The SiteProfile subclasses a module defines itself (with an ``id`` of their own)."""
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, SiteProfile) and cls.__module__ == module.__name__ and "id" in vars(cls)]


class UnknownSiteError(KeyError):
    """No profile answers to that name."""

    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r} (known: {', '.join(sorted(p.name for p in profiles().values()))})"


def profile_class(name: str) -> type[SiteProfile]:
    """Look a profile up by its id ("rki_news") or its name ("rki.news")."""
    for cls in profiles().values():
        if name in (cls.id, cls.name):
            return cls
    raise UnknownSiteError(name)


def profile_for_capture(url: str, *, site: str | None = None, store: SnippetStore | None = None) -> SiteProfile:
    """The profile that cleans a capture of ``url`` outside a crawl of its site: re-extraction, crash recovery
    and ``fetch`` all choose with this, and the profile then chooses its cleaner by the fetch time.

    ``site`` first (``fetch --site``, the snippet being cleaned again, the run that crashed), then with a
    ``store`` what the archive files the URL under (its latest version, its last fetch, its origin), then
    the profile whose real host serves the URL; names that are no profile (a generic crawl's host name, a
    fetch run's "urls") are passed over. Any profile is bound to the URL's origin (a replica or a mirror is
    cleaned as the site); else the generic profile for that origin.
    """
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    candidates = [site]
    if store is not None:
        versions = store.versions(url)
        state = store.url_state(url)
        candidates += [versions[-1].site if versions else None, state.site if state else None,
                       store.site_of_origin(origin)]
    for name in candidates:
        if name:
            try:
                return profile_class(name)(origin)
            except UnknownSiteError:
                continue
    return profile_for_url(url)


def profile_for_url(url: str) -> SiteProfile:
    """The profile whose real origin serves ``url``, else the generic profile bound to its origin."""
    host = urlsplit(url).netloc.lower()
    for cls in profiles().values():
        if urlsplit(cls.home).netloc.lower() == host:
            return cls()
    parts = urlsplit(url)
    return GenericProfile(f"{parts.scheme}://{parts.netloc}")


__all__ = ["BUILT_IN", "GenericProfile", "SiteProfile", "UnknownSiteError", "profile_class",
           "profile_for_capture", "profile_for_url", "profiles"]
