"""Reading the archive: `search`, `show`, `history`, `runs`, `stats`."""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import asdict
from typing import Any

from archive.api import Archive
from archive.history import version_diffs, version_record
from archive.store.query import Order, QueryError
from archive.store.snippets import Snippet
from crawler.commands.common import CliError, check_date, check_limit, open_archive
from crawler.discovery.urls import BadUrlError, validate_url
from crawler.runs.outcome import EXIT_OK


def filters_from(args: argparse.Namespace, archive: Archive, query: str | None = None) -> dict[str, Any]:
    """The shared filter options of search, export and stats as ``Archive.search`` keywords, checked: bad
    input is a one-line error."""
    check_date(getattr(args, "since", None), "--since")
    check_date(getattr(args, "until", None), "--until")
    site = getattr(args, "site", None)
    if site and site not in (known := archive.sites()):
        raise CliError(f"unknown site {site!r} in this archive (it has: {', '.join(known) or 'nothing yet'})")
    return {"query": query, "site": site, "since": getattr(args, "since", None),
            "until": getattr(args, "until", None), "language": getattr(args, "language", None),
            "category": getattr(args, "category", None), "author": getattr(args, "author", None),
            "all_versions": getattr(args, "all_versions", False), "access": getattr(args, "access", None)}


def print_hits(archive: Archive, filters: dict[str, Any], *, limit: int | None = 10, order: Order = "newest",
               output: str = "table", collapse: bool = False) -> int:
    """Search results as a table (date, site, title, then url and fragment), a JSON array or JSON lines;
    with ``collapse``, one row per cluster of copies, with how many copies it has."""
    try:
        if collapse:
            found = list(itertools.islice(archive.collapsed(archive.search(**filters, order=order)), limit))
        else:
            found = [(hit, 0) for hit in archive.search(**filters, limit=limit, order=order)]
    except QueryError as exc:
        raise CliError(str(exc)) from exc
    hits = [hit for hit, _ in found]
    copies = {hit.id: n for hit, n in found}
    rows = [{**hit.to_dict(), "copies": copies[hit.id]} if collapse else hit.to_dict() for hit in hits]
    if output == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output == "jsonl":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        for s in hits:
            more = f"  (+{copies[s.id]} cop{'y' if copies[s.id] == 1 else 'ies'})" if copies[s.id] else ""
            print(f"{(s.published or '')[:10]:10}  {s.site[:16]:16}  {s.title}{more}")
            print(f"{'':28}{s.url}")
            if s.fragment:
                print(f"{'':28}{s.fragment}")
        described = repr(filters["query"]) if filters.get("query") else "the filters"
        print(f"{len(hits)} result(s) for {described}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    check_limit(args.limit)
    with open_archive(args.location) as archive:
        filters = filters_from(args, archive, args.query)
        output = "json" if args.json else "jsonl" if args.jsonl else "table"
        return print_hits(archive, filters, limit=args.limit, order=args.order, output=output,
                          collapse=args.collapse)


def resolve_snippet(archive: Archive, ref: str) -> Snippet:
    """A snippet by its id, or the latest version of the article at a URL."""
    if ref.isdigit():
        try:
            return archive.get(int(ref))
        except KeyError:
            raise CliError(f"no snippet with id {ref}") from None
    try:
        url = validate_url(ref)
    except BadUrlError as exc:
        raise CliError(f"{exc} (give a snippet id or an article URL)") from exc
    versions = archive.versions(url)
    if not versions:
        raise CliError(f"no archived version of {url}")
    return versions[-1]


def cmd_show(args: argparse.Namespace) -> int:
    """One snippet: every field, its text, and where it came from."""
    with open_archive(args.location) as archive:
        snippet = resolve_snippet(archive, args.ref)
        count = len(archive.versions(snippet.canonical_url))
        resources = archive.resources(snippet)
        images = archive.images(snippet)
        copies = archive.copies(snippet.id) if snippet.id is not None else []
        origin = archive.origin(snippet)
    replay_url = Archive.replay_url(snippet, f"http://127.0.0.1:{args.replay_port}")
    if args.json:
        print(json.dumps({**snippet.to_dict(), "versions": count, "replay_url": replay_url,
                          "origin": asdict(origin) if origin is not None else None,
                          "images": images, "copies": [asdict(c) for c in copies],
                          "resources": [{**asdict(r), "archived": r.archived} for r in resources]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{snippet.title}\n")
    for name in ("id", "url", "canonical_url", "site", "published", "modified", "document_date", "authors",
                 "categories", "language", "word_count", "version", "cleaner_version", "run_id", "source", "access",
                 "flags"):
        value = getattr(snippet, name)
        print(f"  {name:15} {', '.join(value) if isinstance(value, list) else value}")
    print(f"  {'versions':15} {count}")
    print("\nprovenance")
    print(f"  {'warc file':15} warc/{snippet.warc_file}\n  {'offset':15} {snippet.warc_offset}"
          f" ({snippet.warc_length} bytes)\n  {'record id':15} {snippet.warc_record_id}"
          f"\n  {'payload digest':15} {snippet.payload_digest}\n  {'fetched at':15} {snippet.fetched_at}"
          f"\n  {'replay':15} {replay_url}  (newsarchive replay --port {args.replay_port})")
    if origin is not None:
        print(f"  {'copied from':15} {origin.origin}\n  {'at offset':15} {origin.origin_offset}"
              f" ({origin.origin_length} bytes), in run {origin.run_id}")
    if copies:
        print(f"\ncopies: {len(copies)} other article(s) with near-identical text")
        for c in copies:
            print(f"  {c.snippet_id:>7}  {(c.published or c.fetched_at)[:10]:10}  {c.site[:16]:16}  {c.canonical_url}")
    if images:
        print(f"\nimages: {len(images)}")
        for image in images:
            print(f"  {'lead ' if image['lead'] else ''}{image['url']}")
            for name in ("caption", "credit", "alt"):
                if image.get(name):
                    print(f"    {name:8} {image[name]}")
            print(f"    {'record':8} {image['warc_record_id'] or 'not archived'}")
    if resources:
        print(f"\npage resources: {len(resources)}, {sum(r.archived for r in resources)} archived")
        for r in resources:
            print(f"  {r.status if r.status is not None else '-':>4}  {r.kind:10} {r.url}")
    print(f"\n{snippet.text}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Articles per site, day and language; runs by status; WARC files and bytes."""
    with open_archive(args.location) as archive:
        stats = archive.stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{stats['articles']} articles, {stats['versions']} versions; "
          f"WARC: {stats['warc']['files']} file(s), {stats['warc']['bytes']:,} bytes")
    for title, key in (("per site", "sites"), ("per language", "languages"), ("runs by status", "runs")):
        print(f"\n{title}")
        for name, count in stats[key].items():
            print(f"  {name or '(none)':24} {count:>8}")
    print("\nper day of publication (latest 14 days with articles)")
    for day, count in list(stats["days"].items())[-14:]:
        print(f"  {day or '(undated)':24} {count:>8}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    """Every archived version of an article, and with --diff what changed between consecutive ones."""
    try:
        url = validate_url(args.url)
    except BadUrlError as exc:
        raise CliError(str(exc)) from exc
    with open_archive(args.location) as archive:
        versions = archive.versions(url)
    if not versions:
        raise CliError(f"no archived version of {url}")
    diffs = version_diffs(versions) if args.diff else []
    if args.json:
        out: dict[str, Any] = {"url": url, "versions": [version_record(v) for v in versions]}
        if args.diff:
            out["diffs"] = diffs
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{url}: {len(versions)} version(s)")
    for v in versions:
        print(f"  v{v.version}  fetched {v.fetched_at[:19]}  modified {(v.modified or '-')[:19]}  "
              f"{v.word_count} words  run {v.run_id}  {v.warc_file}@{v.warc_offset}")
    for diff in diffs:
        print(f"\n--- v{diff['from']}\n+++ v{diff['to']}")
        for hunk in diff["hunks"]:
            if hunk["field"] == "title":
                print("@@ title @@")
            else:
                start, end = hunk["old_paragraphs"]
                print(f"@@ paragraph {start}{'-' + str(end) if end > start else ''} @@")
            for line in hunk["removed"]:
                print(f"- {line}")
            for line in hunk["added"]:
                print(f"+ {line}")
    return EXIT_OK


def cmd_runs(args: argparse.Namespace) -> int:
    """Past runs, newest first: what a scheduler's operator looks at."""
    check_limit(args.limit)
    with open_archive(args.location) as archive:
        runs = archive.runs(site=args.site, limit=args.limit)
    if args.json:
        print(json.dumps(runs, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{'run':28} {'site':14} {'status':12} {'started':20} {'secs':>7} {'pages':>6} {'new':>5} "
          f"{'changed':>7} {'errors':>6}")
    for run in runs:
        r = run["report"] or {}
        c = r.get("counts", {})
        errors = sum(e["count"] for e in r.get("errors", {}).values())
        print(f"{run['run_id']:28} {run['site'][:14]:14} {run['status'][:12]:12} {run['started_at'][:19]:20} "
              f"{r.get('duration_s') or '-':>7} {r.get('pages_fetched', '-'):>6} {c.get('articles/new', '-'):>5} "
              f"{c.get('articles/changed', '-'):>7} {errors if r else '-':>6}")
    print(f"{len(runs)} run(s)")
    return EXIT_OK
