"""How an article changed: the paragraphs that differ between consecutive versions, and a version's
provenance in a few fields. ``Archive.history`` and ``newsarchive history`` show them."""

from __future__ import annotations

import difflib
import itertools
from typing import Any

from archive.store.snippets import Snippet


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


def side_by_side(old: Snippet, new: Snippet) -> list[dict[str, Any]]:
    """Two versions' paragraphs aligned for reading side by side: rows of ``{"change": "equal" | "replace" |
    "delete" | "insert", "old": paragraph or None, "new": paragraph or None}``."""
    a, b = old.text.split("\n\n"), new.text.split("\n\n")
    rows: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            rows.append({"change": tag, "old": left[k] if k < len(left) else None,
                         "new": right[k] if k < len(right) else None})
    return rows


def version_diffs(versions: list[Snippet]) -> list[dict[str, Any]]:
    """One diff per pair of consecutive versions: ``{"from": 1, "to": 2, "hunks": [...]}``."""
    return [{"from": old.version, "to": new.version, "hunks": paragraph_diff(old, new)}
            for old, new in itertools.pairwise(versions)]


def version_record(s: Snippet) -> dict[str, Any]:
    """What ``history --json`` lists per version: when and how it was captured and cleaned, and where it is."""
    return {"version": s.version, "fetched_at": s.fetched_at, "run_id": s.run_id, "title": s.title,
            "published": s.published, "modified": s.modified, "word_count": s.word_count,
            "text_sha256": s.text_sha256, "cleaner_version": s.cleaner_version, "warc_file": s.warc_file,
            "warc_offset": s.warc_offset, "warc_record_id": s.warc_record_id, "payload_digest": s.payload_digest}
