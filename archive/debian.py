"""Debian packages the project runs (Chromium; for the tests and benchmarks PostgreSQL, redis-server, wget),
installed with apt-get when missing, as root. Installs take turns under a lock file: two processes that need
a package at once would otherwise race for dpkg's lock, and one of them fail."""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


def apt_install(package: str, installed: Callable[[], bool], *, recommends: bool = True) -> None:
    """Install Debian's ``package`` (and, with ``recommends=False``, none of what it recommends) unless
    ``installed()``; raises CalledProcessError when apt-get fails even after an update of its lists."""
    with (Path(tempfile.gettempdir()) / "newsarchive-apt.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed():  # another process installed it while this one waited
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", *([] if recommends else ["--no-install-recommends"]), package]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
            subprocess.run(install, env=env, capture_output=True, check=True)
