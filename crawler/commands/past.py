"""Bringing in the past: ``newsarchive import`` (WARC and ARC files of other tools) and ``backfill`` (a web
archive's captures)."""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING

from crawler.cleaning.fork_server import cleaning_workers, start_early
from crawler.commands.common import CliError, check_date, prepare_data_dir
from crawler.runs.outcome import EXIT_FAILED, EXIT_OK
from crawler.runs.sources import ImportArgumentError, source_files

if TYPE_CHECKING:
    from crawler.runs.importing import ImportReport

# Each command checks its arguments, starts the cleaning processes' fork server, and only then imports its
# run's modules (the store, the cleaners, Scrapy's recovery, even the progress bar): the two load side by side.
# What a check needs (w3lib's URL parsing) is imported by the check.


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0 when every source was read whole, 1 when parts of one could not be read (they are listed)."""
    check_date(args.since, "--since")
    check_date(args.until, "--until")
    if args.workers < -1:
        raise CliError(f"--workers must be 0 or more (got {args.workers})")
    if args.cc_news:
        return _import_cc_news(args)
    if args.data_url:
        raise CliError("--data-url goes with --cc-news")
    if not args.paths:
        raise CliError("name the WARC or ARC files (or directories) to import, or a listing with --cc-news")
    try:
        files = source_files(args.paths)
    except ImportArgumentError as exc:
        raise CliError(str(exc)) from exc
    prepare_data_dir(args.data)
    total = sum(path.stat().st_size for path in files)
    workers = cleaning_workers(args.workers)
    start_early(workers)
    from crawler.commands.terminal import progress_bar, wants_progress
    from crawler.runs.importing import import_warcs

    with progress_bar("import: read", total, wants_progress(args.quiet), in_bytes=True) as done:
        report = import_warcs(args.location, files, site=args.site, since=args.since, until=args.until,
                              workers=workers, progress=done,
                              operator=os.environ.get("NEWSARCHIVE_OPERATOR", ""))
    return _print_report(report, args.json)


def _import_cc_news(args: argparse.Namespace) -> int:
    if args.paths:
        raise CliError("--cc-news imports the files of its listing: name no PATH with it")
    if not args.data_url:
        raise CliError("--cc-news needs --data-url, where the listing's paths are served")
    from crawler.discovery.urls import BadUrlError, validate_url

    try:
        validate_url(args.data_url)
    except BadUrlError as exc:
        raise CliError(f"--data-url: {exc}") from exc
    prepare_data_dir(args.data)
    workers = cleaning_workers(args.workers)
    start_early(workers)
    from crawler.commands.terminal import progress_bar, wants_progress
    from crawler.runs.cc_news import import_cc_news

    with progress_bar("import: CC-NEWS files", None, wants_progress(args.quiet)) as done:  # total from the listing
        try:
            report = import_cc_news(args.location, args.cc_news, args.data_url, site=args.site, since=args.since,
                                    until=args.until, workers=workers,
                                    progress=done, operator=os.environ.get("NEWSARCHIVE_OPERATOR", ""),
                                    contact=os.environ.get("NEWSARCHIVE_CONTACT", ""))
        except ImportArgumentError as exc:
            raise CliError(str(exc)) from exc
    return _print_report(report, args.json)


def _print_report(report: ImportReport, as_json: bool) -> int:
    """The run's summary, and its exit code: 0 when every source was read whole, 1 when parts of one could not
    be read or captures could not be fetched (they are listed)."""
    if as_json:
        print(json.dumps(report.summary(), indent=2, ensure_ascii=False))
    else:
        kind = "backfill" if report.source == "backfill" else "import"
        read = (f"{report.captures_listed:,} capture(s) listed under {report.target}, {report.duplicates:,} repeating "
                "a digest already taken" if kind == "backfill" else f"{report.files} file(s)")
        print(f"{kind} {report.run_id}: {read}; {report.records:,} record(s) read, "
              f"{report.copied:,} copied ({report.already_imported:,} already in the archive, "
              f"{report.out_of_scope:,} out of scope) in {report.duration_s:.1f} s")
        print(f"  pages cleaned {report.pages:,}: new articles {report.new:,}, new versions {report.changed:,}, "
              f"unchanged {report.unchanged:,}, not articles {report.not_articles:,}"
              + (f", other renderings of an archived article {report.alternates:,}" if report.alternates else "")
              + (f", revisits without their original {report.revisits_unresolved:,}"
                 if report.revisits_unresolved else ""))
        for reason, urls in report.failed.items():
            print(f"  {reason}: {len(urls)} (e.g. {', '.join(urls[:2])})")
        for page in report.cdx_pages_failed:
            print(f"  CDX {page}")
        for part in report.damaged[:20]:
            print(f"  skipped {part['file']}@{part['offset']}: {part['reason']}")
        if len(report.damaged) > 20:
            print(f"  ... and {len(report.damaged) - 20} more unreadable part(s)")
        if report.listing_skipped:
            print(f"  listing lines without a file time: {report.listing_skipped}")
    incomplete = report.damaged or report.cdx_pages_failed or report.failed.get("archive_unavailable") or \
        report.failed.get("file_unavailable")
    return EXIT_FAILED if incomplete else EXIT_OK


def cmd_backfill(args: argparse.Namespace) -> int:
    check_date(args.since, "--since")
    check_date(args.until, "--until")
    if args.limit is not None and args.limit < 1:
        raise CliError(f"--limit must be 1 or more (got {args.limit})")
    if args.delay < 0:
        raise CliError(f"--delay must be 0 or more (got {args.delay})")
    if not 0 <= args.retries <= 20:
        raise CliError(f"--retries must be 0 to 20 (got {args.retries})")
    if args.timeout <= 0:
        raise CliError(f"--timeout must be more than 0 (got {args.timeout})")
    if args.workers < -1:
        raise CliError(f"--workers must be 0 or more (got {args.workers})")
    from crawler.discovery.urls import BadUrlError, validate_url

    for flag, value in (("--cdx", args.cdx), ("--replay", args.replay), ("--data-url", args.data_url)):
        if value is not None:
            try:
                validate_url(value)
            except BadUrlError as exc:
                raise CliError(f"{flag}: {exc}") from exc
    prepare_data_dir(args.data)
    workers = cleaning_workers(args.workers)
    start_early(workers)
    from crawler.commands.terminal import progress_bar, wants_progress
    from crawler.fetching.web_archive import ArchiveUnavailable
    from crawler.runs.backfill import backfill

    with progress_bar("backfill: captures", None, wants_progress(args.quiet)) as done:
        try:
            report = backfill(args.location, args.target, args.cdx, replay_url=args.replay, data_url=args.data_url,
                              since=args.since, until=args.until, limit=args.limit, delay=args.delay,
                              timeout=args.timeout, retries=args.retries, workers=workers, progress=done,
                              operator=os.environ.get("NEWSARCHIVE_OPERATOR", ""),
                              contact=os.environ.get("NEWSARCHIVE_CONTACT", ""))
        except ImportArgumentError as exc:
            raise CliError(str(exc)) from exc
        except ArchiveUnavailable as exc:
            raise CliError(f"the archive's CDX server did not answer: {exc}") from exc
    return _print_report(report, args.json)
