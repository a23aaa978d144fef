"""archive.warc.read on files written by the project's writer, whole and damaged."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from archive.warc.read import MalformedRecord, TornMemberError, iter_records, read_response
from tests.helpers import write


def only_file(directory: Path) -> Path:
    (path,) = directory.iterdir()
    return path


def test_records_come_in_order_with_their_http_status_and_headers(tmp_path: Path) -> None:
    write(tmp_path, 3, max_bytes=10**9)
    path = only_file(tmp_path)
    records = list(iter_records(path))
    assert [r.type for r in records] == ["warcinfo"] + ["response", "request"] * 3
    responses = [r for r in records if r.type == "response"]
    assert [r.http_status for r in responses] == [200, 200, 200]
    assert responses[0].http_header("content-type") == "text/html"
    assert responses[0].http_header("X-Missing") == ""
    assert [r.http_status for r in records if r.type != "response"] == [None] * 4  # warcinfo, request lines
    assert records[1].offset == records[0].offset + records[0].length  # members tile the file
    assert read_response(path, responses[2].offset).body.startswith(b"<html><body>page 2 ")


def test_a_torn_file_yields_its_complete_records_then_says_so(tmp_path: Path) -> None:
    write(tmp_path, 2, max_bytes=10**9)
    path = only_file(tmp_path)
    last = list(iter_records(path))[-1]
    path.write_bytes(path.read_bytes()[: last.offset + last.length // 2])
    records = iter_records(path)
    seen = [next(records).type for _ in range(4)]
    assert seen == ["warcinfo", "response", "request", "response"]
    with pytest.raises((TornMemberError, zlib.error)):
        next(records)


def test_a_member_without_a_warc_record_is_malformed_or_skipped(tmp_path: Path) -> None:
    write(tmp_path, 1, max_bytes=10**9)
    path = only_file(tmp_path)
    with path.open("ab") as f:
        f.write(gzip.compress(b"GET / HTTP/1.1\r\n\r\n"))  # a gzip member, but no WARC record in it
    with pytest.raises(MalformedRecord) as caught:
        list(iter_records(path))
    assert caught.value.check == "A1"
    assert [r.type for r in iter_records(path, skip_malformed=True)] == ["warcinfo", "response", "request"]


def test_problems_are_noted_without_losing_the_record(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    block = b"hello"
    head = (b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Type: resource\r\n folded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(block))
    path.write_bytes(gzip.compress(head + block + b"\r\n\r\n"))
    (record,) = iter_records(path)
    assert record.block == b"hello"
    assert record.type == "resource"
    assert sorted(check for check, _ in record.problems) == ["A11", "A3"]
