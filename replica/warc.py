"""The replica's article pages as WARC response records, written by warcio as another tool writes them: for the
import bench and the cleaner snapshot, which need captures without a crawl."""

from __future__ import annotations

import io
from collections.abc import Iterator
from urllib.parse import unquote

from replica.server import ReplicaSite


def article_records(count: int, base: str = "http://rki.example") -> Iterator[tuple[str, bytes]]:
    """(URL, one gzip member holding its response record) for each of the replica's ``count`` articles, newest
    first."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    site = ReplicaSite(base, article_count=count)
    for post in site.posts[:count]:
        page = site.pages.get(post.path) or site.pages[unquote(post.path)]
        headers = StatusAndHeaders("200 OK", [("Content-Type", page.content_type),
                                              ("Content-Length", str(len(page.body)))], protocol="HTTP/1.1")
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        writer.write_record(writer.create_warc_record(site.base + post.path, "response", payload=io.BytesIO(page.body),
                                                      length=len(page.body), http_headers=headers))
        yield site.base + post.path, buffer.getvalue()
