"""A strict structural WARC verifier: what `warcio check` does not look at (rules A1-A11, B2, B4, C6, each
explained in docs/data.md).

`warcio check` only compares digests and accepts a file cut mid-record; this walks the gzip members one by
one, so a torn member, trailing garbage or two records in one member is an error.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.warc.read import (
    MalformedRecord,
    TornMemberError,
    WarcRecord,
    iter_members,
    parse_record,
    starts_copies,
    unbracketed,
)
from archive.warc.write import FILENAME_RE, OPEN_SUFFIX, REVISIT_PROFILE_NOT_MODIFIED, dechunk, sha1_digest, warc_paths

DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
DIGEST_RE = re.compile(r"^(sha1:[A-Z2-7]{32}|sha256:[0-9a-f]{64})$")
RECORD_ID_RE = re.compile(r"^<urn:uuid:[0-9a-f-]{36}>$")
ANY_RECORD_ID_RE = re.compile(r"^<[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]+>$")  # WARC 1.1 §5.2: any URI in angle brackets
NEEDS_TARGET = {"response", "request", "resource", "revisit", "conversion", "continuation"}
WARCINFO_KEYS = ("software", "format", "robots", "http-header-user-agent", "operator", "hostname")


@dataclass
class FileReport:
    """The records of one file and every problem found, each prefixed with the id of the rule it breaks."""

    path: Path
    records: list[WarcRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def problem(self, check: str, offset: int | None, message: str) -> None:
        where = f"@{offset}" if offset is not None else ""
        self.problems.append(f"{check} {self.path.name}{where}: {message}")


def _check_digests(report: FileReport, rec: WarcRecord, copy: bool) -> None:
    block_digest = rec.fields.get("WARC-Block-Digest")
    if block_digest is None:
        report.problem("A8", rec.offset, "no WARC-Block-Digest")
    elif not DIGEST_RE.match(block_digest):
        report.problem("A8", rec.offset, f"badly encoded block digest {block_digest}")
    elif block_digest.startswith("sha1:") and block_digest != sha1_digest(rec.block):
        report.problem("A8", rec.offset, "block digest does not match")
    payload_digest = rec.fields.get("WARC-Payload-Digest")
    not_modified = rec.fields.get("WARC-Profile") == REVISIT_PROFILE_NOT_MODIFIED  # a 304 has no payload
    if rec.type in ("response", "request", "revisit") and payload_digest is None and not not_modified and not copy:
        # WARC 1.1 §5.9 leaves the payload digest optional; this project always writes one
        report.problem("A8", rec.offset, "no WARC-Payload-Digest")
    if payload_digest and not DIGEST_RE.match(payload_digest):
        report.problem("A8", rec.offset, f"badly encoded payload digest {payload_digest}")
    if rec.type not in ("response", "request") or not payload_digest:
        return
    head_end = rec.block.find(b"\r\n\r\n")
    if head_end < 0:
        report.problem("B4", rec.offset, "HTTP block has no header end")
        return
    head, body = rec.block[:head_end].lower(), rec.block[head_end + 4 :]
    if re.search(rb"\r\ntransfer-encoding:[^\r]*chunked", head):
        try:
            body = dechunk(body)
        except (ValueError, IndexError):
            report.problem("B2", rec.offset, "Transfer-Encoding: chunked over a body that is not chunked")
            return
    if payload_digest.startswith("sha1:") and payload_digest != sha1_digest(body):
        report.problem("B2", rec.offset, "payload digest is not over the de-chunked entity body")


def _check_record(report: FileReport, rec: WarcRecord, index: int, window: tuple[datetime, datetime] | None,
                  copy: bool = False) -> None:
    """Check one record. A ``copy`` (a record an import copied byte for byte from another writer's file) is held
    to the WARC standard in the version it declares, not to this project's own choices: WARC/1.0, any record
    id URI, a Target-URI in angle brackets as WARC 1.0's examples and wget write it, no warcinfo fields of ours,
    any date, any pairing of request and response."""
    f = rec.fields
    for name in ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type"):
        if name not in f:
            report.problem("A3", rec.offset, f"missing {name}")
    if rec.version != "WARC/1.1" and not copy:
        report.problem("A1", rec.offset, f"a {rec.version} record written by this project")
    if not (ANY_RECORD_ID_RE if copy else RECORD_ID_RE).match(f.get("WARC-Record-ID", "")):
        report.problem("A5", rec.offset, f"record id not a <urn:uuid:…>: {f.get('WARC-Record-ID')}")
    date = f.get("WARC-Date", "")
    if not DATE_RE.match(date):
        report.problem("A7", rec.offset, f"bad WARC-Date {date!r}")
    elif window and not copy:
        moment = datetime.fromisoformat(date.replace("Z", "+00:00"))
        if not window[0] <= moment <= window[1]:
            report.problem("A7", rec.offset, f"WARC-Date {date} outside the crawl")
    target = f.get("WARC-Target-URI")
    if copy and target:
        target = unbracketed(target)
    if rec.type in NEEDS_TARGET:
        if not target:
            report.problem("A3", rec.offset, f"{rec.type} without WARC-Target-URI")
        elif (not re.match(r"^[a-z][a-z0-9+.-]*:[^\s]", target) or re.search(r"[\s<>#]", target)
              or not target.isascii() or (target.startswith(("http:", "https:"))
                                          and not re.match(r"^https?://[^/\s]+", target))):
            # an absolute URI is a scheme and what follows (urn:view:... included); http(s) needs a host
            report.problem("A6", rec.offset, f"Target-URI not an absolute RFC 3986 URI: {target!r}")
    if rec.type == "warcinfo" and not copy:
        if target:
            report.problem("A3", rec.offset, "warcinfo with WARC-Target-URI")
        keys = {line.split(":", 1)[0] for line in rec.block.decode("utf-8", "replace").splitlines()}
        for key in WARCINFO_KEYS:
            if key not in keys:
                report.problem("A2", rec.offset, f"warcinfo lacks {key}")
    if index == 0:
        if rec.type != "warcinfo":
            report.problem("A2", rec.offset, "first record is not warcinfo")
        elif f.get("WARC-Filename") != report.path.name.removesuffix(OPEN_SUFFIX):
            report.problem("A2", rec.offset, f"WARC-Filename {f.get('WARC-Filename')} is not the file's name")
    if rec.type == "revisit":
        if "WARC-Profile" not in f:
            report.problem("A3", rec.offset, "revisit without WARC-Profile")
        if "WARC-Refers-To" not in f and not copy:  # WARC 1.1 recommends it; this project always writes it
            report.problem("A3", rec.offset, "revisit without WARC-Refers-To")
    if rec.type in ("response", "revisit", "request") and rec.block and not rec.block.startswith(
            (b"HTTP/1.1 ", b"HTTP/1.0 ", b"GET ", b"POST ", b"HEAD ")):
        report.problem("B4", rec.offset, "HTTP block does not start with an HTTP/1.x line")
    _check_digests(report, rec, copy)


def _check_pairing(report: FileReport, copies: set[int]) -> None:
    """Every response or revisit of ours has exactly one request record naming it (copies are paired, or not,
    as their writer chose: wget names the request from the response, Heritrix the other way)."""
    requests: dict[str, list[WarcRecord]] = {}
    for rec in report.records:
        if rec.type == "request":
            requests.setdefault(rec.fields.get("WARC-Concurrent-To", ""), []).append(rec)
    for rec in report.records:
        if rec.type not in ("response", "revisit") or rec.offset in copies:
            continue
        paired = requests.get(rec.fields["WARC-Record-ID"], [])
        if len(paired) != 1:
            report.problem("A4", rec.offset, f"{len(paired)} request records point at this {rec.type}")
            continue
        req = paired[0]
        for name in ("WARC-Date", "WARC-Target-URI"):
            if req.fields.get(name) != rec.fields.get(name):
                report.problem("A4", rec.offset, f"request and {rec.type} differ in {name}")


def verify_file(path: Path, *, max_bytes: int | None = None, seen_ids: set[str] | None = None,
                window: tuple[datetime, datetime] | None = None, keep_blocks: bool = True) -> FileReport:
    """Check one WARC file; ``seen_ids`` carries record ids across files for the uniqueness check.

    With ``keep_blocks=False`` the records keep only their fields, so memory does not grow with the file.
    """
    report = FileReport(path)
    if not FILENAME_RE.match(path.name):
        report.problem("A9", None, "name does not follow PREFIX-YYYYMMDDhhmmss-SERIAL-HOST(-TOKEN).warc.gz")
    size = path.stat().st_size
    if size == 0:
        report.problem("A1", None, "empty file")
        return report
    end = 0
    copies: set[int] = set()  # offsets of the records copied from other writers' files
    copying = False
    try:
        with path.open("rb") as f:
            for index, (offset, length, data) in enumerate(iter_members(f)):
                end = offset + length
                try:
                    rec = parse_record(offset, length, data)
                except MalformedRecord as exc:
                    report.problem(exc.check, offset, str(exc))
                    continue
                for check, message in rec.problems:
                    report.problem(check, offset, message)
                report.records.append(rec)
                if starts_copies(rec):
                    copying = True  # an import's file: what follows its warcinfo of a source is copies
                elif copying:
                    copies.add(offset)
                _check_record(report, rec, index, window, copy=offset in copies)
                if not keep_blocks:
                    rec.block = b""
                rid = rec.fields.get("WARC-Record-ID", "")
                if seen_ids is not None:
                    if rid in seen_ids:
                        report.problem("A5", offset, f"duplicate record id {rid}")
                    seen_ids.add(rid)
    except (TornMemberError, zlib.error) as exc:
        report.problem("A1", end, f"not a clean series of gzip members: {exc}")
    if end != size and not report.problems:
        report.problem("A1", end, f"gzip members do not tile the file ({end} of {size} bytes)")
    if max_bytes is not None and report.records:
        # the last exchange (a response or revisit and the request records after it) may overflow the limit,
        # but only if the file was still under it when that exchange began
        last = max((r for r in report.records if r.type != "request"), key=lambda r: r.offset)
        if last.type != "warcinfo" and last.offset >= max_bytes:
            report.problem("A10", None, f"file of {size} bytes went on past the {max_bytes} limit")
    _check_pairing(report, copies)
    return report


def verify_directory(directory: Path, *, max_bytes: int | None = None,
                     window: tuple[datetime, datetime] | None = None, keep_blocks: bool = True) -> list[FileReport]:
    """Check every closed WARC file of a directory and of the workers' directories under it; an ``.open`` file
    left behind is itself a problem."""
    seen: set[str] = set()
    reports = []
    for path in sorted([*warc_paths(directory), *warc_paths(directory, OPEN_SUFFIX)]):
        if path.name.endswith(".warc.gz"):
            reports.append(verify_file(path, max_bytes=max_bytes, seen_ids=seen, window=window,
                                       keep_blocks=keep_blocks))
        elif path.name.endswith(OPEN_SUFFIX):
            stray = FileReport(path)
            stray.problem("C6", None, "file was never closed")
            reports.append(stray)
    serials: dict[tuple[str, str], list[int]] = {}
    for rep in reports:
        m = FILENAME_RE.match(rep.path.name)
        if m:
            serials.setdefault((m["host"], m["token"] or ""), []).append(int(m["serial"]))
    for (host, token), values in serials.items():
        if len(values) != len(set(values)):
            reports[0].problem("A9", None, f"serial numbers repeat for writer {host}-{token}")
    return reports
