"""Group commit: WARC bytes are made durable before the snippets that point at them are committed, and the
writes of a busy crawl are grouped by count and by time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.store.snippet_store import SnippetStore
from archive.warc.write import WarcFileWriter, exchange_records
from crawler.middlewares.archive_writer import ArchiveWriter
from tests.helpers import INFO, exchange, snippet, store_for


class Journal:
    """The order of fsyncs of the WARC file and commits of the store, as they really happen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: SnippetStore) -> None:
        self.events: list[str] = []
        real_fsync, real_commit = os.fsync, store.commit

        def fsync(fd: int) -> None:
            self.events.append("fsync")
            real_fsync(fd)

        def commit() -> None:
            self.events.append("commit")
            real_commit()

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(store, "commit", commit)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[ArchiveWriter]:
    archive = ArchiveWriter(SnippetStore(store_for(tmp_path)), every=4, seconds=3600, fsync=True)
    archive.warc_writer(lambda fsync: WarcFileWriter(tmp_path / "warc", "test", INFO, hostname="testhost",
                                                     fsync=fsync))
    yield archive
    archive.close()


def committed(data: Path) -> int:
    reader = SnippetStore(store_for(data), readonly=True)
    try:
        return reader.count()
    finally:
        reader.close()


def write_exchange(archive: ArchiveWriter, n: int) -> None:
    assert archive.warc is not None
    archive.warc.write(exchange_records(exchange(n)), datetime.now(UTC))
    archive.wrote()


def test_grouped_writes_wait_for_the_group_and_the_warc_is_synced_first(writer: ArchiveWriter, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(monkeypatch, writer.store)
    outcomes: list[str | None] = []
    write_exchange(writer, 1)
    writer.add_snippet(snippet("https://x.example/1", "one"), lambda s, o: outcomes.append(o))
    assert outcomes == ["new"]  # the first snippet after a quiet spell is committed at once ...
    assert committed(tmp_path) == 1
    assert journal.events == ["fsync", "commit"]  # ... its WARC bytes made durable before it
    write_exchange(writer, 2)
    writer.add_snippet(snippet("https://x.example/2", "two"), lambda s, o: outcomes.append(o))
    write_exchange(writer, 3)
    assert (outcomes, committed(tmp_path)) == (["new"], 1)  # ... the ones right after it wait for the group
    writer.add_snippet(snippet("https://x.example/3", "three"), lambda s, o: outcomes.append(o))
    assert (outcomes, committed(tmp_path)) == (["new", "new", "new"], 3)  # the fourth write completes it
    assert journal.events == ["fsync", "commit", "fsync", "commit"]


def test_a_group_is_committed_when_its_oldest_write_is_old_enough(tmp_path: Path) -> None:
    archive = ArchiveWriter(SnippetStore(store_for(tmp_path)), every=100, seconds=0.2, fsync=False)
    try:
        archive.add_snippet(snippet("https://x.example/1", "one"), lambda s, o: None)
        archive.add_snippet(snippet("https://x.example/2", "two"), lambda s, o: None)
        assert committed(tmp_path) == 1
        archive._commit_if_due()
        assert committed(tmp_path) == 1  # not due yet
        archive._oldest -= 0.3
        archive._commit_if_due()
        assert committed(tmp_path) == 2
    finally:
        archive.close()


def test_one_write_a_group_commits_each_at_once(tmp_path: Path) -> None:
    archive = ArchiveWriter(SnippetStore(store_for(tmp_path)), every=1, seconds=3600, fsync=False)
    try:
        for n in range(3):
            archive.add_snippet(snippet(f"https://x.example/{n}", str(n)), lambda s, o: None)
            assert committed(tmp_path) == n + 1
    finally:
        archive.close()
