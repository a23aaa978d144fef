"""A crawl's data directory and store, as the command line put them into its Scrapy settings.

``NEWSARCHIVE_DATA`` names the data directory and ``NEWSARCHIVE_STORE`` its store (a postgresql:// URL or
``sqlite``); every component that opens the store asks here, so none of them reads the environment.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from archive.store.location import SQLITE, StoreLocation


def store_location(settings: BaseSettings) -> StoreLocation:
    """The location of the running crawl's store (a malformed setting is a ValueError saying why)."""
    return StoreLocation.resolve(settings.get("NEWSARCHIVE_DATA"), settings.get("NEWSARCHIVE_STORE") or SQLITE, {})
