"""The yardstick of the import bench: warcio's ArchiveIterator and ``trafilatura.extract`` on each HTML response of
a WARC file, in one process, as a researcher writes it by hand; it stores nothing.

``python bench/plain_loop.py FILE`` prints ``[records extracted, seconds of the loop after its imports]``: run so,
in a process of its own, it is timed from its start as the import is. Nothing but the standard library, warcio
and trafilatura is loaded.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def plain_loop(path: Path) -> tuple[int, float, float]:
    """warcio + trafilatura over the file: (records extracted, wall seconds, CPU seconds), after the imports."""
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    started, cpu = time.perf_counter(), time.process_time()
    done = 0
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            html = record.content_stream().read()
            if trafilatura.extract(html, url=record.rec_headers.get_header("WARC-Target-URI")):
                done += 1
    return done, time.perf_counter() - started, time.process_time() - cpu


if __name__ == "__main__":
    done, wall, _ = plain_loop(Path(sys.argv[1]))
    print(json.dumps([done, wall]))
