"""``newsarchive serve``: the reading room (archive/web) on uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from archive.children import Stopped, stop_signals_raise
from archive.children import stop as stop_child
from archive.store.location import StoreLocation
from archive.warc.replay import ReplayUnavailable, wait_until_up
from archive.warc.replay import start as start_replay
from crawler.commands.common import CliError, open_archive
from crawler.runs.outcome import EXIT_OK


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def start_room(location: StoreLocation, port: int = 8000) -> tuple[str, Callable[[], None]] | None:
    """The reading room on 127.0.0.1 in a thread of this process (the port asked for, else a free one), for
    ``demo --serve``: its address and how to stop it; None when there is no archive to show yet."""
    try:
        open_archive(location).close()
    except CliError:
        return None
    import uvicorn

    from archive.web.app import create_app

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(location), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, limit_concurrency=64))
    thread = threading.Thread(target=server.run, name="reading-room", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
    return f"http://127.0.0.1:{port}/", stop


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted. On a non-loopback address a token is required, and then every request."""
    if not 0 < args.port < 65536:
        raise CliError(f"--port must be 1 to 65535 (got {args.port})")
    token = None
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"--token-file {args.token_file}: {exc.strerror or exc}") from exc
        if len(token) < 16:
            raise CliError(f"--token-file {args.token_file}: the token must be at least 16 characters")
    if not _loopback(args.host) and token is None:
        raise CliError(f"serving on {args.host}, beyond this machine, needs --token-file (every request must "
                       "carry the token)")
    open_archive(args.location).close()  # a missing archive is a usage error
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    import uvicorn

    from archive.web.app import create_app

    # uvicorn stops gracefully on SIGINT and SIGTERM, then raises the signal again for the handler it found:
    # this one, so that pywb beside it is stopped and the exit is clean rather than death by signal
    with stop_signals_raise(), contextlib.suppress(Stopped, KeyboardInterrupt), _replay_beside(args) as replay_url:
        app = create_app(args.location, token=token, replay_url=replay_url)
        print(f"reading room: http://{args.host}:{args.port}/  (API: /api/, documented at /docs; Ctrl-C stops it)"
              + (f"; pages replay at {replay_url}/" if replay_url else ""), flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                    limit_concurrency=64, timeout_keep_alive=5)
    return EXIT_OK


@contextmanager
def _replay_beside(args: argparse.Namespace) -> Iterator[str | None]:
    """The replay address the articles link to: ``--replay-url`` as given, or pywb started here on
    ``--replay-port`` (stopped when the room stops), or none."""
    if args.replay_port is None:
        yield args.replay_url.rstrip("/") if args.replay_url else None
        return
    if args.replay_url:
        raise CliError("give --replay-url (a replay running elsewhere) or --replay-port (one started here), not both")
    if not 0 < args.replay_port < 65536 or args.replay_port == args.port:
        raise CliError(f"--replay-port must be 1 to 65535 and not --port (got {args.replay_port})")
    if not args.location.data_dir.joinpath("warc").is_dir():
        raise CliError(f"no WARC files in {args.location.data_dir} to replay")
    try:
        proc = start_replay(args.location.data_dir, args.replay_port)
    except ReplayUnavailable as exc:
        raise CliError(str(exc)) from exc
    base = f"http://127.0.0.1:{args.replay_port}"
    try:
        wait_until_up(base)
        yield base
    except TimeoutError as exc:
        raise CliError(f"{exc} (its log: {args.location.data_dir / 'replay' / 'pywb.log'})") from exc
    finally:
        stop_child(proc)
