"""The whole suite on PostgreSQL: ``./run test-postgresql`` (``NEWSARCHIVE_TEST_STORE=postgresql``).

Every test then runs as written, but each data directory's store is a PostgreSQL database of its own on a
server of the test session (one per test process), where it would otherwise be ``DATA/archive.sqlite``:
the database is named after the directory's path and made on first use. Tests give data directories, not
stores, so the store has to follow the directory; this module makes it do so by wrapping the four places
that turn a data directory into a store (``Database``, ``SiteLock``, ``store_exists``, ``describe_store``),
in the test process (``tests/conftest.py``) and in every ``newsarchive`` it starts (``sitecustomize.py``
here, on their ``PYTHONPATH``). A store given explicitly (``--store``, ``$NEWSARCHIVE_STORE``, ``sqlite``)
is left as it is.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SOCKET_ENV = "NEWSARCHIVE_TEST_PG_SOCKET"  # the session server's socket directory: PostgreSQL mode is on
MODE_ENV = "NEWSARCHIVE_TEST_STORE"
HERE = Path(__file__).resolve().parent


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


def _store_for(data_dir: Path, store: str | None) -> str | None:
    from archive.store.database import STORE_ENV

    socket_dir = os.environ.get(SOCKET_ENV)
    if store or os.environ.get(STORE_ENV) or not socket_dir:
        return store
    return database_for(Path(data_dir).resolve(), socket_dir)


def _wrap_function(module: Any, name: str) -> None:
    original: Callable[..., Any] = getattr(module, name)

    @functools.wraps(original)
    def wrapper(data_dir: Path, store: str | None = None) -> Any:
        return original(data_dir, _store_for(data_dir, store))

    setattr(module, name, wrapper)


def install() -> None:
    """Wrap the places that open a data directory's store; before anything imports them by name."""
    import archive.locks as locks
    import archive.store.database as database

    if getattr(database, "_postgres_mode", False):
        return
    database._postgres_mode = True  # type: ignore[attr-defined]
    opened = database.Database.__init__

    def database_init(self: Any, data_dir: Path, *, readonly: bool = False, store: str | None = None) -> None:
        opened(self, data_dir, readonly=readonly, store=_store_for(data_dir, store))

    database.Database.__init__ = database_init  # type: ignore[method-assign]
    locked = locks.SiteLock.__init__

    def lock_init(self: Any, data_dir: Path, site: str, store: str | None = None) -> None:
        locked(self, data_dir, site, _store_for(data_dir, store))

    locks.SiteLock.__init__ = lock_init  # type: ignore[method-assign]
    _wrap_function(database, "store_exists")
    _wrap_function(database, "describe_store")
