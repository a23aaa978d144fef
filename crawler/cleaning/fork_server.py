"""The fork server that cleaning workers are forked from, and starting it before a command has loaded the rest.

The fork server imports the cleaners, the site profiles and py3langid's model once (``PRELOAD``), over a
second of CPU, and every worker is then a fork of it. Started where the pool is first used, that second
came after the command's own imports and its first records, and the workers after both. A batch command
that knows it will clean (import, backfill, reextract) calls ``start_early`` once its arguments are checked
and before it imports its run's modules, so that both load at once on two cores. This module imports
nothing heavy for that reason.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

PRELOAD = ["crawler.cleaning.preload"]  # what the fork server loads before it forks a worker


def cleaning_workers(requested: int = -1) -> int:
    """The cleaning processes to run: ``requested`` (0: clean in the caller's own process), or for a negative
    number (the commands' and settings' default) one per core this process may run on."""
    if requested >= 0:
        return requested
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cleaning_context() -> BaseContext:
    """The multiprocessing context of the cleaning pools: a fork server that preloads the cleaners."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_early(workers: int) -> None:
    """Start the fork server now (it preloads while this process goes on) when ``workers`` will clean; the
    pool started later forks its workers from this same server."""
    if workers > 0:
        cleaning_context()
        forkserver.ensure_running()
