"""Child processes that end with their parent, however the parent ends.

A server left running after the command that started it (pywb's ``wayback`` after ``newsarchive replay``
was stopped by a service manager) keeps its port and serves stale data. Two measures close every way out:

- the child asks the kernel for SIGTERM when its parent dies (Linux ``PR_SET_PDEATHSIG``), which covers a
  parent killed with SIGKILL or crashing;
- the parent turns SIGTERM and SIGHUP into an orderly exit (as Ctrl-C already is), in which it stops the
  child and waits for it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_TIMEOUT = 10.0  # seconds a child gets after SIGTERM before it is killed


def die_with_parent(parent_pid: int | None = None) -> None:
    """In a child: be sent SIGTERM when the parent dies; exit at once if it is already gone."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:  # it died before the request took effect
        os._exit(1)


def spawn(command: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` for a child that must not outlive this process."""
    parent = os.getpid()
    return subprocess.Popen(command, preexec_fn=lambda: die_with_parent(parent), **kwargs)


def stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the child has not ended within STOP_TIMEOUT seconds."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived: unwind as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP raise ``Stopped`` in the main thread (so ``finally`` clauses that
    stop children run); the previous handlers come back after it."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
