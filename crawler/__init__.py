"""The Scrapy project of the news archive: spiders, site profiles, cleaners, WARC recording.

``crawler.extract(body, url, content_type=None)`` is the public door from a page's bytes to its cleaned
article (see ``crawler.cleaning.extraction``); it is imported on first use so that Scrapy's loading of the
settings module stays light.
"""

from typing import TYPE_CHECKING, Any

from archive import __version__

if TYPE_CHECKING:
    from crawler.cleaning.extraction import extract

__all__ = ["__version__", "extract"]


def __getattr__(name: str) -> Any:
    if name == "extract":
        from crawler.cleaning.extraction import extract

        return extract
    raise AttributeError(name)
