"""`newsarchive`: crawl sites, fetch given URLs, run the demo on the local replica, and read the archive."""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from archive.store.database import store_errors
from crawler.commands.common import CliError, default_data_dir, resolve_location
from crawler.fetching.modes import RENDER_MODES, RESOURCE_MODES
from crawler.runs.outcome import EXIT_FAILED, EXIT_USAGE

RESOURCES_HELP = ("page: archive what each article page needs to render (stylesheets, fonts, images, scripts); "
                  "none: its HTML only (default: the site profile's, page)")
RENDER_HELP = ("a browser for pages built by script: auto renders a page whose response has no article and looks "
               "built by script, always every article page, never none (default: the site profile's, auto)")
SCREENSHOT_HELP = "with each rendered page, archive a screenshot of its first screen (a resource record, urn:view:URL)"


def command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A command's function, imported when the command runs: `newsarchive search` or a mistyped argument
    need not load Scrapy, Celery, a browser driver and the cleaners first."""
    def run(args: argparse.Namespace) -> int:
        function: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"crawler.commands.{module}"), name)
        return function(args)
    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, default=default_data_dir(),
                        help="data directory (default: $NEWSARCHIVE_DATA, else ./data)")
    common.add_argument("--store", metavar="URL", default=None,
                        help="a postgresql:// database for the snippets, URL states and runs, or 'sqlite' "
                             "for DATA/archive.sqlite (default: $NEWSARCHIVE_STORE, else sqlite)")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", parents=[common], help="crawl a configured site, a start URL, or every due site")
    crawl.add_argument("target", nargs="?", help="a site name (rki.news) or a start URL (generic mode, same host)")
    crawl.add_argument("--all", action="store_true", help="every site of the collection that is due")
    crawl.add_argument("--sites", metavar="FILE", help="the site collection for --all (default: DATA/sites.toml)")
    crawl.add_argument("--jobs", type=int, default=4, help="--all: sites crawled at once (default: 4)")
    crawl.add_argument("--base-url", help="point the site profile at another origin, e.g. the local replica")
    crawl.add_argument("--max-articles", type=int, help="schedule at most N articles")
    crawl.add_argument("--recheck-hours", type=float,
                       help="re-fetch archived articles published this recently, for edits (default: the profile's)")
    crawl.add_argument("--resources", choices=RESOURCE_MODES, help=RESOURCES_HELP)
    crawl.add_argument("--render", choices=RENDER_MODES, help=RENDER_HELP)
    crawl.add_argument("--screenshot", action="store_true", help=SCREENSHOT_HELP)
    crawl.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    crawl.add_argument("--json", action="store_true", help="print the run report as JSON")
    crawl.add_argument("-v", "--verbose", action="store_true", help="log to stderr instead of DATA/runs/RUN.log")
    crawl.add_argument("-q", "--quiet", action="store_true", help="no live status on a terminal")
    crawl.set_defaults(func=command("crawl", "cmd_crawl"))

    demo = sub.add_parser("demo", parents=[common], help="serve the rki.news replica, crawl it, search it")
    demo.add_argument("--serve", action="store_true", help="only serve the replica until interrupted (and the "
                                                           "reading room, where --data holds an archive)")
    demo.add_argument("--port", type=int, default=0, help="port for the replica (default: a free one)")
    demo.add_argument("-v", "--verbose", action="store_true", help="show the crawl log")
    demo.set_defaults(func=command("crawl", "cmd_demo"))

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--site", help="only this site (as stored: rki.news, or a host name)")
    filters.add_argument("--since", help="published on or after (YYYY-MM-DD or ISO 8601)")
    filters.add_argument("--until", help="published before (YYYY-MM-DD or ISO 8601)")
    filters.add_argument("--language", help="language code, e.g. en, ur")
    filters.add_argument("--category", help="one of the article's categories, exactly")
    filters.add_argument("--author", help="one of the article's authors (any case)")
    filters.add_argument("--access", choices=["free", "paywalled", "unknown"],
                         help="whether the page gave the whole article: free, paywalled (a teaser is flagged "
                              "partial) or unknown")

    search = sub.add_parser("search", parents=[common, filters], help="full-text search of the archived snippets")
    search.add_argument("query", nargs="?", help="FTS5 query: words, \"phrases\", AND/OR/NOT, prefix*; "
                                                 "omit it to list by the filters alone")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--order", choices=["newest", "oldest", "relevance"], default="newest")
    search.add_argument("--collapse", action="store_true",
                        help="one row per story: syndicated copies and near-duplicates under one, with their count")
    out = search.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a JSON array of snippet objects")
    out.add_argument("--jsonl", action="store_true", help="one snippet object a line")
    search.set_defaults(func=command("query", "cmd_search"))

    show = sub.add_parser("show", parents=[common], help="one snippet with every field and its provenance")
    show.add_argument("ref", metavar="ID|URL", help="a snippet id, or an article URL (its latest version)")
    show.add_argument("--json", action="store_true", help="one JSON object, with replay_url")
    show.add_argument("--replay-port", type=int, default=8080, help="port of `newsarchive replay` (default 8080)")
    show.set_defaults(func=command("query", "cmd_show"))

    stats = sub.add_parser("stats", parents=[common], help="articles per site, day and language; runs; WARC bytes")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=command("query", "cmd_stats"))

    verify = sub.add_parser("verify", parents=[common], help="check every WARC file and every snippet pointer")
    verify.add_argument("--json", action="store_true")
    verify.add_argument("-v", "--verbose", action="store_true", help="a line per file checked")
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress bar on a terminal")
    verify.set_defaults(func=command("maintenance", "cmd_verify"))

    dedupe = sub.add_parser("dedupe", parents=[common],
                            help="group syndicated copies and near-duplicates (each new version is grouped as it "
                                 "is stored; this fingerprints older archives, or all again with --rebuild)")
    dedupe.add_argument("--rebuild", action="store_true", help="drop every fingerprint and cluster and make them again")
    dedupe.add_argument("--json", action="store_true")
    dedupe.add_argument("-q", "--quiet", action="store_true", help="no progress bar on a terminal")
    dedupe.set_defaults(func=command("maintenance", "cmd_dedupe"))

    reextract = sub.add_parser("reextract", parents=[common],
                               help="clean archived records again with today's cleaners (no network)")
    reextract.add_argument("--site")
    reextract.add_argument("--since", help="only articles published on or after this date")
    reextract.add_argument("--unclaimed", action="store_true",
                           help="also clean article pages no snippet came from (rejected or flagged before)")
    reextract.add_argument("--workers", type=int, default=-1,
                           help="processes that read and clean records (default: one per core; 0: none)")
    reextract.add_argument("--json", action="store_true")
    reextract.add_argument("-q", "--quiet", action="store_true", help="no progress bar on a terminal")
    reextract.set_defaults(func=command("maintenance", "cmd_reextract"))

    importing = sub.add_parser("import", parents=[common],
                               help="bring in WARC or ARC files other tools wrote (copied, cleaned, searchable)")
    importing.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                           help="a .warc, .warc.gz, .arc or .arc.gz file, or a directory of them")
    importing.add_argument("--cc-news", metavar="LISTING",
                           help="Common Crawl's news crawl: a warc.paths.gz listing (a file or a URL) whose files "
                                "are streamed from --data-url and not kept")
    importing.add_argument("--data-url", metavar="URL",
                           help="where the listing's paths are served (e.g. https://data.commoncrawl.org)")
    importing.add_argument("--site", help="only records of this site (a profile's name, or a host and its "
                                          "subdomains), cleaned with its profile")
    importing.add_argument("--since", help="only captures made on or after this date (their WARC-Date)")
    importing.add_argument("--until", help="only captures made before this date")
    importing.add_argument("--workers", type=int, default=-1,
                           help="processes that clean pages (default: one per core; 0: none)")
    importing.add_argument("--json", action="store_true", help="print the run's report as JSON")
    importing.add_argument("-q", "--quiet", action="store_true", help="no progress bar on a terminal")
    importing.set_defaults(func=command("past", "cmd_import"))

    back = sub.add_parser("backfill", parents=[common],
                          help="bring in a site's past captures from a web archive's CDX server")
    back.add_argument("target", metavar="TARGET", help="a site (a profile's name or a host) or a URL prefix")
    back.add_argument("--cdx", required=True, metavar="URL",
                      help="the CDX server (e.g. https://web.archive.org/cdx/search/cdx, or pywb's COLL/cdx)")
    back.add_argument("--replay", metavar="URL", help="where captures replay as REPLAY/TIMESTAMPid_/URL (default: "
                                                      "the CDX URL without its /cdx, as pywb lays it out)")
    back.add_argument("--data-url", metavar="URL", help="fetch each capture's WARC record from DATA-URL/FILENAME "
                                                        "by a range request, where the index gives its place")
    back.add_argument("--since", help="only captures made on or after this date")
    back.add_argument("--until", help="only captures made before this date")
    back.add_argument("--limit", type=int, help="fetch at most this many captures")
    back.add_argument("--delay", type=float, default=1.0, help="seconds between requests to the archive (default 1)")
    back.add_argument("--retries", type=int, default=4,
                      help="times a request the archive failed is tried again, waiting twice as long each time")
    back.add_argument("--timeout", type=float, default=30.0,
                      help="seconds to wait for each answer of the archive before retrying (default 30)")
    back.add_argument("--workers", type=int, default=-1,
                      help="processes that clean pages (default: one per core; 0: none)")
    back.add_argument("--json", action="store_true", help="print the run's report as JSON")
    back.add_argument("-q", "--quiet", action="store_true", help="no progress on a terminal")
    back.set_defaults(func=command("past", "cmd_backfill"))

    qa = sub.add_parser("qa", parents=[common],
                        help="replay archived article pages in headless Chromium and check every request")
    qa.add_argument("--site", help="only this site's articles")
    qa.add_argument("--sample", type=int, default=20, help="articles checked, drawn at random (default: 20)")
    qa.add_argument("--port", type=int, default=0, help="pywb's port (default: a free one)")
    qa.add_argument("--json", action="store_true", help="print the check of every page as JSON")
    qa.set_defaults(func=command("qa", "cmd_qa"))

    serve = sub.add_parser("serve", parents=[common],
                           help="the reading room: search, read and compare archived articles in a browser; JSON API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--token-file", type=Path, metavar="FILE",
                       help="a file holding the token every request must carry (needed beyond loopback)")
    serve.add_argument("--replay-url", metavar="URL",
                       help="where `newsarchive replay` serves the archived pages, linked from each article "
                            "(e.g. http://127.0.0.1:8080)")
    serve.add_argument("--replay-port", type=int, metavar="PORT",
                       help="also start `newsarchive replay` on 127.0.0.1:PORT and link each article to its page "
                            "there (a reader on this machine; beyond it, run replay apart and give --replay-url)")
    serve.set_defaults(func=command("serve", "cmd_serve"))

    replay = sub.add_parser("replay", parents=[common], help="serve the archive's WARC files with pywb")
    replay.add_argument("--port", type=int, default=8080)
    replay.set_defaults(func=command("maintenance", "cmd_replay"))

    fetch = sub.add_parser("fetch", parents=[common], help="fetch given URLs now, whatever was archived before")
    fetch.add_argument("urls", nargs="*", metavar="URL")
    fetch.add_argument("--from-file", metavar="FILE", help="one URL a line; - for standard input")
    fetch.add_argument("--site", help="clean with this site's profile (default: from the archive or the host)")
    fetch.add_argument("--resources", choices=RESOURCE_MODES, help=RESOURCES_HELP)
    fetch.add_argument("--render", choices=RENDER_MODES, help=RENDER_HELP)
    fetch.add_argument("--screenshot", action="store_true", help=SCREENSHOT_HELP)
    fetch.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    fetch.add_argument("--json", action="store_true", help="print the results as JSON")
    fetch.add_argument("-v", "--verbose", action="store_true", help="log to stderr instead of DATA/runs/RUN.log")
    fetch.set_defaults(func=command("fetch", "cmd_fetch"))

    extract = sub.add_parser("extract", help="clean one page of your own: title, dates, authors, text")
    extract.add_argument("file", metavar="FILE", help="the page's HTML as served (bytes); - for standard input")
    extract.add_argument("--url", required=True, help="the page's URL: picks the site profile, resolves links")
    extract.add_argument("--content-type", help="the HTTP Content-Type it was served with (its charset is used)")
    extract.add_argument("--json", action="store_true", help="print the article as JSON")
    extract.set_defaults(func=command("extract", "cmd_extract"))

    history = sub.add_parser("history", parents=[common], help="the archived versions of an article")
    history.add_argument("url")
    history.add_argument("--diff", action="store_true", help="paragraph-level diff between consecutive versions")
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=command("query", "cmd_history"))

    runs = sub.add_parser("runs", parents=[common], help="past crawl runs, newest first")
    runs.add_argument("--site")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(func=command("query", "cmd_runs"))

    export = sub.add_parser("export", parents=[common, filters],
                            help="write snippets as JSON lines, CSV or Parquet (latest versions by default)")
    export.add_argument("--format", choices=["jsonl", "csv", "parquet", "wacz"], default="jsonl",
                        help="wacz: the articles' WARC records, a CDXJ index and their text, for sharing and replay")
    export.add_argument("-o", "--output", required=True,
                        help="output file, - for stdout (not for Parquet or WACZ)")
    export.add_argument("--all-versions", action="store_true", help="every stored version, not only the latest")
    export.set_defaults(func=command("export", "cmd_export"))

    cluster = argparse.ArgumentParser(add_help=False)
    cluster.add_argument("--broker", metavar="URL", help="the Redis broker (default: $NEWSARCHIVE_BROKER, "
                                                         "else redis://127.0.0.1:6379/0)")
    cluster.add_argument("--redeliver-after", type=float, metavar="SECONDS",
                         help="how long a job of a lost worker waits before another worker takes it "
                              "(default: $NEWSARCHIVE_REDELIVER_AFTER, else 300)")
    cluster.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a setting for the runs")

    worker = sub.add_parser("worker", parents=[common, cluster], help="run site jobs from the broker (Celery)")
    worker.add_argument("--name", help="this worker's name and its directory under DATA/warc "
                                       "(default: HOST-PID; unique across machines)")
    worker.add_argument("--concurrency", type=int, default=1, help="runs at once (default: 1)")
    worker.add_argument("-v", "--verbose", action="store_true", help="Celery's log at INFO")
    worker.set_defaults(func=command("cluster", "cmd_worker"))

    enqueue = sub.add_parser("enqueue", parents=[common, cluster], help="queue site runs for the workers")
    enqueue.add_argument("targets", nargs="*", metavar="TARGET", help="site names or start URLs")
    enqueue.add_argument("--all", action="store_true", help="every site of the collection that is due")
    enqueue.add_argument("--sites", metavar="FILE", help="the site collection (default: DATA/sites.toml)")
    enqueue.add_argument("--base-url", help="point the site profile at another origin")
    enqueue.add_argument("--wait", action="store_true",
                         help="wait for the runs, print each summary, exit with the worst status")
    enqueue.add_argument("--timeout", type=float, help="--wait: give up after this many seconds")
    enqueue.add_argument("--json", action="store_true", help="--wait: the run reports as JSON")
    enqueue.set_defaults(func=command("cluster", "cmd_enqueue"))

    beat = sub.add_parser("beat", parents=[common, cluster], help="queue each site of the collection when it is due")
    beat.add_argument("--sites", metavar="FILE", help="the site collection (default: DATA/sites.toml)")
    beat.add_argument("--every", type=float, default=60, help="seconds between looks (default: 60)")
    beat.add_argument("--once", action="store_true", help="look once and exit (for cron)")
    beat.set_defaults(func=command("cluster", "cmd_beat"))

    store = sub.add_parser("store", help="manage the store itself")
    store_sub = store.add_subparsers(dest="store_command", required=True)
    copy = store_sub.add_parser("copy", parents=[common],
                                help="copy the whole store to an empty PostgreSQL database or data directory")
    copy.add_argument("--to", required=True, metavar="URL|DIR",
                      help="a postgresql:// URL, or a data directory whose archive.sqlite is created")
    copy.add_argument("-v", "--verbose", action="store_true", help="print progress per table")
    copy.add_argument("-q", "--quiet", action="store_true", help="no progress bar on a terminal")
    copy.set_defaults(func=command("store_copy", "cmd_store_copy"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "data"):
            args.location = resolve_location(args.data, getattr(args, "store", None))
        code: int = args.func(args)
    except CliError as exc:
        print(f"newsarchive: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except store_errors() as exc:  # a database that cannot be reached or refuses: say which and why
        if isinstance(exc, sqlite3.Error):
            raise
        why = " ".join(str(exc).split())  # libpq's messages run over several lines
        print(f"newsarchive: error: the store at {args.location.describe()} failed: {why}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("newsarchive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `newsarchive search ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141  # what a shell reports for a process ended by SIGPIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
