"""`newsarchive`: crawl sites, fetch given URLs, run the demo on the local replica, and read the archive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler.commands.common import EXIT_USAGE, CliError, default_data_dir
from crawler.commands.crawl import cmd_crawl, cmd_demo
from crawler.commands.fetch import cmd_fetch
from crawler.commands.query import cmd_export, cmd_history, cmd_runs, cmd_search


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, default=default_data_dir(),
                        help="data directory (default: $NEWSARCHIVE_DATA, else ./data)")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", parents=[common], help="crawl a configured site or a start URL")
    crawl.add_argument("target", help="a site name (rki.news) or a start URL (generic mode, same host)")
    crawl.add_argument("--base-url", help="point the site profile at another origin, e.g. the local replica")
    crawl.add_argument("--max-articles", type=int, help="schedule at most N articles")
    crawl.add_argument("--recheck-hours", type=float,
                       help="re-fetch archived articles published this recently, for edits (default: the profile's)")
    crawl.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    crawl.add_argument("--json", action="store_true", help="print the run report as JSON")
    crawl.add_argument("-v", "--verbose", action="store_true", help="log to stderr instead of DATA/runs/RUN.log")
    crawl.set_defaults(func=cmd_crawl)

    demo = sub.add_parser("demo", parents=[common], help="serve the rki.news replica, crawl it, search it")
    demo.add_argument("--serve", action="store_true", help="only serve the replica until interrupted")
    demo.add_argument("--port", type=int, default=0, help="port for the replica (default: a free one)")
    demo.add_argument("-v", "--verbose", action="store_true", help="show the crawl log")
    demo.set_defaults(func=cmd_demo)

    search = sub.add_parser("search", parents=[common], help="full-text search of the archived snippets")
    search.add_argument("query", help="FTS5 query: words, \"phrases\", AND/OR/NOT, prefix*")
    search.add_argument("--site")
    search.add_argument("--since", help="published on or after (YYYY-MM-DD or ISO 8601)")
    search.add_argument("--until", help="published before (YYYY-MM-DD or ISO 8601)")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object a line")
    search.set_defaults(func=cmd_search)

    fetch = sub.add_parser("fetch", parents=[common], help="fetch given URLs now, whatever was archived before")
    fetch.add_argument("urls", nargs="*", metavar="URL")
    fetch.add_argument("--from-file", metavar="FILE", help="one URL a line; - for standard input")
    fetch.add_argument("--site", help="clean with this site's profile (default: from the archive or the host)")
    fetch.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    fetch.add_argument("--json", action="store_true", help="print the results as JSON")
    fetch.add_argument("-v", "--verbose", action="store_true", help="log to stderr instead of DATA/runs/RUN.log")
    fetch.set_defaults(func=cmd_fetch)

    history = sub.add_parser("history", parents=[common], help="the archived versions of an article")
    history.add_argument("url")
    history.add_argument("--diff", action="store_true", help="paragraph-level diff between consecutive versions")
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=cmd_history)

    runs = sub.add_parser("runs", parents=[common], help="past crawl runs, newest first")
    runs.add_argument("--site")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(func=cmd_runs)

    export = sub.add_parser("export", parents=[common], help="write the latest version of every article")
    export.add_argument("--format", choices=["jsonl"], default="jsonl")
    export.add_argument("-o", "--output", required=True, help="output file, - for stdout")
    export.add_argument("--site")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"newsarchive: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("newsarchive: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
