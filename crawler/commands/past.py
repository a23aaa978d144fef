"""Bringing in the past: ``newsarchive import`` (WARC and ARC files of other tools)."""

from __future__ import annotations

import argparse
import json
import os

from crawler.cleaning.pool import default_workers
from crawler.commands.common import CliError, check_date, prepare_data_dir
from crawler.commands.terminal import progress_bar, wants_progress
from crawler.runs.importing import ImportArgumentError, import_warcs, source_files
from crawler.runs.outcome import EXIT_FAILED, EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0 when every source was read whole, 1 when parts of one could not be read (they are listed)."""
    check_date(args.since, "--since")
    check_date(args.until, "--until")
    if args.workers < -1:
        raise CliError(f"--workers must be 0 or more (got {args.workers})")
    try:
        files = source_files(args.paths)
    except ImportArgumentError as exc:
        raise CliError(str(exc)) from exc
    prepare_data_dir(args.data)
    total = sum(path.stat().st_size for path in files)
    with progress_bar("import: bytes read", total, wants_progress(args.quiet)) as done:
        report = import_warcs(args.location, files, site=args.site, since=args.since, until=args.until,
                              workers=default_workers() if args.workers < 0 else args.workers, progress=done,
                              operator=os.environ.get("NEWSARCHIVE_OPERATOR", ""))
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"import {report.run_id}: {report.files} file(s), {report.records:,} record(s) read, "
              f"{report.copied:,} copied ({report.already_imported:,} already in the archive, "
              f"{report.out_of_scope:,} out of scope) in {report.duration_s:.1f} s")
        print(f"  pages cleaned {report.pages:,}: new articles {report.new:,}, new versions {report.changed:,}, "
              f"unchanged {report.unchanged:,}, not articles {report.not_articles:,}"
              + (f", other renderings of an archived article {report.alternates:,}" if report.alternates else "")
              + (f", revisits without their original {report.revisits_unresolved:,}"
                 if report.revisits_unresolved else ""))
        for reason, urls in report.failed.items():
            print(f"  {reason}: {len(urls)} (e.g. {', '.join(urls[:2])})")
        for part in report.damaged[:20]:
            print(f"  skipped {part['file']}@{part['offset']}: {part['reason']}")
        if len(report.damaged) > 20:
            print(f"  ... and {len(report.damaged) - 20} more unreadable part(s)")
    return EXIT_FAILED if report.damaged else EXIT_OK
