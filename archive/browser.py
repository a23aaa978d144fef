"""A headless Chromium driven by Playwright: what replay checks (``newsarchive qa``) and the rendering of pages
built by script use.

Playwright cannot download its own browser here, and a user's machine may have only the system's, so the
system Chromium is launched (``/usr/bin/chromium`` from Debian's ``chromium`` package, or
``$NEWSARCHIVE_CHROMIUM``); where it is missing and this process runs as root, ``apt-get`` installs it. The
flags keep Chromium from calling home (background networking, component updates, sync, QUIC): a check of an
archive must make no request but the ones the page makes, and those go where the caller routes them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from archive.debian import apt_install

CHROMIUM_ENV = "NEWSARCHIVE_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--no-first-run", "--disable-gpu", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
         "--metrics-recording-only", "--no-default-browser-check", "--mute-audio"]


class BrowserUnavailable(RuntimeError):
    """No Chromium to drive (and none could be installed here), or Playwright is missing."""


def _found() -> str | None:
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_path(install: bool = True) -> str:
    """The Chromium to launch; with ``install``, Debian's package is installed when none is there (as root)."""
    found = _found()
    if found is None and install and os.geteuid() == 0 and shutil.which("apt-get"):
        with contextlib.suppress(subprocess.CalledProcessError):  # not installed: said below
            apt_install("chromium", lambda: _found() is not None, recommends=False)
        found = _found()
    if found is None:
        raise BrowserUnavailable(f"no Chromium found (looked for {', '.join(CANDIDATES)} and ${CHROMIUM_ENV}); "
                                 "install Debian's chromium package (apt-get install chromium)")
    return found


def launch_options(executable: str) -> dict[str, Any]:
    """Playwright's launch options for the system Chromium (no sandbox as root: Chromium refuses to start)."""
    args = list(FLAGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return {"executable_path": executable, "headless": True, "args": args}


@contextmanager
def chromium(install: bool = True) -> Iterator[Any]:
    """A launched headless Chromium (Playwright's synchronous ``Browser``), closed on leaving the block."""
    executable = chromium_path(install)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable("Playwright is not installed: pip install playwright") from exc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(executable))
        try:
            yield browser
        finally:
            browser.close()
