"""The renderer's answers to a browser's requests, without a browser: pages rendered side by side that ask for
the same script at once cause one request to the site."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from scrapy import Request
from scrapy.http import Response

from crawler.fetching.renderer import PageRenderer


@dataclass
class BrowserRequest:
    """What the renderer reads of a Playwright request."""

    url: str
    method: str = "GET"
    post_data_buffer: bytes | None = None

    async def all_headers(self) -> dict[str, str]:
        return {"accept": "*/*"}


def test_one_fetch_per_url_however_many_pages_ask_at_once() -> None:
    fetched: list[str] = []

    async def fetch(request: Request) -> Response:
        fetched.append(request.url)
        await asyncio.sleep(0.05)  # the first page's fetch is under way when the others ask
        return Response(request.url, status=200, body=b"script", request=request)

    async def pages() -> list[tuple[int, dict[str, str], bytes]]:
        renderer = PageRenderer(fetch)
        script = "http://127.0.0.1/static/app.js"
        answers = await asyncio.gather(*[renderer._fetch_once(BrowserRequest(script), f"http://127.0.0.1/{n}")
                                         for n in range(4)])
        await renderer._fetch_once(BrowserRequest(script, method="POST"), "http://127.0.0.1/4")  # not shared
        await renderer._fetch_once(BrowserRequest(script), "http://127.0.0.1/5")  # after: a fetch of its own
        return answers

    answers = asyncio.run(pages())
    assert [a[2] for a in answers] == [b"script"] * 4
    assert len(fetched) == 3  # the four at once, the POST, the one after (the cache is the caller's)
