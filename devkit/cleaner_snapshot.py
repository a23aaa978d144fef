"""What the cleaner makes of a fixed set of pages, one JSON line each: for checking that a change meant to make it
quicker (or tidier) changes nothing it produces.

    python -m devkit.cleaner_snapshot BEFORE.jsonl        # at the commit before
    python -m devkit.cleaner_snapshot AFTER.jsonl         # with the change
    cmp BEFORE.jsonl AFTER.jsonl

The pages: both development sets (221 real pages of many publishers, through ``clean_capture`` with the
profile their URL gets) and ``--replica N`` article pages of the rki.news replica (default 1,000, through the
import's ``clean_member`` on a warcio record, the generic cleaner). Each line is the snippet's fields, or the
reason there is none, with the record pointer fixed so that only the cleaning shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from crawler.cleaning.capture import Capture, Cleaned, RecordPointer, clean_capture, clean_member
from crawler.sites import profile_for_capture
from devkit.extraction_score import extraction_pages, metadata_pages
from replica.warc import article_records

POINTER = RecordPointer("snapshot.warc.gz", 0, 0, "<urn:uuid:00000000-0000-0000-0000-000000000000>", "",
                        "2024-01-01T00:00:00+00:00")


def _line(cleaned: Cleaned) -> str:
    fields = dataclasses.asdict(cleaned.snippet) if cleaned.snippet else {"refused": cleaned.refused}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def snapshot(replica: int) -> Iterator[str]:
    for _, html, item in [*extraction_pages(), *metadata_pages()]:
        url = item["url"]
        capture = Capture(url, html, "text/html; charset=utf-8", POINTER)
        yield _line(clean_capture(capture, profile_for_capture(url, site=None, store=None), "snapshot"))
    for url, member in article_records(replica):
        yield _line(clean_member(member, POINTER, url, profile_for_capture(url, site=None, store=None), "snapshot"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON lines file to write (.gz: compressed)")
    parser.add_argument("--replica", type=int, default=1000, help="replica article pages (default 1000)")
    args = parser.parse_args(argv)
    opener = gzip.open if args.out.suffix == ".gz" else open
    lines = 0
    with opener(args.out, "wt", encoding="utf-8") as out:
        for line in snapshot(args.replica):
            out.write(line + "\n")
            lines += 1
    print(f"{args.out}: {lines} pages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
