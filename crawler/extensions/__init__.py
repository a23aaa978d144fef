"""Scrapy extensions of the news archive."""
