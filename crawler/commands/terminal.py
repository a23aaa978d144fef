"""Progress of long commands on a terminal: records done of records in all and the time left, or (``crawl
--all``) a line per site running and the sites done.

``verify``, ``reextract`` and ``store copy`` read a whole archive; on a terminal they draw rich's progress
bar on stderr, which is transient (the summary that follows reads as it always did). Off a terminal, with
``-q`` or with ``-v`` (whose own lines have stderr then), nothing is drawn and the output is unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


@contextmanager
def live_lines(enabled: bool) -> Iterator[Callable[[list[str]], None]]:
    """Yields ``show(lines)``: the lines redrawn in place while the block runs, gone after it."""
    if not enabled:
        yield lambda lines: None
        return
    with Live(Text(""), console=Console(stderr=True), transient=True, auto_refresh=False) as live:
        yield lambda lines: live.update(Text("\n".join(lines)), refresh=True)


def wants_progress(quiet: bool, verbose: bool = False) -> bool:
    """A progress display belongs on a terminal, and only when the user asked for neither silence nor log."""
    return sys.stderr.isatty() and not quiet and not verbose


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool, *, in_bytes: bool = False
                 ) -> Iterator[Callable[..., None]]:
    """Yields ``update(done, total=None)``; draws a bar with the count and the time left while the block runs.
    ``total`` may be given later, to ``update``, when the work learns it (a backfill once its listing is
    read)."""
    if not enabled:
        yield lambda done, total=None: None
        return
    count = DownloadColumn() if in_bytes else MofNCompleteColumn()  # "1.2/4.0 MB" fits where bytes would not
    columns = (TextColumn("{task.description}"), BarColumn(), count, TextColumn("·"),
               TimeElapsedColumn(), TextColumn("elapsed, about"), TimeRemainingColumn(), TextColumn("left"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)

        known = [total]

        def update(done: int, total: int | None = None) -> None:
            if total is not None:
                known[0] = total
            grown = max(known[0] or 0, done) if known[0] is not None else None
            progress.update(task, completed=done, total=grown)

        yield update
