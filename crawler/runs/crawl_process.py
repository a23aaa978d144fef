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
    """The crawl's process: Scrapy's, but only a second SIGINT forces an unclean stop; on a terminal each
    stop says what it leaves to finish (crawler.extensions.progress)."""

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self._announce(forced=False)
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        if signum == signal.SIGTERM:
            reactor.callFromThread(logger.warning, AGAIN)  # not from the handler: the log stream may be mid-write
            return
        self._announce(forced=True)
        super()._signal_kill(signum, frame)

    def _announce(self, forced: bool) -> None:
        from twisted.internet import reactor

        from crawler.extensions.progress import announce_stop

        for crawler in self.crawlers:  # from the reactor, as the log lines: not in the signal handler
            reactor.callFromThread(announce_stop, crawler, forced)
