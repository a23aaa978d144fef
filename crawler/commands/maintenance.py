"""Looking after an archive: `verify`, `reextract`, `dedupe` and `replay`."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.cleaning.fork_server import cleaning_workers, start_early
from crawler.commands.common import CliError, check_date, open_archive
from crawler.runs.outcome import EXIT_FAILED, EXIT_OK

# The archive's tools are imported by the commands that use them: ``reextract`` starts the cleaning processes'
# fork server first, so that the cleaners load there while this process loads the store (as ``import`` does).


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.integrity import verify_archive
    from archive.warc.write import warc_paths
    from crawler.commands.terminal import progress_bar, wants_progress

    open_archive(args.location).close()  # a missing archive is a usage error, not a failed check
    progress = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    total = sum(p.stat().st_size for p in warc_paths(args.data / "warc"))
    with progress_bar("verify: WARC", total, wants_progress(args.quiet, args.verbose), in_bytes=True) as checked:
        report = verify_archive(args.location, progress, checked)
    if args.json:
        print(json.dumps({**report.__dict__, "ok": report.ok}, indent=2))
    else:
        for problem in report.problems[:50]:
            print(problem)
        if len(report.problems) > 50:
            print(f"... and {len(report.problems) - 50} more")
        verdict = "OK" if report.ok else f"{len(report.problems)} PROBLEM(S)"
        print(f"verify: {report.files} WARC file(s), {report.records:,} records, {report.bytes:,} bytes, "
              f"{report.snippets:,} snippet(s): {verdict}")
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_dedupe(args: argparse.Namespace) -> int:
    """Fingerprint the versions that have none (all of them with --rebuild) and put each in its cluster."""
    from archive.api import Archive
    from crawler.commands.terminal import progress_bar, wants_progress

    open_archive(args.location).close()  # a missing archive is a usage error
    with Archive(args.location, readonly=False) as archive:
        total = archive.count(all_versions=True) if args.rebuild else None
        with progress_bar("dedupe: versions", total, wants_progress(args.quiet, False)) as advance:
            done = archive.dedupe(rebuild=args.rebuild, progress=advance)
        clusters = archive.store.copy_clusters()
    if args.json:
        print(json.dumps({"fingerprinted": done, "clusters_with_copies": clusters[0], "versions_in_them": clusters[1]}))
    else:
        print(f"dedupe: {done:,} version(s) fingerprinted; {clusters[0]:,} stor(ies) run by more than one article "
              f"({clusters[1]:,} latest versions)")
    return EXIT_OK


def cmd_reextract(args: argparse.Namespace) -> int:
    check_date(args.since, "--since")
    if args.workers < -1:
        raise CliError(f"--workers must be 0 or more (got {args.workers})")
    workers = cleaning_workers(args.workers)
    start_early(workers)  # its cleaners load while the store and the run's modules do (it ends with this process)
    with open_archive(args.location) as archive:
        if args.site and args.site not in archive.sites():
            raise CliError(f"unknown site {args.site!r} in this archive (it has: {', '.join(archive.sites())})")
        total = archive.count(site=args.site, since=args.since)  # --unclaimed adds records the bar then counts
    from crawler.commands.terminal import progress_bar, wants_progress
    from crawler.runs.reextract import reextract

    with progress_bar("reextract: records", total, wants_progress(args.quiet)) as done:
        report = reextract(args.location, site=args.site, since=args.since, unclaimed=args.unclaimed, progress=done,
                           workers=workers)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"reextract {report.run_id}: {report.records} record(s) cleaned again in {report.duration_s:.1f} s; "
              f"new versions {report.changed}, unchanged {report.unchanged}"
              + (f", articles from records no snippet had {report.unclaimed}" if args.unclaimed else ""))
        for reason, urls in report.failed.items():
            print(f"  {reason}: {len(urls)} (e.g. {', '.join(urls[:2])})")
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    from archive.children import Stopped, stop, stop_signals_raise
    from archive.warc.replay import ReplayUnavailable, start

    open_archive(args.location).close()
    with stop_signals_raise():  # SIGTERM and SIGHUP end it as Ctrl-C does: pywb is stopped, not orphaned
        try:
            proc = start(args.data, args.port)
        except ReplayUnavailable as exc:
            raise CliError(str(exc)) from exc
        try:
            base = f"http://127.0.0.1:{args.port}"
            print(f"replaying {args.data / 'warc'} at {base}/archive/ (Ctrl-C stops); "
                  f"`newsarchive show ID` prints a page's replay URL", flush=True)
            return proc.wait() and EXIT_FAILED
        except (KeyboardInterrupt, Stopped):
            return EXIT_OK
        finally:
            stop(proc)
