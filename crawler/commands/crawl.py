"""`newsarchive crawl` and `newsarchive demo`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from archive.api import Archive
from archive.children import Stopped, stop_signals_raise
from archive.store.location import StoreLocation
from crawler.commands.common import DEMO_PORT, DEMO_QUERY, CliError, parse_overrides, prepare_data_dir, run_crawl
from crawler.commands.query import print_hits
from crawler.commands.serve import start_room
from crawler.discovery.urls import BadUrlError, validate_url
from crawler.runs.outcome import EXIT_LOCKED, EXIT_OK, crawl_exit_code, print_report
from crawler.sites import UnknownSiteError, profile_class, profile_for_url


def locked_crawl(location: StoreLocation, site: str, spider_args: dict[str, Any], overrides: dict[str, Any],
                 verbose: bool, quiet: bool = False) -> dict[str, Any] | None:
    """The crawl, under the site's lock with the repair before it (crawler.extensions.site_lock); None, with
    a line on stderr, when another run holds the lock."""
    from crawler.spiders.news import NewsSpider

    report = run_crawl(location, NewsSpider, spider_args, overrides, verbose, quiet)
    if report["status"] == "locked":
        print(f"newsarchive: {site}: {report.get('locked', 'another run holds the lock')}", file=sys.stderr)
        return None
    return report

def cmd_crawl(args: argparse.Namespace) -> int:
    if args.all:
        if args.target or args.base_url:
            raise CliError("--all crawls the sites of the collection: give no site, start URL or --base-url")
        from crawler.commands.crawl_all import cmd_crawl_all

        return cmd_crawl_all(args)
    if args.sites:
        raise CliError("--sites goes with --all")
    if not args.target:
        raise CliError("give a site name or a start URL to crawl, or --all")
    target: str = args.target
    spider_args: dict[str, Any] = {"max_articles": args.max_articles or 0}
    if args.recheck_hours is not None:
        spider_args["recheck_hours"] = args.recheck_hours
    try:
        if "://" in target:
            if args.base_url:
                raise CliError("--base-url only goes with a site name, not a start URL")
            spider_args["start_url"] = validate_url(target)
            site = profile_for_url(spider_args["start_url"]).site_name
        else:
            site = profile_class(target).name
            spider_args["site"] = site
            if args.base_url:
                spider_args["base_url"] = validate_url(args.base_url)
    except (UnknownSiteError, BadUrlError) as exc:
        raise CliError(str(exc)) from exc
    overrides = parse_overrides(args.set or [], args)
    data = prepare_data_dir(args.data)
    report = locked_crawl(args.location, site, spider_args, overrides, args.verbose, args.quiet)
    if report is None:
        return EXIT_LOCKED
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report, data)
    return crawl_exit_code(report)


def cmd_demo(args: argparse.Namespace) -> int:
    from replica import ReplicaServer

    if args.serve:
        with stop_signals_raise(), ReplicaServer(port=args.port) as server:
            room = None
            try:
                room = start_room(args.location)  # where a demo crawled before: its archive, to read
                print(f"serving the rki.news replica at {server.base_url}/ (Ctrl-C stops)", flush=True)
                if room is not None:
                    print(f"reading room of the archive in {args.location.describe()} at {room[0]}", flush=True)
                while True:
                    time.sleep(3600)
            except (KeyboardInterrupt, Stopped):
                return EXIT_OK
            finally:
                if room is not None:
                    room[1]()
    data = prepare_data_dir(args.data)
    started = time.monotonic()
    try:  # the same origin every time, so a second demo on the same data is an incremental run
        server = ReplicaServer(port=args.port or DEMO_PORT)
    except OSError:
        server = ReplicaServer(port=0)
    with server:
        print(f"replica of rki.news at {server.base_url}/ ({len(server.site.posts)} articles); crawling ...",
              flush=True)
        report = locked_crawl(args.location, "rki.news", {"site": "rki.news", "base_url": server.base_url}, {},
                              args.verbose)
    if report is None:
        return EXIT_LOCKED
    print_report(report, data)
    with Archive(args.location) as archive:
        print(f"\narchive {args.location.describe()} holds {archive.count()} articles; sample search {DEMO_QUERY!r}:")
        print_hits(archive, {"query": DEMO_QUERY}, limit=3)
    print(f"\ndemo finished in {time.monotonic() - started:.1f} s", flush=True)
    return crawl_exit_code(report)
