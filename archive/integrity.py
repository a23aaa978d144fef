"""``newsarchive verify``: does the archive still say what it said when it was written?

Two sides are checked. Every WARC file is read in full: gzip members tile the file (a torn last record is
an error), each record parses, block and payload digests match, and the structural checks of
``archive.warc.verify`` hold. Every snippet (every version) points at a response record that exists at its
offset, with its record id and the payload digest the snippet recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive.store.location import StoreLocation
from archive.store.snippet_store import SnippetStore
from archive.warc.read import WarcRecord
from archive.warc.verify import verify_directory
from archive.warc.write import warc_name


@dataclass
class IntegrityReport:
    files: int = 0
    records: int = 0
    bytes: int = 0
    snippets: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(archive_at: StoreLocation | Path, progress: Callable[[str], None] | None = None,
                   checked: Callable[[int], None] | None = None) -> IntegrityReport:
    """Check every WARC file and every snippet pointer of a data directory (``progress``: a line per file;
    ``checked``: the bytes of WARC files checked so far)."""
    location = StoreLocation.of(archive_at)
    report = IntegrityReport()
    warc_dir = location.data_dir / "warc"
    index: dict[tuple[str, int], WarcRecord] = {}  # fields only: memory grows with records, not bytes
    for file_report in verify_directory(warc_dir, keep_blocks=False) if warc_dir.is_dir() else []:
        report.files += 1
        report.records += len(file_report.records)
        report.bytes += file_report.path.stat().st_size if file_report.path.exists() else 0
        report.problems += file_report.problems
        for record in file_report.records:
            if record.type == "response":
                index[(warc_name(warc_dir, file_report.path), record.offset)] = record
        if progress:
            progress(f"checked {file_report.path.name}: {len(file_report.records)} records")
        if checked:
            checked(report.bytes)
    with SnippetStore(location, readonly=True) as store:
        rows = store.db.execute("SELECT id, canonical_url, warc_file, warc_offset, warc_record_id, payload_digest "
                                "FROM snippets ORDER BY id")
        for snippet_id, url, name, offset, record_id, digest in rows:
            report.snippets += 1
            where = f"snippet {snippet_id} ({url}) -> {name}@{offset}"
            found = index.get((name, offset))
            if found is None:
                exists = (warc_dir / name).exists()
                report.problems.append(f"P1 {where}: {'no record starts there' if exists else 'file missing'}")
                continue
            rec = found
            if rec.fields.get("WARC-Record-ID") != record_id:
                report.problems.append(f"P3 {where}: record id {rec.fields.get('WARC-Record-ID')} is not {record_id}")
            if rec.fields.get("WARC-Payload-Digest") != digest:
                report.problems.append(f"P4 {where}: payload digest {rec.fields.get('WARC-Payload-Digest')} "
                                       f"is not {digest}")
    return report
