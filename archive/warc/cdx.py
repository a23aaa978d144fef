"""The archive's CDXJ index: one line per response and revisit record of the closed WARC files, sorted by
SURT key, written by cdxj-indexer (the reference indexer pywb reads) into ``DATA/replay/indexes/`` and
rebuilt only when the set of files or their sizes changed.

Replay serves from it, and a WACZ export looks up in it the captures of the resources a page needs: a
binary search in the sorted file, so a lookup reads a few blocks whatever the archive's size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive.warc.write import warc_name, warc_paths

INDEX_DIR = Path("replay") / "indexes"


@dataclass(frozen=True)
class CdxLine:
    """One capture as the index gives it."""

    key: str
    timestamp: str  # 14 digits, UTC
    url: str
    mime: str
    status: str
    digest: str
    filename: str  # relative to the WARC root, as the store names files
    offset: int
    length: int

    @property
    def is_revisit(self) -> bool:
        return self.mime == "warc/revisit"

    @classmethod
    def parse(cls, line: bytes) -> CdxLine:
        key, timestamp, fields = line.decode("utf-8").rstrip("\n").split(" ", 2)
        data = json.loads(fields)
        return cls(key, timestamp, data.get("url", ""), data.get("mime", ""), data.get("status", ""),
                   data.get("digest", ""), data["filename"], int(data["offset"]), int(data["length"]))


def url_key(url: str) -> str:
    """The SURT key cdxj-indexer files a URL under."""
    import surt  # cdxj-indexer's own dependency

    try:
        return str(surt.surt(url))
    except Exception:  # cdxj-indexer keys a URL surt cannot read by the URL itself
        return url


def build_index(data_dir: Path) -> Path:
    """``DATA/replay/indexes/index.cdxj`` for the closed WARC files, rebuilt when they changed."""
    from cdxj_indexer.main import CDXJIndexer

    root = data_dir / "warc"
    indexes = data_dir / INDEX_DIR
    indexes.mkdir(parents=True, exist_ok=True)
    warcs = warc_paths(root)
    state = json.dumps([[warc_name(root, p), p.stat().st_size] for p in warcs])
    state_file = indexes / "index.state"
    index = indexes / "index.cdxj"
    if index.exists() and state_file.exists() and state_file.read_text() == state:
        return index
    tmp = indexes / "index.cdxj.tmp"
    if warcs:
        CDXJIndexer(output=str(tmp), inputs=[str(p) for p in warcs], sort=True, dir_root=str(root)).process_all()
    else:
        tmp.write_bytes(b"")
    tmp.replace(index)
    state_file.write_text(state)
    return index


class CdxIndex:
    """Lookups in a sorted CDXJ file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = path.open("rb")
        self._size = path.stat().st_size

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CdxIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _line_from(self, position: int) -> tuple[int, bytes]:
        """The first line starting at or after ``position``, and where it starts."""
        if position:
            self._file.seek(position - 1)
            self._file.readline()  # to the end of the line holding position - 1
        else:
            self._file.seek(0)
        start = self._file.tell()
        return start, self._file.readline()

    def _first_at_or_after(self, prefix: bytes) -> int:
        """Where the first line not sorting before ``prefix`` starts (the file's size when there is none)."""
        lo, hi = 0, self._size
        while lo < hi:
            mid = (lo + hi) // 2
            _, line = self._line_from(mid)
            if line and line < prefix:
                lo = mid + 1
            else:
                hi = mid
        return self._line_from(lo)[0]

    def captures(self, url: str) -> list[CdxLine]:
        """Every capture of ``url`` in time order."""
        prefix = (url_key(url) + " ").encode("utf-8")
        self._file.seek(self._first_at_or_after(prefix))
        found = []
        for line in self._file:
            if not line.startswith(prefix):
                break
            capture = CdxLine.parse(line)
            if capture.url == url:  # the key folds case and some parameters: the URL itself decides
                found.append(capture)
        return found

    def nearest(self, url: str, timestamp: str) -> CdxLine | None:
        """The capture of ``url`` closest in time to ``timestamp`` (14 digits), as replay would pick it."""
        captures = self.captures(url)
        if not captures:
            return None
        return min(captures, key=lambda c: abs(int(c.timestamp) - int(timestamp)))
