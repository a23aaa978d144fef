"""The files an import reads: WARC and ARC files named, or found in the directories named.

Kept apart from the import itself so that a command can check its paths before it loads the cleaners and
the store (and before it starts the cleaning processes, ``crawler.cleaning.fork_server``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


class ImportArgumentError(ValueError):
    """The import cannot start: a path that does not exist or holds no WARC or ARC file, or a bad argument."""


def source_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC and ARC files named, directories walked; each directory's files in name order (standard
    WARC names start with their time, so that is the order they were written in)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
            if not inside:
                raise ImportArgumentError(f"{path}: no .warc, .warc.gz, .arc or .arc.gz file in it")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise ImportArgumentError(f"{path}: no such file or directory")
    return list(dict.fromkeys(found))
