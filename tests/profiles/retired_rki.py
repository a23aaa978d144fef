"""Retired rki.news rules for the re-extraction test: valid for captures before 2026-01-01.

They differ from today's in one visible way (the bare "rki.news" source line is kept), so a test can
tell which rules cleaned a capture.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile


class RkiNewsCleaner2025(RkiNewsCleaner):
    version = "rki_news/0"
    valid_until: ClassVar[date | None] = date(2026, 1, 1)
    source_names: ClassVar[tuple[str, ...]] = ()


class RkiNewsWithRetiredRules(RkiNewsProfile):
    id = "rki_news"
    cleaners = (RkiNewsCleaner2025, RkiNewsCleaner)
