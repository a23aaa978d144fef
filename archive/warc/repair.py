"""Repair after a crash: salvage ``.open`` WARC files that no live writer holds.

A writer killed mid-record leaves ``NAME.warc.gz.open`` behind. Salvage keeps the file up to its last
complete exchange (a response or revisit and the request record naming it, a record written on its own
such as a rendered page's DOM, or the warcinfo record; in an import's file, each record copied),
truncates the rest, fsyncs and publishes it under its final name, like Heritrix's recovery of ``.open``
files. A closed file is never rewritten, and a file whose writer is still alive (it holds an flock on the
file) is left alone, so a repair may run while another site's crawl writes into the same directory.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from archive.warc.read import MalformedRecord, TornMemberError, WarcRecord, iter_records, starts_copies
from archive.warc.write import OPEN_SUFFIX, fsync_dir, warc_paths

logger = logging.getLogger(__name__)

# records written on their own between exchanges: a rendered page's DOM, its screenshot
STANDALONE = ("conversion", "resource", "metadata")


@dataclass
class Salvaged:
    """What salvage did to one ``.open`` file."""

    name: str  # the final name, or the .open name when the file was removed
    records: list[WarcRecord] = field(default_factory=list)  # the records kept
    bytes_dropped: int = 0
    removed: bool = False  # nothing complete was in it, not even the warcinfo record
    open_name: str = ""  # still under this .open name, until ``close_salvaged``

    @property
    def on_disk(self) -> str:
        """The file's name in the directory now."""
        return self.open_name or self.name


def complete_prefix(path: Path) -> tuple[int, list[WarcRecord]]:
    """The byte length of the longest run of complete exchanges at the start of a WARC file, and its records."""
    kept: list[WarcRecord] = []
    pending: list[WarcRecord] = []  # a response or revisit still waiting for its request record
    good_end = 0
    copying = False  # an import's file: each record was copied on its own, so each complete one is kept
    try:
        for rec in iter_records(path):
            if rec.problems and not copying:  # a copy's quirks are its writer's, kept as they are
                break
            if copying or (starts_copies(rec) and not kept):
                copying = True
                kept.append(rec)
                good_end = rec.offset + rec.length
            elif rec.type == "request" and pending and \
                    rec.fields.get("WARC-Concurrent-To") == pending[0].fields.get("WARC-Record-ID"):
                kept += [*pending, rec]
                pending = []
                good_end = rec.offset + rec.length
            elif rec.type in ("response", "revisit") and not pending:
                pending = [rec]
            elif not pending and ((rec.type == "warcinfo" and not kept) or (rec.type in STANDALONE and kept)):
                kept.append(rec)
                good_end = rec.offset + rec.length
            else:
                break  # out of the writer's order: keep what came before
    except (TornMemberError, MalformedRecord, zlib.error, OSError):
        pass  # the torn tail is what salvage removes
    return good_end, kept


def salvage_file(path: Path) -> Salvaged | None:
    """Cut one ``.open`` file back to its complete exchanges; None when a live writer holds it. The file
    keeps its ``.open`` name until ``close_salvaged``: work the caller must finish on it first (the snippets
    of its records) is done again by the next salvage if the caller dies before that, not skipped."""
    with path.open("r+b") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        size = os.fstat(f.fileno()).st_size
        good_end, kept = complete_prefix(path)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if good_end == 0:
            path.unlink()
            fsync_dir(path.parent)
            logger.warning("removed %s: no complete record in it", path.name)
            return Salvaged(path.name, [], size, removed=True)
        f.truncate(good_end)
        f.flush()
        os.fsync(f.fileno())
    return Salvaged(final.name, kept, size - good_end, open_name=path.name)


def close_salvaged(directory: Path, salvaged: Salvaged) -> None:
    """Give a salvaged file its final name (nothing to do when another process did)."""
    if not salvaged.open_name:
        return
    try:
        (directory / salvaged.open_name).rename(directory / salvaged.name)
    except FileNotFoundError:
        return  # another recovery closed it first
    fsync_dir(directory)
    logger.warning("salvaged %s: kept %d records, dropped %d bytes", salvaged.name, len(salvaged.records),
                   salvaged.bytes_dropped)
    salvaged.open_name = ""


def salvage_directory(directory: Path) -> list[Salvaged]:
    """Salvage every ``.open`` file of a WARC directory that no live writer holds (see ``salvage_file``)."""
    if not directory.is_dir():
        return []
    done = []
    for path in warc_paths(directory, OPEN_SUFFIX):  # a dead worker's directory too: its lock tells it is dead
        try:
            result = salvage_file(path)
        except FileNotFoundError:
            continue  # another process salvaged it first
        if result is not None:
            if path.parent != directory:  # names relative to the WARC root, as the store has them
                sub = path.parent.name
                result.name = f"{sub}/{result.name}"
                result.open_name = f"{sub}/{result.open_name}" if result.open_name else ""
            done.append(result)
    return done
