"""Shared cleaning helpers that keep site profiles short: chrome removal, text normalisation, metadata."""

from crawler.cleaning.article import Article, Image

__all__ = ["Article", "Image"]
