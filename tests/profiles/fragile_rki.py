"""An rki.news cleaner that kills its process, hangs or raises on chosen pages, for the cleaning-pool test.

FRAGILE_PAGES names them: "crash=/path/;hang=/path/;raise=/path/" (URL path suffixes); FRAGILE_SLOW=SECONDS
makes every page take that long to clean, as a slow machine or a heavy page would. "listing=/path/" makes the
profile's listing rule raise on a link to that path, so the spider callback of the page linking to it raises.
"""

from __future__ import annotations

import os
import time

from crawler.cleaning import Article
from crawler.cleaning.page import Page
from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile


def _pages() -> dict[str, str]:
    pairs = (item.split("=", 1) for item in os.environ.get("FRAGILE_PAGES", "").split(";") if "=" in item)
    return {path: what for what, path in pairs}


class FragileRkiNewsCleaner(RkiNewsCleaner):
    version = "rki_news/0-fragile"

    def extract_page(self, page: Page) -> Article | None:
        time.sleep(float(os.environ.get("FRAGILE_SLOW", "0")))
        what = next((w for path, w in _pages().items() if page.url.endswith(path)), "")
        if what == "crash":
            os._exit(9)  # as a segfault in a parser would end the process
        if what == "hang":
            time.sleep(3600)
        if what == "raise":
            raise RuntimeError("a bug in a cleaner")
        return super().extract_page(page)


class FragileRkiNewsProfile(RkiNewsProfile):
    id = "rki_news"
    cleaners = (FragileRkiNewsCleaner,)

    def is_listing_url(self, url: str) -> bool:
        if any(url.endswith(path) for path, what in _pages().items() if what == "listing"):
            raise ValueError("a bug in a listing rule")
        return super().is_listing_url(url)
