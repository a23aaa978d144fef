"""Rendering a page in a browser whose every request the crawler itself answers.

Chromium (``archive.browser``: the system's, driven by Playwright) is given the page's archived response as
its document; every further request it makes (scripts, the story's JSON, images, fonts) is routed back to
the crawl and fetched by Scrapy (``fetch``: the engine's downloader, so the request passes the address
policy, robots.txt, the site's politeness delay and the WARC recorder, and is archived at wire fidelity like
any other), and the browser is answered with what came back. One WARC writer, one address policy, one
politeness budget: the reasons docs/operations.md gives for choosing this over a recording proxy.

After the load event the page is scrolled to its end a step at a time (lazy images and infinite lists load
on scroll), then left until the network is idle; its DOM is serialised. Limits per page: a request count
(beyond it the browser's requests are refused) and a time budget (a page that hangs the browser costs that
page only). The browser is launched at the first page that needs it and closed with the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.http import Response

from archive.browser import BrowserUnavailable, chromium_path, launch_options
from crawler.fetching.modes import RENDER_MODES, RenderMode
from crawler.fetching.resource_schedule import RESOURCE_OF

logger = logging.getLogger(__name__)

RENDER_OF = "render_of"  # request meta: the page a browser request was made for
DROPPED_REQUEST_HEADERS = {"user-agent", "accept-encoding", "host", "connection", "content-length", "cookie"}
DROPPED_RESPONSE_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}
SCROLL_STEPS = 20
SCROLL_PAUSE_S = 0.05
QUIET_S = 0.15  # no request of the page open or started for this long: its scripts are done
IDLE_TIMEOUT_MS = 5_000
CACHE_BYTES = 32 * 1024 * 1024  # answers of this run kept to serve the next page's same requests
KINDS = {"stylesheet": "stylesheet", "script": "script", "image": "image", "font": "font", "media": "media",
         "xhr": "data", "fetch": "data", "manifest": "other", "other": "other"}


def render_mode(value: object) -> RenderMode:
    text = str(value).strip().lower()
    for mode in RENDER_MODES:
        if text == mode:
            return mode
    raise ValueError(f"render must be one of {', '.join(RENDER_MODES)} (got {value!r})")


@dataclass
class Rendered:
    """A rendered page: its DOM as HTML, and what the browser asked for."""

    html: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (URL, kind) answered for the page
    refused: int = 0  # requests over the per-page limit, or that failed
    screenshot: bytes | None = None  # PNG of the first screen, when asked for
    in_flight: int = 0  # requests of the page being answered now
    last_activity: float = 0.0  # monotonic time a request of the page last started or ended

    def busy(self, delta: int) -> None:
        self.in_flight += delta
        self.last_activity = time.monotonic()


Answer = tuple[int, dict[str, str], bytes]  # status, headers, body of a request the crawl answered


class _Answers:
    """Successful GET answers of this run, by URL, up to a byte budget (least recently used out first)."""

    def __init__(self, budget: int = CACHE_BYTES) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[str, Answer] = OrderedDict()

    def get(self, url: str) -> Answer | None:
        found = self._items.get(url)
        if found is not None:
            self._items.move_to_end(url)
        return found

    def put(self, url: str, answer: Answer) -> None:
        if len(answer[2]) > self.budget // 8 or url in self._items:
            return
        self._items[url] = answer
        self.size += len(answer[2])
        while self.size > self.budget:
            _, (_, _, body) = self._items.popitem(last=False)
            self.size -= len(body)


def _response_headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        if key.lower() not in DROPPED_RESPONSE_HEADERS:
            headers[key] = ", ".join(v.decode("latin-1") for v in values)
    return headers


class PageRenderer:
    """One crawl's browser: launched on first use, closed by ``close``."""

    def __init__(self, fetch: Callable[[Request], Awaitable[Response]], *, timeout_s: float = 30.0,
                 max_requests: int = 200, max_bytes: int = 20 * 1024 * 1024, concurrency: int = 4,
                 screenshot: bool = False) -> None:
        self.fetch = fetch
        self.screenshot = screenshot
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None  # made on the crawl's event loop, at the first page
        self.timeout_s = timeout_s
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self._playwright: Any = None
        self._browser: Any = None
        self._unavailable: str | None = None
        self._answers = _Answers()
        self._running: dict[str, asyncio.Future[Answer]] = {}  # GET fetches under way, by URL

    @property
    def unavailable(self) -> str | None:
        """Why no browser can run here (None until a launch failed)."""
        return self._unavailable

    async def _ensure_browser(self) -> Any:
        if self._browser is not None:
            return self._browser
        if self._unavailable:
            raise BrowserUnavailable(self._unavailable)
        try:
            executable = chromium_path(install=False)
            from playwright.async_api import async_playwright

            self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(**launch_options(executable))
        except Exception as exc:  # no browser, no Playwright, a launch that fails: no browser this run
            self._unavailable = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            await self._stop_playwright()
            raise BrowserUnavailable(self._unavailable) from exc
        return self._browser

    async def render(self, response: Response) -> Rendered:
        """The page of an archived response, rendered; raises BrowserUnavailable, or TimeoutError when the
        page does not settle within the time budget."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:  # a few pages at a time: the time budget counts from a page's own start
            browser = await self._ensure_browser()
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            rendered = Rendered("")
            try:
                page = await context.new_page()
                await page.route("**/*", lambda route: self._answer(route, response, rendered))
                rendered.html = await asyncio.wait_for(self._load(page, response.url, rendered), self.timeout_s)
            finally:
                with contextlib.suppress(Exception):
                    await context.close()
        return rendered

    async def _load(self, page: Any, url: str, rendered: Rendered) -> str:
        await page.goto(url, wait_until="load")
        await self._settle(rendered)
        height = -1
        for _ in range(SCROLL_STEPS):  # lazy images and endless lists load as they come into view
            await page.evaluate("() => window.scrollBy(0, window.innerHeight)")
            await asyncio.sleep(SCROLL_PAUSE_S)
            await self._settle(rendered)
            at_end, now = await page.evaluate(
                "() => [window.innerHeight + window.scrollY >= document.body.scrollHeight - 2, "
                "document.body.scrollHeight]")
            if at_end and now == height:  # at the bottom, and scrolling there brought nothing more
                break
            height = now
        html: str = await page.content()
        if self.screenshot:  # the first screen, as a reader lands on it (a whole endless page has no end)
            await page.evaluate("() => window.scrollTo(0, 0)")
            rendered.screenshot = await page.screenshot(type="png", full_page=False)
        return html

    @staticmethod
    async def _settle(rendered: Rendered) -> None:
        """Wait until none of the page's requests is open and none started for a moment (what the page's
        scripts fetch after the load event: the story's JSON, then its photo), or ``IDLE_TIMEOUT_MS``."""
        deadline = time.monotonic() + IDLE_TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            if rendered.in_flight == 0 and time.monotonic() - rendered.last_activity >= QUIET_S:
                return
            await asyncio.sleep(0.02)

    async def _answer(self, route: Any, page_response: Response, rendered: Rendered) -> None:
        request = route.request
        url = request.url
        if request.is_navigation_request() and request.frame.parent_frame is None and url == page_response.url:
            await route.fulfill(status=page_response.status, headers=_response_headers(page_response),
                                body=page_response.body)
            return
        if not url.startswith(("http://", "https://")):
            await route.continue_()
            return
        if len(rendered.requests) + rendered.refused >= self.max_requests:
            rendered.refused += 1
            await route.abort()
            return
        cached = self._answers.get(url) if request.method == "GET" else None
        rendered.busy(+1)
        try:
            status, headers, body = cached or await self._fetch_once(request, page_response.url)
        except Exception as exc:  # refused by a policy, a network error: the browser sees a failed request
            logger.info("render request failed for %s: %s", url, exc)
            rendered.refused += 1
            with contextlib.suppress(Exception):
                await route.abort()
            return
        finally:
            rendered.busy(-1)
        rendered.requests.append((url, KINDS.get(request.resource_type, "other")))
        if request.method == "GET" and status == 200 and cached is None:
            self._answers.put(url, (status, headers, body))
        with contextlib.suppress(Exception):  # the page may have gone meanwhile
            await route.fulfill(status=status, headers=headers, body=body)

    async def _fetch_once(self, request: Any, page_url: str) -> Answer:
        """A GET whose fetch another page started already waits for that fetch: pages rendered side by
        side ask for the same script at the same moment, and the site should see one request (the answer
        is cached once it comes, for the pages after)."""
        if request.method != "GET":
            return await self._fetch(request, page_url)
        running = self._running.get(request.url)
        if running is None:
            running = asyncio.ensure_future(self._fetch(request, page_url))
            self._running[request.url] = running
            running.add_done_callback(functools.partial(self._forget, request.url))
        return await asyncio.shield(running)  # a page that goes away does not cancel the others' fetch

    def _forget(self, url: str, done: asyncio.Future[Answer]) -> None:
        self._running.pop(url, None)
        if not done.cancelled():
            done.exception()  # retrieved: when every page waiting on it went away, asyncio need not warn

    async def _fetch(self, request: Any, page_url: str) -> Answer:
        headers = {k: v for k, v in (await request.all_headers()).items()
                   if k.lower() not in DROPPED_REQUEST_HEADERS and not k.startswith(":")}
        scrapy_request = Request(request.url, method=request.method, headers=headers,
                                 body=request.post_data_buffer or b"", dont_filter=True,
                                 meta={RENDER_OF: page_url, RESOURCE_OF: page_url, "dont_redirect": True,
                                       "handle_httpstatus_all": True, "download_maxsize": self.max_bytes})
        response = await self.fetch(scrapy_request)
        return response.status, _response_headers(response), response.body

    async def _stop_playwright(self) -> None:
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
            self._playwright = None

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
            self._browser = None
        await self._stop_playwright()
