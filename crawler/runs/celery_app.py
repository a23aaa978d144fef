"""Crawl jobs on Celery workers over Redis: many sites, many machines, nothing lost when a worker dies.

A job is one run of one site (what ``newsarchive crawl`` does), handed out whole: politeness makes a site a
one-worker job anyway, and archival crawlers at scale share work out by site. The task runs the ordinary
``newsarchive crawl`` as a child process, so a worker's run is exactly a command-line run: the same site lock
(a PostgreSQL advisory lock when the store is PostgreSQL), crash repair, report and exit status.

Delivery is at least once. The task is acknowledged only when the run has ended (``acks_late``), a worker
child that dies has its task put back at once (``reject_on_worker_lost``), each child takes one task and
then is replaced (Scrapy's reactor cannot be restarted in a process). A whole worker that dies (SIGKILL of
its process group, a machine lost) leaves its task unacknowledged in Redis; another worker hands it out
again ``--redeliver-after`` seconds after the dead one last renewed its lease. A live run renews its lease
every third of that time, so a run longer than ``--redeliver-after`` is not handed out twice. A job that is
delivered twice anyway (a worker cut off from Redis) is harmless: the second run finds the site locked, or
runs incrementally after the first and writes revisits, never a second copy of an archived body.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import tempfile
import time
from typing import Any

from celery import Celery

from archive.children import spawn
from archive.store.location import StoreLocation
from crawler.runs.outcome import EXIT_LOCKED
from crawler.runs.site_runs import crawl_command, outcome_report

BROKER_ENV = "NEWSARCHIVE_BROKER"
REDELIVER_ENV = "NEWSARCHIVE_REDELIVER_AFTER"
WORKER_ENV = "NEWSARCHIVE_WORKER_NAME"  # the worker's directory under DATA/warc
WORKER_SETTINGS_ENV = "NEWSARCHIVE_WORKER_SETTINGS"  # -s NAME=VALUE of `newsarchive worker`, as JSON
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_REDELIVER_AFTER = 300.0
LEASE_KEY = "unacked_index"  # kombu's Redis transport: delivery tag -> when it was handed out (a sorted set)
UNACKED_KEY = "unacked"  # ... and delivery tag -> the message handed out (a hash)
CLAIM_PREFIX = "newsarchive:queued:"  # `beat` queues a site once until a worker starts its run
TASK = "newsarchive.crawl"


def broker_url() -> str:
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def redeliver_after() -> float:
    return float(os.environ.get(REDELIVER_ENV) or DEFAULT_REDELIVER_AFTER)


def make_app(broker: str, redeliver: float) -> Celery:
    """The Celery application: Redis as broker and result store, at-least-once delivery, one task per child."""
    app = Celery("newsarchive", broker=broker, backend=broker)
    sweep = max(1.0, min(10.0, redeliver / 4))  # how often a worker looks for tasks whose lease ran out
    transport = {"visibility_timeout": redeliver, "unacked_restore_interval": sweep,
                 "unacked_restore_throttle": 1, "unacked_mutex_expire": max(5, int(sweep * 2))}
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=1, task_track_started=True, result_expires=7 * 86400,
        broker_transport_options=transport, result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    app.task(name=TASK, bind=True)(run_job)
    return app


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _delivery_tag(client: Any, task_id: str) -> bytes | None:
    """The transport's delivery tag of the message that carried this task (Celery does not hand it to the
    task): the unacknowledged message whose task id is ours."""
    for tag, raw in client.hscan_iter(UNACKED_KEY):
        try:
            message = json.loads(raw)[0]
        except (ValueError, IndexError, KeyError, TypeError):
            continue
        if isinstance(message, dict) and (message.get("headers") or {}).get("id") == task_id:
            return bytes(tag)
    return None


def _renew(client: Any, task_id: str, tag: bytes | None) -> bytes | None:
    """Move the lease of this task's message forward to now; the tag, once known."""
    with contextlib.suppress(Exception):  # Redis away for a moment: the next renewal tries again
        tag = tag or _delivery_tag(client, task_id)
        if tag is not None:
            client.zadd(LEASE_KEY, {tag: time.time()}, xx=True)
    return tag


