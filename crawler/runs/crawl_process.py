"""Scrapy's ``CrawlerProcess``, with a repeated SIGTERM that does not cut a graceful stop short.

Scrapy stops gracefully on the first SIGINT or SIGTERM and at once on the second. A second SIGINT is a person
pressing Ctrl-C again, who means it. A second SIGTERM is seldom anyone's decision: a service manager signals
every process of a service, and a crawl that a worker runs hears SIGTERM again when that worker dies (it asked
the kernel for that, ``archive.children``), so one request to stop arrives twice. Stopping at once then leaves
the run 'running' and its WARC file open until the site's next run repairs them. Here a repeated SIGTERM is
logged and the graceful stop goes on; a second SIGINT, or the SIGKILL a service manager sends when its stop
timeout runs out, still ends the crawl at once.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from scrapy.crawler import CrawlerProcess

logger = logging.getLogger(__name__)
AGAIN = "SIGTERM again: the graceful stop goes on (a second SIGINT, or SIGKILL, stops at once)"


class CrawlProcess(CrawlerProcess):
    """The crawl's process: Scrapy's, but only a second SIGINT forces an unclean stop."""

    def _signal_kill(self, signum: int, frame: Any) -> None:
        if signum == signal.SIGTERM:
            from twisted.internet import reactor

            reactor.callFromThread(logger.warning, AGAIN)  # not from the handler: the log stream may be mid-write
            return
        super()._signal_kill(signum, frame)
