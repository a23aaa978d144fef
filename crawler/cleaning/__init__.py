"""Shared cleaning helpers that keep site profiles short: chrome removal, text normalisation, metadata."""

from crawler.cleaning.article import Article

__all__ = ["Article"]
