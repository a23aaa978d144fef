"""Stored data of the news archive: WARC files, the snippet store and the tools to read them (no Scrapy here)."""

from archive.snippets import Snippet
from archive.store import SnippetStore

__version__ = "0.1.0"
__all__ = ["Snippet", "SnippetStore", "__version__"]
