"""The spider side of rendering: whether a page is rendered, and what becomes of the rendered DOM (a
``conversion`` record naming the page's response record, the page's requests noted as its resources, the
snippet cleaned from the DOM). The browser itself is ``crawler.fetching.renderer``'s."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from archive.browser import BrowserUnavailable
from archive.warc.write import conversion_record, screenshot_record
from crawler.cleaning.capture import NOT_ARTICLE, RECORD_META, Capture, Cleaned, RecordPointer
from crawler.cleaning.pool import CleaningPool
from crawler.core.errors import count_event
from crawler.fetching.modes import RenderMode
from crawler.fetching.renderer import PageRenderer, render_mode
from crawler.fetching.scripted import looks_built_by_script
from crawler.middlewares.archive_writer import archive_writer
from crawler.sites import SiteProfile

logger = logging.getLogger(__name__)

DOM_TYPE = "text/html; charset=utf-8"
RENDERED = "rendered"  # response meta: the page was rendered


class PageRendering:
    """Mixed into the spiders: ``renderer`` is made when the crawl starts."""

    crawler: Crawler
    cleaner: CleaningPool
    renderer: PageRenderer
    render_setting: RenderMode | None  # --render / NEWSARCHIVE_RENDER; None: each site profile's

    @property
    def run_id(self) -> str:
        raise NotImplementedError

    def set_up_rendering(self, crawler: Crawler) -> None:
        s = crawler.settings
        given = s.get("NEWSARCHIVE_RENDER")
        self.render_setting = render_mode(given) if given else None
        self.renderer = PageRenderer(self._download, timeout_s=s.getfloat("NEWSARCHIVE_RENDER_TIMEOUT", 30.0),
                                     max_requests=s.getint("NEWSARCHIVE_RENDER_MAX_REQUESTS", 200),
                                     max_bytes=s.getint("NEWSARCHIVE_RESOURCE_MAX_BYTES", 20 * 1024 * 1024),
                                     concurrency=s.getint("NEWSARCHIVE_RENDER_CONCURRENCY", 4),
                                     screenshot=s.getbool("NEWSARCHIVE_RENDER_SCREENSHOT", False))
        crawler.signals.connect(self._close_browser, signal=signals.spider_closed)

    async def _download(self, request: object) -> Response:
        assert self.crawler.engine is not None
        return await self.crawler.engine.download_async(request)  # type: ignore[arg-type]

    async def _close_browser(self) -> None:
        await self.renderer.close()

    def wants_render(self, response: Response, profile: SiteProfile, cleaned: Cleaned) -> bool:
        """``always``: every archived page; ``auto``: a page without an article that looks built by script."""
        mode = self.render_setting or render_mode(profile.render)
        if mode == "never" or response.status != 200 or not isinstance(response, TextResponse):
            return False
        if not isinstance(response.meta.get(RECORD_META), RecordPointer):
            return False
        return mode == "always" or (cleaned.refused == NOT_ARTICLE and looks_built_by_script(response.body))

    async def rendered(self, response: Response, profile: SiteProfile, cleaned: Cleaned) -> Cleaned:
        """The page cleaned from its rendered DOM; ``cleaned`` (the plain response's) when it cannot be."""
        stats = self.crawler.stats
        try:
            page = await self.renderer.render(response)
        except BrowserUnavailable as exc:
            if stats is not None and not stats.get_value("render/unavailable"):
                logger.warning("no browser to render %s (%s): pages built by script are not rendered this run",
                               response.url, exc)
            count_event(stats, "render/unavailable", response.url)
            return cleaned
        except Exception as exc:  # a page that hangs or crashes the browser costs that page only
            logger.warning("rendering failed for %s: %s", response.url, exc)
            count_event(stats, f"render/failed_{type(exc).__name__}", response.url)
            return cleaned
        count_event(stats, "render/pages", response.url)
        if stats is not None:
            stats.inc_value("render/requests", len(page.requests))
            stats.inc_value("render/refused", page.refused)
        plain: RecordPointer = response.meta[RECORD_META]
        dom = page.html.encode("utf-8")
        record = conversion_record(response.url, plain.record_id, dom, DOM_TYPE)
        writer = archive_writer(self.crawler)
        written = writer.write_derived(record)
        if written is None:
            return cleaned
        if page.screenshot is not None and writer.write_derived(
                screenshot_record(response.url, plain.record_id, page.screenshot)) is not None:
            count_event(stats, "render/screenshots", response.url)
        if page.requests:  # what the rendered page needed: listed under the record the snippet points at
            writer.add_page_resources(written.record_id, page.requests)
        response.meta[RENDERED] = True  # its resources came with it: no second fetch from the plain HTML
        pointer = RecordPointer(written.file, written.offset, written.length, written.record_id,
                                record.fields[-1][1], datetime.now(UTC).isoformat())
        return await self.cleaner.clean(Capture(response.url, dom, DOM_TYPE, pointer), profile, self.run_id)
