"""robots.txt as RFC 9309 reads it, where Scrapy's middleware does not.

Scrapy parses the body of whatever answer /robots.txt gets, whatever its status: a 503 error page
becomes "allow all", and a robots.txt that cannot be fetched means "allow all" too. RFC 9309 §2.3.1
says otherwise: a 4xx means there are no rules, but a 5xx or an unreachable robots.txt means the
crawler must assume complete disallow. This subclass does that, and reports it, so the run says why
it fetched nothing rather than crawling a site that may not want it at a bad moment.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from crawler.core.errors import RobotsDisallowed, count_event

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
# sent with (response, netloc) once a site's robots.txt is read, so that a spider can take its Sitemap:
# lines from the one fetch the politeness rules needed instead of fetching robots.txt a second time
robots_parsed = object()


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware with RFC 9309's handling of unavailable and unreachable robots.txt."""

    def _note(self, kind: str, url: str) -> None:
        count_event(self.crawler.stats, f"errors/{kind}", url)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            logger.warning("robots.txt answered %d: nothing on %s is fetched this run", response.status, netloc)
            self._note("robots_unavailable", response.url)
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")  # no robots.txt: no rules (RFC 9309 §2.3.1.3)
        await super()._parse_robots(response, netloc, request)
        self.crawler.signals.send_catch_log(robots_parsed, response=response, netloc=netloc)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        logger.warning("robots.txt of %s could not be fetched (%s): nothing there is fetched this run", netloc,
                       type(exc).__name__)
        self._note("robots_unreachable", f"//{netloc}/robots.txt")
        super()._robots_error(exc, netloc)
        self._parsers[netloc] = self._disallow_all()

    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:  # Scrapy's says so in its message only: a type of our own for the report
            raise RobotsDisallowed(str(exc)) from exc

    def _disallow_all(self) -> Any:
        return build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
