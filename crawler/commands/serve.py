"""``newsarchive serve``: the reading room (archive/web) on uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import socket

from crawler.commands.common import CliError, open_archive
from crawler.runs.outcome import EXIT_OK


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


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

    app = create_app(args.location, token=token, replay_url=args.replay_url)
    print(f"reading room: http://{args.host}:{args.port}/  (API: /api/, documented at /docs; Ctrl-C stops it)",
          flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                limit_concurrency=64, timeout_keep_alive=5)
    return EXIT_OK
