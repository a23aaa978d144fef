"""Small readers of Scrapy responses shared by the spider, the recorder and recovery."""

from __future__ import annotations

from scrapy.http import Response


def header_text(response: Response, name: bytes) -> str | None:
    """A header's first value as text; header bytes are latin-1 by HTTP's definition."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
