"""A deliberately flawed rki.news cleaner: it keeps the bare "rki.news" source line in the text.

Registered through NEWSARCHIVE_SITE_MODULES in the re-extraction test, which archives with it, then
re-extracts with the real profile.
"""

from __future__ import annotations

from typing import ClassVar

from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile


class SloppyRkiNewsCleaner(RkiNewsCleaner):
    version = "rki_news/0-sloppy"
    source_names: ClassVar[tuple[str, ...]] = ()


class SloppyRkiNewsProfile(RkiNewsProfile):
    id = "rki_news"
    cleaners = (SloppyRkiNewsCleaner,)
