"""The WARC writer and the verifier on their own: rotation, naming, torn and corrupted files."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.warc.read import read_response
from archive.warc.verify import verify_directory, verify_file
from archive.warc.write import (
    OPEN_SUFFIX,
    WarcFileWriter,
    WarcRecordSpec,
    dechunk,
    exchange_records,
    target_uri,
)
from tests.helpers import INFO, exchange, write
from tests.misbehaving import chunked


def test_rotation_keeps_every_file_within_the_limit(tmp_path: Path) -> None:
    writer = write(tmp_path, 40, max_bytes=20_000, size=3000)
    files = sorted(tmp_path.iterdir())
    assert len(files) == len(writer.files_closed) > 2
    reports = verify_directory(tmp_path, max_bytes=20_000)
    assert [p for r in reports for p in r.problems] == []
    serials = [int(p.name.split("-")[2]) for p in files]
    assert serials == list(range(len(files)))
    assert sum(1 for r in reports for rec in r.records if rec.type == "response") == 40


def test_a_record_larger_than_the_limit_gets_a_file_of_its_own(tmp_path: Path) -> None:
    write(tmp_path, 3, max_bytes=1000, size=50_000)
    reports = verify_directory(tmp_path, max_bytes=1000)
    assert [p for r in reports for p in r.problems] == []
    assert [sum(rec.type == "response" for rec in r.records) for r in reports] == [1, 1, 1]


def test_header_values_cannot_inject_lines(tmp_path: Path) -> None:
    write(tmp_path, 1, max_bytes=10**9)
    (path,) = tmp_path.iterdir()
    archived = read_response(path, verify_file(path).records[1].offset)
    assert ("Injected", "yes") not in archived.http_headers
    assert [p for p in verify_file(path).problems] == []


def test_target_uri_is_a_valid_uri(tmp_path: Path) -> None:
    write(tmp_path, 1, max_bytes=10**9)
    (path,) = tmp_path.iterdir()
    uri = verify_file(path).records[1].fields["WARC-Target-URI"]
    assert " " not in uri
    assert "<" not in uri


@pytest.mark.parametrize(("uri", "valid"), [
    ("urn:view:https://rki.news/2025/07/04/a/", True),  # a screenshot's name, as Browsertrix names them
    ("https://rki.news/a?b=1", True), ("http:/rki.news/a", False), ("https:///a", False),
    ("2025/07/04/a/", False), ("https://rki.news/a b", False)])
def test_the_verifier_wants_an_absolute_target_uri(tmp_path: Path, uri: str, valid: bool) -> None:
    writer = WarcFileWriter(tmp_path, "t", INFO)
    writer.write([WarcRecordSpec("resource", [("WARC-Target-URI", uri)], b"\x89PNG", "image/png")],
                 datetime.now(UTC))
    writer.close()
    problems = [p for r in verify_directory(tmp_path) for p in r.problems]
    assert (not any(p.startswith("A6") for p in problems)) == valid, problems


def test_warcio_reads_what_the_writer_wrote(tmp_path: Path) -> None:
    write(tmp_path, 5, max_bytes=10**9)
    result = subprocess.run([Path(sys.executable).parent / "warcio", "check", "-v", *tmp_path.iterdir()],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("digest pass") >= 10


def test_verifier_catches_a_file_cut_mid_record(tmp_path: Path) -> None:
    write(tmp_path, 5, max_bytes=10**9)
    (path,) = tmp_path.iterdir()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    problems = verify_file(path).problems
    assert any(p.startswith("A1 ") for p in problems), problems


def test_verifier_catches_a_flipped_byte(tmp_path: Path) -> None:
    write(tmp_path, 5, max_bytes=10**9)
    (path,) = tmp_path.iterdir()
    good = verify_file(path)
    target = good.records[3]  # a response's gzip member: flip a byte of its body, re-compressed validly
    member = path.read_bytes()[target.offset : target.offset + target.length]
    raw = bytearray(gzip.decompress(member))
    raw[-20] ^= 0x01
    forged = gzip.compress(bytes(raw), mtime=0)
    data = path.read_bytes()
    path.write_bytes(data[: target.offset] + forged + data[target.offset + target.length :])
    problems = verify_file(path).problems
    assert any(p.startswith("A8 ") or "digest" in p for p in problems), problems


def test_verifier_reports_an_unclosed_file(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "test", INFO, hostname="testhost", fsync=False)
    writer.write(exchange_records(exchange(1)), datetime.now(UTC))
    assert [p.name.endswith(OPEN_SUFFIX) for p in tmp_path.iterdir()] == [True]
    problems = [p for r in verify_directory(tmp_path) for p in r.problems]
    assert any(p.startswith("C6 ") for p in problems)
    writer.close()
    assert [p for r in verify_directory(tmp_path) for p in r.problems] == []


def test_dechunk_reverses_chunking() -> None:
    body = b"<html>" + b"0123456789" * 50 + b"</html>"
    assert dechunk(chunked(body, 7)) == body
    assert dechunk(b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n") == b"hello"


@pytest.mark.parametrize("bad", [b"zz\r\nhello\r\n0\r\n\r\n", b"ff\r\nshort\r\n"])
def test_dechunk_rejects_bad_framing(bad: bytes) -> None:
    with pytest.raises(ValueError, match="chunk"):
        dechunk(bad)


def test_verifier_catches_a_file_that_was_not_rotated(tmp_path: Path) -> None:
    write(tmp_path, 10, max_bytes=10**9, size=3000)
    problems = [p for r in verify_directory(tmp_path, max_bytes=20_000) for p in r.problems]
    assert any(p.startswith("A10 ") for p in problems), problems


def test_target_uri_keeps_escapes_and_drops_the_fragment() -> None:
    assert target_uri("http://h/%d8%a7 b/?q=ü#frag") == "http://h/%d8%a7%20b/?q=%C3%BC"


FULL_DISK = """
import resource, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from archive.warc.write import WarcFileWriter, WarcWriteError, exchange_records
from tests.helpers import INFO, exchange

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
writer = WarcFileWriter(Path(sys.argv[1]), "full", INFO, hostname="testhost")
written = 0
try:
    while True:
        writer.write(exchange_records(exchange(written, 3000)), datetime.now(UTC))
        written += 1
except WarcWriteError as exc:
    print(written, exc)
writer.close()
"""


def test_a_failed_write_is_cut_back_to_the_last_complete_record(tmp_path: Path) -> None:
    """Checklist C4, with a real write failure: the kernel refuses to grow the file past RLIMIT_FSIZE."""
    result = subprocess.run([sys.executable, "-c", FULL_DISK, str(tmp_path)], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], check=False)
    assert result.returncode == 0, result.stderr
    written = int(result.stdout.split()[0])
    assert written > 3
    assert "File too large" in result.stdout
    (path,) = tmp_path.iterdir()
    report = verify_file(path)
    assert report.problems == []
    assert sum(rec.type == "response" for rec in report.records) == written


@pytest.mark.parametrize(("subdir", "expected"), [("w-1.host", "w-1.host"), ("../../etc", "_.._etc"),
                                                  ("a/b", "a_b")])
def test_a_worker_directory_stays_under_the_warc_root(tmp_path: Path, subdir: str, expected: str) -> None:
    writer = WarcFileWriter(tmp_path, "test", {"software": "test"}, subdir=subdir)
    assert writer.directory == tmp_path / expected
    assert writer.label == f"{expected}/"
