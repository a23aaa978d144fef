"""`newsarchive qa`: archived article pages replayed through pywb in headless Chromium, every request checked."""

from __future__ import annotations

import argparse
import json

from archive.browser import BrowserUnavailable, chromium
from archive.children import stop, stop_signals_raise
from archive.warc.qa import QaReport, check_replay, sample
from archive.warc.replay import ReplayUnavailable, free_port, start, wait_until_up
from crawler.commands.common import CliError, open_archive
from crawler.runs.outcome import EXIT_FAILED, EXIT_OK


def print_report(report: QaReport) -> None:
    for page in report.pages:
        mark = "ok  " if page.ok else "FAIL"
        print(f"{mark} {len(page.served)}/{len(page.requested)} served  {page.url}")
        for url in page.missing_archivable:
            print(f"       missing from the archive: {url}")
        for url in page.left_for_live_web:
            print(f"       would have left for the live web: {url}")
        if page.error:
            print(f"       {page.error}")
    t = report.totals()
    print(f"\n{t['pages_ok']} of {t['pages']} page(s) replay complete; resources {t['served']} served of "
          f"{t['requested']} requested, {t['missing']} missing ({t['missing_archivable']} the crawl could have "
          f"archived); {t['left_for_live_web']} request(s) would have left for the live web")


def cmd_qa(args: argparse.Namespace) -> int:
    if args.sample < 1:
        raise CliError(f"--sample must be at least 1 (got {args.sample})")
    with open_archive(args.location) as archive:
        snippets = sample(archive, args.site, args.sample)
        if not snippets:
            raise CliError(f"no archived articles{' of ' + args.site if args.site else ''} to check")
        port = args.port or free_port()
        with stop_signals_raise():  # SIGTERM ends it as Ctrl-C does: pywb and Chromium are stopped
            try:
                proc = start(args.data, port)
            except ReplayUnavailable as exc:
                raise CliError(str(exc)) from exc
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base)
                with chromium() as browser:
                    report = check_replay(archive, base, snippets, browser)
            except (BrowserUnavailable, TimeoutError) as exc:
                raise CliError(str(exc)) from exc
            finally:
                stop(proc)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_report(report)
    return EXIT_OK if report.ok else EXIT_FAILED
