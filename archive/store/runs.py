"""Run bookkeeping: every crawl, fetch and reextract run with its status (running, finished, interrupted,
crashed) and its report, for ``newsarchive runs`` and a scheduler's operator."""

from __future__ import annotations

import json
from typing import Any

from archive.store.database import Database


class RunLog(Database):
    """The ``runs`` table."""

    def start_run(self, run_id: str, site: str, started_at: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO runs (run_id, site, started_at, status) VALUES (?, ?, ?, 'running')",
                            (run_id, site, started_at))

    def run_site(self, run_id: str) -> str | None:
        row = self.db.execute("SELECT site FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return str(row[0]) if row else None

    def close_dead_runs(self, site: str) -> list[str]:
        """Mark runs of a site still 'running' as 'crashed'; called under the site lock, so none is alive."""
        with self.transaction():
            ids = [r[0] for r in self.db.execute("SELECT run_id FROM runs WHERE site = ? AND status = 'running'",
                                                  (site,))]
            self.db.execute("UPDATE runs SET status = 'crashed' WHERE site = ? AND status = 'running'", (site,))
        return ids

    def running_run_ids(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("SELECT run_id FROM runs WHERE status = 'running'")]

    def mark_crashed(self, run_id: str) -> None:
        """A run found dead (its lock was free): 'crashed', unless it finished meanwhile."""
        with self.transaction():
            self.db.execute("UPDATE runs SET status = 'crashed' WHERE run_id = ? AND status = 'running'", (run_id,))

    def runs(self, site: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Past runs, newest first, with their reports where they finished."""
        sql = "SELECT run_id, site, started_at, finished_at, status, report FROM runs"
        params: list[Any] = []
        if site:
            sql += " WHERE site = ?"
            params.append(site)
        sql += " ORDER BY started_at DESC, run_id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [{"run_id": r[0], "site": r[1], "started_at": r[2], "finished_at": r[3], "status": r[4],
                 "report": json.loads(r[5]) if r[5] else None} for r in self.db.execute(sql, params)]

    def finish_run(self, run_id: str, status: str, report: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE run_id = ?",
                            (report.get("finished_at"), status, json.dumps(report), run_id))

    def last_run_with_articles(self, site: str, scan: int = 1000) -> str | None:
        """When the latest of the site's last ``scan`` runs that stored a new or changed article ended."""
        for finished_at, report in self.db.execute(
                "SELECT finished_at, report FROM runs WHERE site = ? AND report IS NOT NULL "
                "ORDER BY started_at DESC LIMIT ?", (site, scan)):
            counts = json.loads(report).get("counts", {})
            if counts.get("articles/new", 0) or counts.get("articles/changed", 0):
                return str(finished_at)
        return None
