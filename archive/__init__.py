"""Stored data of the news archive: WARC files, the snippet store and the tools to read them (no Scrapy here).

``archive.open(DATA_DIR)`` is the entry point for researchers (see archive/api.py).
"""

__version__ = "0.1.0"  # before the imports: modules of this package read it

from archive.api import Archive, open
from archive.store.location import StoreLocation
from archive.store.query import Filters, QueryError
from archive.store.snippet_store import SnippetStore
from archive.store.snippets import Match, Snippet

__all__ = ["Archive", "Filters", "Match", "QueryError", "Snippet", "SnippetStore", "StoreLocation", "__version__",
           "open"]
