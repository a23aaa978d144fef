"""Who is crawling: the User-Agent every request carries and the id every run is known by."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from archive import __version__


def user_agent(contact: str = "") -> str:
    """An honest User-Agent: the software and its version, and how to reach the operator."""
    return f"newsarchive/{__version__} (news archival crawler; +{contact or 'contact not configured'})"


def new_run_id(now: datetime | None = None, kind: str = "") -> str:
    """Sortable and unique: UTC time of the start, the kind of run when not a crawl, a random suffix."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{kind + '-' if kind else ''}{secrets.token_hex(3)}"


def run_kind(run_id: str) -> str:
    """The kind a run id names (import, backfill, reextract ...), or ``crawl`` for a crawl's."""
    parts = run_id.split("-")
    return parts[1] if len(parts) == 3 else "crawl"
