"""The Scrapy project of the news archive: spiders, site profiles, cleaners, WARC recording."""

from archive import __version__

__all__ = ["__version__"]
