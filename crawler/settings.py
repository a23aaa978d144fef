"""Scrapy settings of the news archive, grouped by prefix; each has a one-line reason."""

from __future__ import annotations

import os

from crawler.core.identity import user_agent

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- where data goes -------------------------------------------------------------------------------
NEWSARCHIVE_DATA = os.environ.get("NEWSARCHIVE_DATA", "data")  # DATA/warc, DATA/archive.sqlite, DATA/runs
# a postgresql:// URL, or "sqlite" for DATA/archive.sqlite; `newsarchive crawl` sets it from --store
NEWSARCHIVE_STORE = os.environ.get("NEWSARCHIVE_STORE") or "sqlite"
NEWSARCHIVE_OPERATOR = os.environ.get("NEWSARCHIVE_OPERATOR", "")  # who runs the crawl, written to warcinfo
NEWSARCHIVE_CONTACT = os.environ.get("NEWSARCHIVE_CONTACT", "")  # URL or mail address put in the User-Agent

# -- politeness ------------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = user_agent()  # the spider puts NEWSARCHIVE_CONTACT in
DOWNLOAD_DELAY = 2.0  # floor between requests to one site; profiles and loopback targets override it
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for the output of every callback (default 100); ours yield one
# snippet and a few requests each, and 100 tasks per response cost the reactor about a quarter of a
# 2,000-article crawl's wall time (bench/crawl.py's newsarchive run: median 49.7 s at 100, 35.8 s at 8)
CONCURRENT_ITEMS = 8
# responses downloaded and not yet processed, in bytes of body, beyond which the engine downloads no more;
# they are what waits for the cleaners, and each costs some three times its body (decoded text, request,
# tasks). Scrapy's 5,000,000 let some 400 small pages wait at once: the crawl process of bench/crawl.py's
# 2,000-article site rose from 201 to 250 MiB at its end; with 1,000,000 it peaks at 184 MiB, no slower
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
AUTOTHROTTLE_ENABLED = True  # back off when the site slows down
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False  # a news archive wants the page every reader gets, not a session

# -- robustness ------------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # no news page is bigger; bounds memory per request
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# -- components ------------------------------------------------------------------------------------
# an exception a callback raises is counted in the run report with its page (Scrapy only logs it)
SPIDER_MIDDLEWARES = {"crawler.middlewares.callback_errors.CallbackErrorsMiddleware": 950}
DOWNLOADER_MIDDLEWARES = {
    # RFC 9309 for 5xx and unreachable robots.txt: assume complete disallow (Scrapy's would allow all)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # first: no request to a loopback, private or link-local address the user did not name (SSRF)
    "crawler.middlewares.address_policy.AddressPolicyMiddleware": 40,
    # before robots.txt and the network: a limited run that has its articles fetches no more listings
    "crawler.middlewares.budget.DiscoveryBudgetMiddleware": 50,
    "crawler.middlewares.budget.ResourceBudgetMiddleware": 51,  # and a page's resources past its byte budget
    # above HttpCompressionMiddleware (590): sees bodies still content-coded and requests as sent
    "crawler.middlewares.warc.WarcRecorderMiddleware": 950,
}
# the same policy where names are resolved, so an answer that changes after the check is refused too
DNS_RESOLVER = "crawler.middlewares.address_policy.PolicyResolver"
NEWSARCHIVE_ADDRESS_POLICY = True  # False: loopback, private and link-local addresses may be crawled too
ITEM_PIPELINES = {"crawler.pipelines.snippets.StorePipeline": 300}
# memory flat with the size of the site: the fingerprints of requests seen, on disk (crawler.discovery.seen), and the
# requests waiting in the scheduler in disk queues under DATA/tmp/ (the spider sets JOBDIR per run)
DUPEFILTER_CLASS = "crawler.discovery.seen.DiskDupeFilter"
# the lock and the repair come first: the run report starts recording the run after them
EXTENSIONS = {"crawler.extensions.site_lock.SiteLockExtension": 400,
              "crawler.extensions.report.RunReportExtension": 500,
              "crawler.extensions.progress.CrawlStatusExtension": 600,
              # the job directory holds one run's queues and is removed when the run ends (the spider's
              # ``closed``), so spider.state has nowhere to go: it failed to write there at every close
              "scrapy.extensions.spiderstate.SpiderState": None}

# -- cleaning --------------------------------------------------------------------------------------
NEWSARCHIVE_CLEAN_WORKERS = -1  # processes that clean pages beside the crawl; -1: one per core; 0: none, inline
NEWSARCHIVE_CLEAN_TIMEOUT = 60.0  # seconds one page may take to clean; then it is reported as clean_timeout

# -- WARC ------------------------------------------------------------------------------------------
WARC_ENABLED = True
WARC_MAX_BYTES = 1_000_000_000  # rotate files at 1 GB (WARC 1.1 Annex C)
WARC_PREFIX = ""  # file name prefix; the site id when empty
WARC_SUBDIR = ""  # a directory under DATA/warc for this run's files (a worker's name)
WARC_FSYNC = True  # fsync WARC bytes before the snippets that point at them are committed
NEWSARCHIVE_COMMIT_EVERY = 200  # group commit: WARC fsync + store commit after this many writes ... (1: each)
NEWSARCHIVE_COMMIT_SECONDS = 1.0  # ... or when the oldest waiting write is this old
WARC_DEDUP = True  # identical payloads become revisit records

# -- discovery -------------------------------------------------------------------------------------
NEWSARCHIVE_MAX_ARTICLES = 0  # stop scheduling articles after this many (0: no limit)
NEWSARCHIVE_CONDITIONAL = True  # re-fetch archived pages with If-None-Match/If-Modified-Since
NEWSARCHIVE_DISCOVERY_BUDGET = 0  # generic mode: pages followed for links per run; 0: the profile's (2,000)
NEWSARCHIVE_RECHECK_HOURS = -1.0  # re-check window for edits in hours; below 0: the profile's (72 h for rki.news)

# -- page resources (crawler.fetching.resource_schedule) ------------------------------------------------
NEWSARCHIVE_RESOURCES = ""  # page (what each archived page needs to render) or none; "": the profile's
NEWSARCHIVE_RESOURCES_PER_PAGE = 150  # resources fetched for one page at most (its stylesheets' references count)
NEWSARCHIVE_RESOURCE_MAX_BYTES = 20 * 1024 * 1024  # one resource's body at most
NEWSARCHIVE_RESOURCES_PAGE_BYTES = 60 * 1024 * 1024  # the resources of one page, in all, at most
NEWSARCHIVE_RESOURCES_SRCSET = "largest"  # of a srcset: the widest candidate (beside src), or all
NEWSARCHIVE_RESOURCES_MEDIA = False  # video and audio too

# -- a browser for pages built by script (crawler.fetching.renderer) ---------------------------------------
NEWSARCHIVE_RENDER = ""  # never, auto (a page with no article that looks built by script), always; "": profile's
NEWSARCHIVE_RENDER_TIMEOUT = 30.0  # seconds one page may take in the browser
NEWSARCHIVE_RENDER_MAX_REQUESTS = 200  # requests one rendered page may make
NEWSARCHIVE_RENDER_CONCURRENCY = 4  # pages in the browser at once
NEWSARCHIVE_RENDER_SCREENSHOT = False  # a PNG of each rendered page's first screen, as a resource record

# -- set for each run by `newsarchive crawl` or the spider, not by users --------------------------------
NEWSARCHIVE_RUN_ID = ""  # the run's id; the spider makes one when empty
NEWSARCHIVE_PROGRESS = False  # the live status on stderr: the CLI turns it on where stderr is a terminal
