"""`newsarchive extract FILE|- --url URL`: the cleaned article of one page of the user's own, no crawl, no archive."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from crawler.commands.common import CliError
from crawler.discovery.urls import BadUrlError, validate_url
from crawler.runs.outcome import EXIT_FAILED, EXIT_OK

FIELDS = ("title", "canonical_url", "published", "modified", "authors", "categories", "language",
          "declared_language", "cleaner", "fallback", "flags", "text")


def read_body(source: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from exc


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.cleaning.extraction import extract

    try:
        url = validate_url(args.url)
    except BadUrlError as exc:
        raise CliError(f"--url: {exc}") from exc
    article = extract(read_body(args.file), url, args.content_type)
    if article is None:
        print(f"newsarchive: {args.file}: not an article page (no cleaner found an article in it)", file=sys.stderr)
        return EXIT_FAILED
    record = {name: value for name, value in asdict(article).items() if name in FIELDS}
    record["text"] = article.text
    if args.json:
        print(json.dumps({name: record[name] for name in FIELDS}, ensure_ascii=False, indent=2))
        return EXIT_OK
    for name in FIELDS[:-1]:
        value = record[name]
        if isinstance(value, list):
            value = "; ".join(value)
        print(f"{name:18} {value if value not in (None, '') else '-'}")
    print()
    print(article.text)
    return EXIT_OK
