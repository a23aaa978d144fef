"""`newsarchive fetch`: fetch given URLs now and say, per URL, what the archive made of them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.commands.common import CliError, parse_overrides, prepare_data_dir, run_crawl
from crawler.discovery.urls import BadUrlError, validate_url
from crawler.runs.outcome import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL
from crawler.sites import UnknownSiteError, profile_class
from crawler.spiders.given_urls import split_urls


def read_urls(args: argparse.Namespace) -> list[str]:
    urls = list(args.urls)
    if args.from_file:
        try:
            text = sys.stdin.read() if args.from_file == "-" else Path(args.from_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {args.from_file}: {getattr(exc, 'strerror', None) or exc}") from exc
        urls += split_urls(text)
    if not urls:
        raise CliError("no URL given (pass URLs or --from-file FILE)")
    return urls


def outcome_of(raw: str, outcomes: dict[str, dict[str, str]]) -> dict[str, str]:
    if raw in outcomes:
        return outcomes[raw]
    try:
        return outcomes.get(validate_url(raw), {"outcome": "failed", "reason": "no response (see the run log)"})
    except BadUrlError as exc:
        return {"outcome": "failed", "reason": str(exc)}


def cmd_fetch(args: argparse.Namespace) -> int:
    urls = read_urls(args)
    if args.site:
        try:
            profile_class(args.site)
        except UnknownSiteError as exc:
            raise CliError(str(exc)) from exc
    overrides = parse_overrides(args.set or [], args)
    prepare_data_dir(args.data)
    from crawler.spiders.given_urls import UrlsSpider

    report = run_crawl(args.location, UrlsSpider, {"urls": urls, "site": args.site or ""}, overrides, args.verbose)
    outcomes: dict[str, dict[str, str]] = report.get("urls", {})
    results: list[dict[str, Any]] = [{"url": raw, **outcome_of(raw, outcomes)} for raw in urls]
    failed = sum(r["outcome"] == "failed" for r in results)
    if args.json:
        print(json.dumps({"run_id": report["run_id"], "status": report["status"], "results": results},
                         indent=2, ensure_ascii=False))
    else:
        for r in results:
            detail = r.get("reason") or r.get("title", "")
            print(f"{r['outcome']:9} {r['url']}  {detail}".rstrip())
        print(f"{len(results) - failed} of {len(results)} URL(s) archived; run {report['run_id']}")
    if report["status"] == "interrupted":
        return EXIT_INTERRUPTED
    if failed == len(results):
        return EXIT_FAILED
    return EXIT_PARTIAL if failed else EXIT_OK
