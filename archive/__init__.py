"""Stored data of the news archive: WARC files, the snippet store and the tools to read them (no Scrapy here).

``archive.open(DATA_DIR)`` is the entry point for researchers (see archive/api.py).

The names below load on first use: every process of the project imports this package (for ``__version__``
at least), and the store's modules bring NumPy with them, a third of a second before a command can start
its cleaning processes.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"  # modules of this package read it

if TYPE_CHECKING:
    from archive.api import Archive, open
    from archive.store.location import StoreLocation
    from archive.store.query import Filters, QueryError
    from archive.store.snippet_store import SnippetStore
    from archive.store.snippets import Match, Snippet

_EXPORTS = {"Archive": "archive.api", "open": "archive.api", "StoreLocation": "archive.store.location",
            "Filters": "archive.store.query", "QueryError": "archive.store.query",
            "SnippetStore": "archive.store.snippet_store", "Match": "archive.store.snippets",
            "Snippet": "archive.store.snippets"}

__all__ = ["Archive", "Filters", "Match", "QueryError", "Snippet", "SnippetStore", "StoreLocation", "__version__",
           "open"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value
