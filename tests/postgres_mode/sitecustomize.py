"""Run by Python at the start of every ``newsarchive`` a test starts in PostgreSQL mode (``tests/postgres_mode``):
loads that package from its file, as the checkout need not be on this process's path yet. Other Pythons the
tests start (pywb's, in a virtualenv of its own) have no ``archive`` to wrap and are left alone."""

import importlib.util
import os

if os.environ.get("NEWSARCHIVE_TEST_PG_SOCKET") and importlib.util.find_spec("archive") is not None:
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location("newsarchive_postgres_mode", Path(__file__).with_name("__init__.py"))
    assert _spec is not None
    assert _spec.loader is not None
    _mode = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mode)
    _mode.install()
