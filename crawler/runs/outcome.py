"""What a run came to: the exit codes a scheduler reads, and the run report in a few lines for people.

The policy belongs to the running layer: ``crawl``, ``crawl --all``, the cluster's workers and the site runs
they start all read a report the same way (the codes are documented in docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXIT_OK = 0  # the run did its job
EXIT_FAILED = 1  # it did not: site unreachable, nothing archived, every article failed
EXIT_USAGE = 2  # bad arguments or input: a one-line error on stderr
EXIT_PARTIAL = 3  # some of the work failed (fetch: some URLs), the rest is archived
EXIT_INTERRUPTED = 4  # stopped by SIGINT/SIGTERM; what was archived is intact
EXIT_LAYOUT_DRIFT = 5  # archived, but most article pages missed the site profile's rules: the profile needs work
EXIT_LOCKED = 75  # another run of the site holds its lock (EX_TEMPFAIL: try again later)


def resource_line(r: dict[str, Any]) -> str:
    """The page resources of a run in one line: how many were named, fetched, archived, and what failed."""
    failed = sum(v for k, v in r.items() if k.startswith(("failed_", "http_")) and not k.endswith("/examples"))
    limited = sum(v for k, v in r.items() if k.startswith("over_") and not k.endswith("/examples"))
    line = (f"page resources: {r.get('named', 0)} named by {r.get('pages', 0)} page(s); {r.get('requested', 0)} "
            f"fetched: {r.get('archived', 0)} archived, {r.get('not_modified', 0)} not modified, {failed} failed")
    if limited:
        line += f"; {limited} over the per-page limits"
    if offsite := r.get("offsite_of_local_page"):
        line += f"; {offsite} on the live web left out (the pages are local)"
    return line


def print_report(report: dict[str, Any], data: Path) -> None:
    """The run report in a few lines, for people and cron mails."""
    c = report["counts"]
    print(f"run {report['run_id']}  {report['site']}  {report['status']} in {report['duration_s']} s")
    print(f"  pages fetched {report['pages_fetched']}; articles new {c['articles/new']}, "
          f"changed {c['articles/changed']}, unchanged {c['articles/unchanged']}, "
          f"not modified {c['articles/not_modified']}, gone {c['articles/gone']}; "
          f"revisit records {c['warc/records/revisit']}")
    print(f"  WARC: {c['warc/files']} file(s), {c['warc/bytes']:,} bytes in {data / 'warc'}")
    if resources := report.get("resources"):
        print("  " + resource_line(resources))
    if render := report.get("render"):
        line = f"  rendered in a browser: {render.get('pages', 0)} page(s), {render.get('requests', 0)} request(s)"
        failed = sum(v for k, v in render.items() if k.startswith("failed_"))
        if failed:
            line += f"; {failed} page(s) failed in the browser"
        if render.get("unavailable"):
            line += f"; no browser here: {render['unavailable']} page(s) built by script left unrendered"
        print(line)
    for key, urls in sorted(report.get("examples", {}).items()):
        if key == "articles/gone":
            print(f"  gone (their archived versions stay): {', '.join(urls[:3])}")
    recovery = report.get("recovery") or {}
    if recovery.get("salvaged") or recovery.get("removed") or recovery.get("crashed_runs"):
        print(f"  recovered after a crash: {len(recovery['salvaged'])} WARC file(s) salvaged, "
              f"{recovery['snippets_restored']} snippet(s) restored, runs marked crashed: "
              f"{', '.join(recovery['crashed_runs']) or 'none'}")
    if drift := report.get("layout_drift"):
        print(f"  warning: {report['site']}: {drift['misses']} of {drift['articles']} article pages "
              f"({drift['share']:.0%}) did not match the {drift['profile']} rules and were cleaned by the generic "
              f"cleaner{'; the layout has changed, update the profile' if drift['drifted'] else ''}")
    if left := report["counts"].get("discovery/left"):
        print(f"  discovery: {left} page(s) found but not fetched this run; the next run starts with them")
    if report["counts"].get("articles/encoding_guessed"):
        print(f"  {report['counts']['articles/encoding_guessed']} article(s) stored with a guessed encoding "
              "(flag encoding_guessed)")
    if report["counts"].get("articles/body_truncated"):
        print(f"  {report['counts']['articles/body_truncated']} article(s) over 8 MB read from their first 8 MB "
              "(flag body_truncated)")
    if not_articles := c.get("articles/not_article"):
        examples = report.get("examples", {}).get("articles/not_article", [])
        print(f"  not articles: {not_articles} page(s) judged not to be an article"
              + (f" (e.g. {', '.join(examples[:2])})" if examples else ""))
    if report["errors"]:
        for kind, info in sorted(report["errors"].items()):
            print(f"  errors {kind}: {info['count']} (e.g. {', '.join(info['examples'][:2])})")
    else:
        print("  errors: none")


def crawl_exit_code(report: dict[str, Any]) -> int:
    """What a scheduler should make of a run (the codes are documented in docs/operations.md)."""
    c = report["counts"]
    if report["status"] == "interrupted":
        return EXIT_INTERRUPTED
    if report["status"] != "finished" or report["pages_fetched"] - report.get("robots_fetched", 0) <= 0:
        return EXIT_FAILED  # nothing fetched, or only robots.txt (which then forbade everything)
    if c["warc/records/response"] + c["warc/records/revisit"] == 0 or c["warc/write_errors"] or c["store/errors"]:
        return EXIT_FAILED
    done = sum(c[k] for k in ("articles/new", "articles/changed", "articles/unchanged", "articles/not_modified",
                              "articles/gone"))
    if c["articles/requested"] and not done:
        return EXIT_FAILED  # every article failed
    if (report.get("layout_drift") or {}).get("drifted"):
        return EXIT_LAYOUT_DRIFT
    return EXIT_OK
