"""Reading the archive: `search`, `export`, `history`, `runs`."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import itertools
import json
import sys
from pathlib import Path
from typing import IO, Any

from archive.snippets import Snippet
from archive.store import QueryError, SnippetStore
from crawler.commands.common import EXIT_OK, CliError, check_date, open_store
from crawler.urls import BadUrlError, validate_url


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


def cmd_search(args: argparse.Namespace) -> int:
    since, until = check_date(args.since, "--since"), check_date(args.until, "--until")
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


def paragraph_diff(old: Snippet, new: Snippet) -> list[dict[str, Any]]:
    """The paragraphs that differ between two versions, as hunks of removed and added paragraphs."""
    a, b = old.text.split("\n\n"), new.text.split("\n\n")
    hunks: list[dict[str, Any]] = []
    if old.title != new.title:
        hunks.append({"field": "title", "removed": [old.title], "added": [new.title]})
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            hunks.append({"field": "text", "old_paragraphs": [i1 + 1, i2], "new_paragraphs": [j1 + 1, j2],
                          "removed": a[i1:i2], "added": b[j1:j2]})
    return hunks


def version_record(s: Snippet) -> dict[str, Any]:
    return {"version": s.version, "fetched_at": s.fetched_at, "run_id": s.run_id, "title": s.title,
            "published": s.published, "modified": s.modified, "word_count": s.word_count,
            "text_sha256": s.text_sha256, "cleaner_version": s.cleaner_version, "warc_file": s.warc_file,
            "warc_offset": s.warc_offset, "warc_record_id": s.warc_record_id, "payload_digest": s.payload_digest}


def cmd_history(args: argparse.Namespace) -> int:
    """Every archived version of an article, and with --diff what changed between consecutive ones."""
    try:
        url = validate_url(args.url)
    except BadUrlError as exc:
        raise CliError(str(exc)) from exc
    store = open_store(args.data)
    try:
        versions = store.versions(url)
    finally:
        store.close()
    if not versions:
        raise CliError(f"no archived version of {url}")
    diffs: list[dict[str, Any]] = [{"from": old.version, "to": new.version, "hunks": paragraph_diff(old, new)}
             for old, new in itertools.pairwise(versions)] if args.diff else []
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
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")
    store = open_store(args.data)
    try:
        runs = store.runs(site=args.site, limit=args.limit)
    finally:
        store.close()
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
