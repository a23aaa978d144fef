"""`newsarchive worker`, `enqueue` and `beat`: site runs on Celery workers over Redis (crawler/runs/celery_app.py)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from crawler.commands.common import CliError, parse_overrides, prepare_data_dir
from crawler.runs.collection import (
    COLLECTION_FILENAME,
    CollectionError,
    SiteEntry,
    due_entries,
    entry_for_target,
    load_collection,
)
from crawler.runs.outcome import EXIT_OK
from crawler.runs.site_runs import job_of, print_outcome, worst_exit


def _broker_down() -> tuple[type[Exception], ...]:
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, RedisConnectionError, RedisTimeoutError)


def _set_cluster_env(args: argparse.Namespace) -> None:
    """Broker and lease time for this process and the crawls it starts, before the Celery app is made."""
    from crawler.runs.celery_app import BROKER_ENV, REDELIVER_ENV

    if getattr(args, "broker", None):
        os.environ[BROKER_ENV] = args.broker
    redeliver = getattr(args, "redeliver_after", None)
    if redeliver is not None:
        if redeliver < 3:
            raise CliError(f"--redeliver-after must be at least 3 seconds (got {redeliver:g})")
        os.environ[REDELIVER_ENV] = str(redeliver)


def _entries(args: argparse.Namespace, data: Path) -> list[SiteEntry]:
    try:
        if args.all:
            if args.targets:
                raise CliError("give sites or --all, not both")
            return load_collection(Path(args.sites) if args.sites else data / COLLECTION_FILENAME)
        if not args.targets:
            raise CliError("give one or more sites or start URLs, or --all")
        return [entry_for_target(t, args.base_url) for t in args.targets]
    except CollectionError as exc:
        raise CliError(str(exc)) from exc


def cmd_worker(args: argparse.Namespace) -> int:
    from archive.store.location import STORE_ENV
    from crawler.runs.celery_app import WORKER_ENV, WORKER_SETTINGS_ENV

    _set_cluster_env(args)
    data = prepare_data_dir(args.data)
    if args.concurrency < 1:
        raise CliError(f"--concurrency must be at least 1 (got {args.concurrency})")
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise CliError(f"--name {name!r}: use letters, digits, '.', '-' and '_' (it names a directory)")
    os.environ.update({"NEWSARCHIVE_DATA": str(data.resolve()), STORE_ENV: args.location.argument(), WORKER_ENV: name,
                       WORKER_SETTINGS_ENV: json.dumps(parse_overrides(args.set or []))})
    from crawler.runs.celery_app import application

    application().worker_main(["worker", f"--hostname={name}@%h", f"--concurrency={args.concurrency}", "--pool=prefork",
                     f"--loglevel={'INFO' if args.verbose else 'WARNING'}", "--without-gossip", "--without-mingle"])
    return EXIT_OK


def cmd_enqueue(args: argparse.Namespace) -> int:
    _set_cluster_env(args)
    data = args.data
    entries = _entries(args, data)
    if args.all:
        entries = due_entries(entries, args.location)
    overrides = parse_overrides(args.set or [])
    from crawler.runs.celery_app import TASK, application

    broker_down = _broker_down()
    app = application()
    results = [(entry, app.send_task(TASK, args=[job_of(entry, overrides)])) for entry in entries]
    for entry, result in results:  # on stderr when stdout is JSON
        print(f"queued {entry.site} (task {result.id})", flush=True, file=sys.stderr if args.json else sys.stdout)
    if not args.wait:
        return EXIT_OK
    deadline = time.monotonic() + args.timeout if args.timeout else None
    codes: list[int] = []
    reports: list[dict[str, Any]] = []
    waiting = list(results)
    while waiting:
        for item in list(waiting):
            entry, result = item
            try:
                ready = result.ready()
            except broker_down:  # Redis restarting: the results are kept there, ask again in a moment
                time.sleep(1)
                continue
            if ready:
                waiting.remove(item)
                try:
                    report = result.get(propagate=True)
                except Exception as exc:
                    report = {"site": entry.site, "status": "failed", "exit": 1, "message": str(exc)}
                reports.append(report)
                codes.append(int(report.get("exit", 1)))
                if not args.json:
                    print_outcome(report, data)
        if deadline is not None and time.monotonic() > deadline and waiting:
            for entry, _ in waiting:
                reports.append({"site": entry.site, "status": "waiting", "exit": 1,
                                "message": f"not finished within --timeout {args.timeout:g} s"})
                codes.append(1)
            break
        time.sleep(0.3)
    if args.json:
        print(json.dumps({"runs": reports}, indent=2, ensure_ascii=False))
    return worst_exit(codes)


def cmd_beat(args: argparse.Namespace) -> int:
    _set_cluster_env(args)
    data = args.data
    path = Path(args.sites) if args.sites else data / COLLECTION_FILENAME
    from crawler.runs.celery_app import CLAIM_PREFIX, TASK, _redis, application, broker_url

    app = application()
    client = _redis(broker_url())
    overrides = parse_overrides(args.set or [])
    while True:
        try:
            entries = load_collection(path)
        except CollectionError as exc:
            raise CliError(str(exc)) from exc
        for entry in due_entries(entries, args.location):
            # queued once until a worker starts the run (the task deletes the claim), or the interval passes
            if client.set(CLAIM_PREFIX + entry.site, "1", nx=True, ex=max(60, int(entry.every.total_seconds()))):
                result = app.send_task(TASK, args=[job_of(entry, overrides)])
                print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} queued {entry.site} (task {result.id})", flush=True)
        if args.once:
            return EXIT_OK
        time.sleep(args.every)
