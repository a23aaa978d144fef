"""The payload-digest index: the first capture of each response body, so that a body seen again is written
as a WARC revisit record pointing at it instead of a second copy."""

from __future__ import annotations

from archive.store.database import Database
from archive.warc.write import CaptureRef


class CaptureIndex(Database):
    """The ``captures`` table: payload digest -> the response record that first carried it, and where."""

    def find_capture(self, payload_digest: str) -> CaptureRef | None:
        row = self.db.execute("SELECT record_id, target_uri, warc_date FROM captures WHERE payload_digest = ?",
                              (payload_digest,)).fetchone()
        return CaptureRef(row[0], row[1], row[2]) if row else None

    def add_capture(self, payload_digest: str, ref: CaptureRef, warc_file: str, warc_offset: int) -> None:
        with self._writing():
            self.db.execute("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (payload_digest, ref.record_id, ref.target_uri, ref.date, warc_file, warc_offset))

    def capture_location(self, record_id: str) -> tuple[str, int] | None:
        row = self.db.execute("SELECT warc_file, warc_offset FROM captures WHERE record_id = ?",
                              (record_id,)).fetchone()
        return (row[0], row[1]) if row else None
