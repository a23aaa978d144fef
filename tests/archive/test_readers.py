"""Readers during writes: four researchers search, show and export while a crawl of the replica writes."""

from __future__ import annotations

import threading
from pathlib import Path

from devkit.readers_load import ReaderLog, read_loop
from replica import ReplicaServer
from tests.conftest import crawl


def test_four_readers_see_no_error_and_consistent_exports_during_a_crawl(replica: ReplicaServer,
                                                                        tmp_path: Path) -> None:
    data = tmp_path / "data"
    stop = threading.Event()
    logs = [ReaderLog() for _ in range(4)]
    readers = [threading.Thread(target=read_loop, args=(data, stop, log)) for log in logs]
    for reader in readers:
        reader.start()
    try:
        report = crawl(data, "rki.news", "--base-url", replica.base_url).report
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
    assert report["counts"]["articles/new"] == 320
    assert [e for log in logs for e in log.errors] == []  # no "database is locked", no half-written state
    exports = [export for log in logs for export in log.exports]
    assert len(exports) >= 4
    assert len({count for count, _ in exports}) > 1  # they ran while the archive grew
    for count, rows in exports:
        assert len(rows) == count  # the rows and the count of one snapshot
        assert len({row["canonical_url"] for row in rows}) == count  # one (latest) version per article
