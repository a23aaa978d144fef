"""Records brought in from other archives (``newsarchive import``, ``backfill``): the ``imported_records``
table, keyed by each record's own ``WARC-Record-ID``. It is the provenance of a copy (the file or URL it came
from, where in it, and where the copy lies in this archive's WARC files), what makes a second import of the
same records add nothing, and the index a revisit record is resolved through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from archive.store.database import Database, in_batches

COLUMNS = ("record_id", "record_type", "target_uri", "warc_date", "payload_digest", "origin", "origin_offset",
           "origin_length", "warc_file", "warc_offset", "warc_length", "run_id")


@dataclass(frozen=True)
class ImportedRecord:
    """One copied record: what it is, where it came from (``origin``: a file path or a URL, and the offset and
    length of its bytes there) and where its copy is."""

    record_id: str
    record_type: str
    target_uri: str | None
    warc_date: str | None
    payload_digest: str | None
    origin: str
    origin_offset: int
    origin_length: int
    warc_file: str
    warc_offset: int
    warc_length: int
    run_id: str


class ImportedRecords(Database):
    def already_imported(self, record_ids: Iterable[str]) -> set[str]:
        """Which of these record ids the archive holds a copy of."""
        ids = list(record_ids)
        found: set[str] = set()
        for part in in_batches(ids):
            marks = ", ".join("?" * len(part))
            found |= {r[0] for r in self.db.execute(
                f"SELECT record_id FROM imported_records WHERE record_id IN ({marks})", part)}
        return found

    def add_imported(self, records: Iterable[ImportedRecord]) -> None:
        rows = [tuple(getattr(r, name) for name in COLUMNS) for r in records]  # astuple deep-copies: slow
        if not rows:
            return
        with self._writing():
            self.db.executemany(f"INSERT INTO imported_records ({', '.join(COLUMNS)}) VALUES "
                                f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT DO NOTHING", rows)

    def imported_record(self, record_id: str) -> ImportedRecord | None:
        row = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM imported_records WHERE record_id = ?",
                              (record_id,)).fetchone()
        return ImportedRecord(*row) if row else None

    def imported_original(self, target_uri: str, payload_digest: str, before: str | None = None
                          ) -> ImportedRecord | None:
        """The latest copied response of ``target_uri`` with this payload digest (captured before ``before``,
        when given): the original of a revisit record that does not name its original's id."""
        sql = (f"SELECT {', '.join(COLUMNS)} FROM imported_records WHERE target_uri = ? AND payload_digest = ? "
               "AND record_type = 'response'")
        params: list[str] = [target_uri, payload_digest]
        if before:
            sql += " AND warc_date <= ?"
            params.append(before)
        row = self.db.execute(sql + " ORDER BY warc_date DESC LIMIT 1", params).fetchone()
        return ImportedRecord(*row) if row else None
