"""Stored data of the news archive: WARC files, the snippet store and the tools to read them (no Scrapy here).

``archive.open(DATA_DIR)`` is the entry point for researchers (see archive/api.py).
"""

__version__ = "0.1.0"  # before the imports: modules of this package read it

from archive.api import Archive, open
from archive.query import Filters, QueryError
from archive.snippets import Match, Snippet
from archive.store import SnippetStore

__all__ = ["Archive", "Filters", "Match", "QueryError", "Snippet", "SnippetStore", "__version__", "open"]
