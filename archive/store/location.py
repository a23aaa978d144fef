"""Where an archive's store lives, decided once at the edge (the command line, a worker's start, a test) and
passed down: the SQLite file of the data directory, or a PostgreSQL database shared by many crawlers.

Nothing below the edge reads ``$NEWSARCHIVE_STORE``: a crawl gets its location as a Scrapy setting, a child
process on its command line (``--store``), a library caller as an argument.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.store.dialect import POSTGRESQL, SQLITE_DIALECT, Dialect

STORE_FILENAME = "archive.sqlite"
STORE_ENV = "NEWSARCHIVE_STORE"
SQLITE = "sqlite"  # as a store argument: the data directory's SQLite file, whatever $NEWSARCHIVE_STORE says


def is_postgres_url(location: str | None) -> bool:
    return bool(location) and str(location).startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages and reports."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


@dataclass(frozen=True)
class StoreLocation:
    """A data directory (its WARC files, run reports, locks) and where its store is: ``url`` is the
    PostgreSQL database, or None for ``DATA/archive.sqlite``."""

    data_dir: Path
    url: str | None = None

    @classmethod
    def resolve(cls, data_dir: str | Path, store: str | None = None,
                environ: Mapping[str, str] | None = None) -> StoreLocation:
        """The location a user asked for: ``store`` (a postgresql:// URL or ``sqlite``), else the
        environment's ``$NEWSARCHIVE_STORE``, else SQLite. A malformed one is a ValueError saying why."""
        given = store or (os.environ if environ is None else environ).get(STORE_ENV) or None
        if given is None or given == SQLITE:
            return cls(Path(data_dir))
        if not is_postgres_url(given):
            raise ValueError(f"{STORE_ENV}/--store must be a postgresql:// URL or {SQLITE!r} (got {given!r}); "
                             "without it the store is DATA/archive.sqlite")
        return cls(Path(data_dir), given)

    @classmethod
    def of(cls, where: StoreLocation | str | Path) -> StoreLocation:
        """A location as given, or a bare data directory's SQLite store (never the environment's)."""
        return where if isinstance(where, StoreLocation) else cls(Path(where))

    @property
    def postgres(self) -> bool:
        return self.url is not None

    @property
    def dialect(self) -> Dialect:
        return POSTGRESQL if self.url is not None else SQLITE_DIALECT

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / STORE_FILENAME

    def argument(self) -> str:
        """The ``--store`` value that names this location to a child process."""
        return self.url or SQLITE

    def describe(self) -> str:
        """For messages: the SQLite file's path, or the PostgreSQL URL without its password."""
        return redacted(self.url) if self.url is not None else str(self.sqlite_path)

    def exists(self) -> bool:
        """True when there is an archive to read: the SQLite file, or the schema in the PostgreSQL database."""
        if self.url is None:
            return self.sqlite_path.exists()
        from archive.store.postgres import PostgresConnection

        connection = PostgresConnection(self.url, readonly=True)
        try:
            return connection.has_schema()
        finally:
            connection.close()