LOCKED_TRIES = 60  # a job for a site whose run is going waits for it this many times ...


def _locked_wait() -> float:
    return min(30.0, redeliver_after())  # ... this long each time


class _Lease:
    """This task's hold on its message: renewed every third of ``--redeliver-after`` while the task lives."""

    def __init__(self, task: Any) -> None:
        self.client = _redis(broker_url())
        self.task_id = task.request.id
        self.tag = _renew(self.client, self.task_id, None)
        self.every = redeliver_after() / 3

    def renew(self) -> None:
        self.tag = _renew(self.client, self.task_id, self.tag)

    def wait(self, seconds: float) -> None:
        """Sleep, renewing the lease on the way."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, self.every))
            self.renew()

    def run(self, command: list[str]) -> tuple[int, str, str]:
        """Run a child to its end; its exit status, stdout and stderr."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            child = spawn(command, stdout=out, stderr=err)
            while True:
                try:
                    child.wait(timeout=self.every)
                    break
                except subprocess.TimeoutExpired:
                    self.renew()
            out.seek(0)
            err.seek(0)
            return child.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")


def _earlier_report(task: Any) -> dict[str, Any] | None:
    """The report of another delivery of this task that has ended, if one has (no answer from Redis: None)."""
    with contextlib.suppress(Exception):
        done = task.AsyncResult(task.request.id)
        if done.state == "SUCCESS" and isinstance(done.result, dict):
            return dict(done.result)
    return None


def _repair(location: StoreLocation, site: str) -> None:
    """Repair what a delivery of this job that died mid-run may have left (its ``.open`` file, its run still
    'running'), as the run that would otherwise have come after it does; a run of the site that is going
    does that itself."""
    from archive.locks import LockedError, SiteLock
    from crawler.extensions.recovery import recover

    with contextlib.suppress(LockedError), SiteLock(location, site):
        recover(location, site)


def run_job(task: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Run one site's crawl in a child process, renewing the task's lease while it runs; its report.

    A job delivered again after it was done (a worker that lost its Redis connection puts back the messages
    of the tasks it was running) returns the first run's report instead of crawling again, after repairing
    what a second delivery that died may have left. A job for a site
    whose run is going (a second job, or cron) waits for it here, its lease renewed, and runs after it: a
    retry with a countdown would sit in some worker's buffer unrenewed, be handed out again after
    ``--redeliver-after`` and run twice.
    """
    # the worker's command line put its data directory and store into its environment (crawler.commands.cluster)
    location = StoreLocation.resolve(os.environ["NEWSARCHIVE_DATA"])
    if (earlier := _earlier_report(task)) is not None:
        _repair(location, job["site"])
        return earlier
    settings = {**job.get("settings", {}), **json.loads(os.environ.get(WORKER_SETTINGS_ENV) or "{}")}
    if os.environ.get(WORKER_ENV):
        settings["WARC_SUBDIR"] = os.environ[WORKER_ENV]
    lease = _Lease(task)
    with contextlib.suppress(Exception):
        lease.client.delete(CLAIM_PREFIX + job["site"])
    command = crawl_command({**job, "settings": settings}, location)
    for tries in itertools.count(1):
        code, stdout, stderr = lease.run(command)
        if code != EXIT_LOCKED or tries >= LOCKED_TRIES:
            break
        lease.wait(_locked_wait())
        if (earlier := _earlier_report(task)) is not None:  # another delivery of this job ran meanwhile
            _repair(location, job["site"])
            return earlier
    report = outcome_report(job["site"], code, stdout, stderr)
    report["worker"] = os.environ.get(WORKER_ENV, "")
    return report


_app: Celery | None = None


def application() -> Celery:
    """The application for this process, made on first use from the environment that the command set
    (``--broker``, ``--redeliver-after``); a worker's pool children inherit it."""
    global _app
    if _app is None:
        _app = make_app(broker_url(), redeliver_after())
    return _app
