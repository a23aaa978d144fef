"""`newsarchive`: crawl sites, run the demo on the local replica, search and export the archive."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from archive.snippets import Snippet
from archive.store import QueryError, SnippetStore
from crawler.sites import UnknownSiteError, profile_class
from crawler.urls import BadUrlError, validate_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEMO_QUERY = "Kyiv"


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def default_data_dir() -> Path:
    return Path(os.environ.get("NEWSARCHIVE_DATA") or "data")


def prepare_data_dir(path: Path) -> Path:
    """Create DATA, DATA/warc and DATA/runs, and prove they are writable before any crawling starts."""
    try:
        for sub in (path, path / "warc", path / "runs"):
            sub.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"data directory {path} is not writable: {exc.strerror or exc}") from exc
    return path


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"bad setting {pair!r}: expected NAME=VALUE")
        settings[name.strip()] = value
    return settings


def run_crawl(data: Path, spider_args: dict[str, Any], overrides: dict[str, Any], verbose: bool) -> dict[str, Any]:
    """Run one crawl in this process and return its run report."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.news import NewsSpider, new_run_id

    run_id = new_run_id()
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSARCHIVE_DATA", str(data), priority="cmdline")
    settings.set("NEWSARCHIVE_RUN_ID", run_id, priority="cmdline")
    if not verbose:
        settings.set("LOG_FILE", str(data / "runs" / f"{run_id}.log"), priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(NewsSpider, **spider_args)
    process.start()
    report_path = data / "runs" / f"{run_id}.json"
    if not report_path.exists():
        raise CliError(f"the crawl did not finish; see {data / 'runs' / (run_id + '.log')}")
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report


def print_report(report: dict[str, Any], data: Path) -> None:
    c = report["counts"]
    errors = report["errors"]
    print(f"run {report['run_id']}  {report['site']}  {report['status']} in {report['duration_s']} s")
    print(f"  pages fetched {report['pages_fetched']}; articles new {c['articles/new']}, "
          f"changed {c['articles/changed']}, unchanged {c['articles/unchanged']}; "
          f"revisit records {c['warc/records/revisit']}")
    print(f"  WARC: {c['warc/files']} file(s), {c['warc/bytes']:,} bytes in {data / 'warc'}")
    if errors:
        for kind, info in sorted(errors.items()):
            print(f"  errors {kind}: {info['count']} (e.g. {', '.join(info['examples'][:2])})")
    else:
        print("  errors: none")


def crawl_exit_code(report: dict[str, Any]) -> int:
    """Non-zero when the run did not do its job: stopped early, nothing fetched, or nothing archived."""
    c = report["counts"]
    if report["status"] != "finished" or report["pages_fetched"] == 0:
        return EXIT_FAILED
    if c["warc/records/response"] + c["warc/records/revisit"] == 0:
        return EXIT_FAILED
    return EXIT_OK


def cmd_crawl(args: argparse.Namespace) -> int:
    target: str = args.target
    spider_args: dict[str, Any] = {"max_articles": args.max_articles or 0}
    try:
        if "://" in target:
            if args.base_url:
                raise CliError("--base-url only goes with a site name, not a start URL")
            spider_args["start_url"] = validate_url(target)
        else:
            spider_args["site"] = profile_class(target).name
            if args.base_url:
                spider_args["base_url"] = validate_url(args.base_url)
    except (UnknownSiteError, BadUrlError) as exc:
        raise CliError(str(exc)) from exc
    overrides = parse_overrides(args.set or [])
    data = prepare_data_dir(args.data)
    report = run_crawl(data, spider_args, overrides, args.verbose)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report, data)
    return crawl_exit_code(report)


def print_hits(store: SnippetStore, query: str, *, site: str | None = None, since: str | None = None,
               until: str | None = None, limit: int | None = 10, as_json: bool = False) -> int:
    try:
        hits = store.search(query, site=site, since=since, until=until, limit=limit)
    except QueryError as exc:
        raise CliError(str(exc)) from exc
    if as_json:
        for hit in hits:
            print(json.dumps({**hit.snippet.to_dict(), "fragment": hit.fragment}, ensure_ascii=False))
        return EXIT_OK
    for hit in hits:
        s = hit.snippet
        print(f"{(s.published or '')[:10]}  {s.title}\n            {s.url}\n            {hit.fragment}")
    print(f"{len(hits)} result(s) for {query!r}")
    return EXIT_OK


def _check_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    from datetime import datetime

    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{flag}: not a date: {value!r} (use YYYY-MM-DD)") from exc
    return value


def open_store(data: Path) -> SnippetStore:
    try:
        return SnippetStore(data, readonly=True)
    except FileNotFoundError as exc:
        raise CliError(f"no archive in {data} (run a crawl first, or pass --data)") from exc


def cmd_search(args: argparse.Namespace) -> int:
    since, until = _check_date(args.since, "--since"), _check_date(args.until, "--until")
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")
    store = open_store(args.data)
    try:
        return print_hits(store, args.query, site=args.site, since=since, until=until, limit=args.limit,
                          as_json=args.json)
    finally:
        store.close()


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(args.data)
    count = 0
    with contextlib.ExitStack() as stack:
        stack.callback(store.close)
        if args.output == "-":
            handle: IO[str] = sys.stdout
        else:
            try:
                handle = stack.enter_context(Path(args.output).open("w", encoding="utf-8"))
            except OSError as exc:
                raise CliError(f"cannot write {args.output}: {exc.strerror}") from exc
        for snippet in store.latest(site=args.site):
            handle.write(json.dumps(export_record(snippet), ensure_ascii=False) + "\n")
            count += 1
    print(f"exported {count} snippet(s) to {args.output}", file=sys.stderr)
    return EXIT_OK


def export_record(snippet: Snippet) -> dict[str, Any]:
    """The documented export schema: every snippet field except the store's row id."""
    data = snippet.to_dict()
    data.pop("id")
    return data


def cmd_demo(args: argparse.Namespace) -> int:
    from replica import ReplicaServer

    if args.serve:
        with ReplicaServer(port=args.port) as server:
            print(f"serving the rki.news replica at {server.base_url}/ (Ctrl-C stops)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return EXIT_OK
    data = prepare_data_dir(args.data)
    started = time.monotonic()
    with ReplicaServer(port=args.port) as server:
        print(f"replica of rki.news at {server.base_url}/ ({len(server.site.posts)} articles); crawling ...",
              flush=True)
        report = run_crawl(data, {"site": "rki.news", "base_url": server.base_url}, {}, args.verbose)
    print_report(report, data)
    store = SnippetStore(data, readonly=True)
    try:
        print(f"\narchive {data / 'archive.sqlite'} holds {store.count()} articles; sample search {DEMO_QUERY!r}:")
        print_hits(store, DEMO_QUERY, limit=3)
    finally:
        store.close()
    print(f"\ndemo finished in {time.monotonic() - started:.1f} s", flush=True)
    return crawl_exit_code(report)


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
