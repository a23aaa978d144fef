"""Downloader middlewares of the news archive."""
