"""The whole suite on PostgreSQL: ``./run test-postgresql`` (``NEWSARCHIVE_TEST_STORE=postgresql``).

Every test then runs as written, but each data directory's store is a PostgreSQL database of its own on a
server of the test session (one per test process), where it would otherwise be ``DATA/archive.sqlite``:
the database is named after the directory's path and made on first use. Tests name stores the way users do:
``tests.helpers.store_for(data)`` gives the location a test opens, and ``tests/conftest.py``'s ``cli_command``
passes it to every ``newsarchive`` a test starts as ``--store``; the crawls those start are told on their own
command lines. A store a test gives explicitly (``--store``, ``$NEWSARCHIVE_STORE``) is left as it is.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from pathlib import Path

SOCKET_ENV = "NEWSARCHIVE_TEST_PG_SOCKET"  # the session server's socket directory: PostgreSQL mode is on
MODE_ENV = "NEWSARCHIVE_TEST_STORE"


def enabled() -> bool:
    return os.environ.get(MODE_ENV) == "postgresql"


def database_name(data_dir: Path) -> str:
    return "data_" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:24]


@functools.cache
def database_for(data_dir: Path, socket_dir: str) -> str:
    """The URL of the data directory's own database, made if it is not there yet."""
    import psycopg
    from psycopg import errors

    name = database_name(data_dir)
    try:
        with psycopg.connect(f"postgresql://newsarchive@/postgres?host={socket_dir}", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
    except (errors.DuplicateDatabase, errors.UniqueViolation):  # made already; or right now, by another thread
        pass
    url = f"postgresql://newsarchive@/{name}?host={socket_dir}"
    for _ in range(100):  # another thread's CREATE DATABASE may not have finished
        try:
            psycopg.connect(url).close()
            break
        except psycopg.OperationalError:
            time.sleep(0.05)
    return url


def store_url(data_dir: Path) -> str | None:
    """The PostgreSQL database of a data directory in this mode (None in SQLite mode, or before the session's
    server is up)."""
    socket_dir = os.environ.get(SOCKET_ENV)
    if not enabled() or not socket_dir:
        return None
    return database_for(Path(data_dir).resolve(), socket_dir)
