"""The PostgreSQL engine: Procrastinate, jobs as rows of the app's own database.

Why Procrastinate (against Celery or Dramatiq on RabbitMQ or Redis): it needs no server beyond
the PostgreSQL voicebot already has, so the operator adds `voicebot worker` processes and
nothing else; a job is queued with one INSERT from a plain synchronous psycopg connection
(a Flask request, the CLI); `lock` and `queueing_lock` serialise the work on one call or
voicemail and keep one copy queued; it retries failed jobs, keeps the failures, and its
workers' heartbeats tell which running jobs lost their worker. A broker would add a second
store whose state can disagree with the rows after a crash, and a service to run, back up
and watch.

Its schema is part of ours: an Alembic migration applies the schema file of the pinned
version (voicebot/migrations/versions/0008_job_engine.py), so `voicebot db upgrade` and the
automatic migration on start set up both; an upgrade of Procrastinate comes with a migration
that applies its migration files.

Web processes only add jobs, through a small synchronous pool opened on first use; workers
run an asyncio loop with one Procrastinate worker per queue, so the quick queue has its own
slots that transcriptions never take. Job functions are synchronous and run on threads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Collection, Sequence
from typing import Any

import procrastinate
from flask import Flask
from procrastinate import exceptions as pexc
from procrastinate import jobs as pjobs
from procrastinate import worker as pworker
from sqlalchemy import bindparam, text

from voicebot import db
from voicebot.jobs.core import QUICK, TASKS, TRANSCRIPTION, JobRow, Report, Task, import_jobs, run_in_app
from voicebot.jobs.leadership import conninfo, leader

log = logging.getLogger("voicebot.jobs")

RETRY = procrastinate.RetryStrategy(max_attempts=4, exponential_wait=3)
"""A job that raised runs again after about 3, 9 and 27 s, then stays failed for a person
(`voicebot jobs`, the desk's Jobs page); the rows it works on keep it from doing anything twice."""


def register(papp: procrastinate.App, flask_app: Flask) -> None:
    """Every `@job` as a Procrastinate task running in `flask_app`'s context; arguments travel
    as one JSON list."""
    import_jobs()
    for task in TASKS.values():
        def call(args: list[Any], _task: Task = task) -> None:
            run_in_app(flask_app, _task, args)

        papp.task(name=task.name, queue=task.queue, retry=RETRY, pass_context=False)(call)


class Procrastinate:
    name = "procrastinate"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.conninfo = conninfo(str(app.config["DATABASE_URL"]))
        self._deferrer: procrastinate.App | None = None
        self._lock = threading.Lock()

    def deferrer(self) -> procrastinate.App:
        """The synchronous App web processes and jobs defer with, opened on first use."""
        with self._lock:
            if self._deferrer is None:
                papp = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(
                    conninfo=self.conninfo, min_size=1, max_size=4,
                    kwargs={"application_name": "voicebot-defer"}))
                register(papp, self.app)
                papp.open()
                self._deferrer = papp
            return self._deferrer

    def _job(self, task: Task, args: Sequence[Any], key: str,
             at: dt.datetime | None) -> pjobs.Job:
        return pjobs.Job(id=None, queue=task.queue, lock=key, queueing_lock=key,
                         task_name=task.name, task_kwargs={"args": list(args)}, scheduled_at=at)

    def defer(self, task: Task, args: Sequence[Any], *, at: dt.datetime | None, key: str) -> None:
        try:
            self.deferrer().job_manager.defer_job(self._job(task, args, key, at))
        except pexc.AlreadyEnqueued:
            log.debug("job %s is queued already", key)

    def defer_many(self, task: Task, batch: Sequence[tuple[Sequence[Any], str]]) -> None:
        manager = self.deferrer().job_manager
        try:
            manager.batch_defer_jobs([self._job(task, args, key, None) for args, key in batch])
        except pexc.AlreadyEnqueued:
            # One of them is queued already (a sweep, a retry): the others one by one.
            for args, key in batch:
                self.defer(task, args, at=None, key=key)

    # -- looking -------------------------------------------------------------------------
    def _rows(self, sql: str, **params: Any) -> list[Any]:
        statement = text(sql)
        for name, value in params.items():
            if isinstance(value, list | tuple | set):
                statement = statement.bindparams(bindparam(name, expanding=True))
        with db.engine(self.app).connect() as conn:
            return list(conn.execute(statement, params))

    def cancel(self, key: str) -> bool:
        found = self._rows("SELECT id FROM procrastinate_jobs WHERE queueing_lock = :key "
                           "AND status = 'todo'", key=key)
        return any(self.deferrer().job_manager.cancel_job_by_id(row.id, delete_job=True)
                   for row in found)

    def pending(self) -> dict[str, dt.datetime | None]:
        return {row.queueing_lock: row.scheduled_at for row in self._rows(
            "SELECT queueing_lock, scheduled_at FROM procrastinate_jobs WHERE status = 'todo'")}

    def known(self, keys: Collection[str]) -> set[str]:
        listed, found = list(keys), set[str]()
        for start in range(0, len(listed), 1000):
            chunk = listed[start:start + 1000]
            found.update(row.lock for row in self._rows(
                "SELECT lock FROM procrastinate_jobs WHERE lock IN :keys "
                "AND status IN ('todo', 'doing')", keys=chunk))
        return found

    def run_due(self, now: dt.datetime, *, raise_errors: bool, limit: int) -> int:  # noqa: ARG002  the engine interface; PostgreSQL's clock decides what is due
        """Run, in this thread, what is due by PostgreSQL's clock (Procrastinate reads no
        other): `voicebot worker --once`."""
        due = self._rows("SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'todo' "
                         "AND (scheduled_at IS NULL OR scheduled_at <= now())")[0].n
        if not due:
            return 0
        Workers(self.app, quick=1, transcription=1).run_until_idle()
        return int(due)

    def report(self, limit: int) -> Report:
        counts = {(row.queue_name, row.status): row.n for row in self._rows(
            "SELECT queue_name, status::text AS status, count(*) AS n FROM procrastinate_jobs "
            "GROUP BY queue_name, status")}
        rows = [JobRow(id=r.id, task=r.task_name, queue=r.queue_name, key=r.lock or "",
                       status=r.status, attempts=r.attempts, due=r.scheduled_at,
                       args=list((r.args or {}).get("args", [])))
                for r in self._rows(
                    "SELECT id, task_name, queue_name, lock, status::text AS status, attempts, "
                    "scheduled_at, args FROM procrastinate_jobs "
                    "WHERE status IN ('failed', 'doing') OR (status = 'todo' AND attempts > 0) "
                    "ORDER BY (status = 'failed') DESC, id DESC LIMIT :limit", limit=limit)]
        workers = [f"worker {r.id}: heartbeat {r.last_heartbeat:%H:%M:%S}" for r in self._rows(
            "SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY id")]
        return Report(engine=self.name, counts=counts, rows=rows, workers=workers,
                      leader=leader(self.app))

    def retry(self, job_id: int | str) -> bool:
        try:
            self.deferrer().job_manager.retry_job_by_id(
                int(job_id), retry_at=dt.datetime.now(dt.UTC))
        except (pexc.ConnectorException, ValueError) as exc:
            log.warning("job %s cannot be retried: %s", job_id, exc)
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._deferrer is not None:
                self._deferrer.close()
                self._deferrer = None


class _Worker(pworker.Worker):
    """Procrastinate's worker, whose heartbeat outlives an error.

    Its own heartbeat task ends at its first failed update, and the monitor meant to stop the
    worker then has already returned (it returns when the first side task ends, and the
    periodic deferrer ends at once when there are no periodic tasks): the worker went on
    taking jobs with no heartbeat. Two `WORKER_STALLED_AFTER` later every job it ran looked
    stalled, so the clock queued it again while it was still running, and a peer starting
    pruned the worker's row. One refused query must cost one heartbeat, not all of them."""

    async def _update_heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.update_heartbeat_interval)
            if self.worker_id is None:  # not registered yet, or unregistered on the way out
                continue
            try:
                await self.app.job_manager.update_heartbeat(self.worker_id)
            except Exception as exc:  # a heartbeat is tried again at the next interval
                log.warning("worker %s: the heartbeat failed (%s); trying again",
                            self.worker_id, exc)


class Workers:
    """The Procrastinate workers of one `voicebot worker` process: one per queue, so each
    queue has slots of its own, on one asyncio loop and one connection pool."""

    def __init__(self, app: Flask, *, quick: int, transcription: int,
                 queues: Sequence[str] = (QUICK, TRANSCRIPTION), name: str = "voicebot") -> None:
        self.app = app
        self.slots = {QUICK: quick, TRANSCRIPTION: transcription}
        self.queues = [q for q in queues if self.slots.get(q, 0) > 0]
        self.name = name
        stalled = float(app.config["WORKER_STALLED_AFTER"])
        self.options: dict[str, Any] = {
            "install_signal_handlers": False, "delete_jobs": "successful",
            "update_heartbeat_interval": max(0.5, stalled / 5),
            "stalled_worker_timeout": stalled, "fetch_job_polling_interval": 2.0,
            "abort_job_polling_interval": 5.0, "shutdown_graceful_timeout": None,
        }
        self._running: list[pworker.Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self.started = threading.Event()

    def _papp(self) -> procrastinate.App:
        size = sum(self.slots[q] for q in self.queues) + 2 * len(self.queues) + 2
        papp = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(str(self.app.config["DATABASE_URL"])), min_size=1, max_size=size,
            kwargs={"application_name": f"voicebot-{self.name}"}))
        register(papp, self.app)
        return papp

    async def _run(self, wait: bool) -> None:
        papp = self._papp()
        async with papp.open_async():
            self._loop = asyncio.get_running_loop()
            self.started.set()
            await asyncio.gather(*(self._supervise(papp, queue, wait) for queue in self.queues))

    async def _supervise(self, papp: procrastinate.App, queue: str, wait: bool) -> None:
        """One queue's worker, started again after a failure of its own (the database away,
        its row pruned by a peer that took a slow heartbeat for a dead worker): a worker
        process keeps taking jobs until it is stopped."""
        while not self._stopping:
            running = _Worker(app=papp, queues=[queue], concurrency=self.slots[queue],
                              name=f"{self.name}-{queue}", wait=wait, **self.options)
            self._running.append(running)
            try:
                await running.run()  # type: ignore[no-untyped-call]  # Procrastinate's worker is untyped
                return
            except Exception:
                log.exception("the %s worker failed; starting it again", queue)
                await asyncio.sleep(2.0)
            finally:
                self._running.remove(running)

    def run(self) -> None:
        """Take jobs until `stop()`; the jobs running then finish first."""
        asyncio.run(self._run(wait=True))

    def run_until_idle(self) -> None:
        asyncio.run(self._run(wait=False))

    def stop(self) -> None:
        self._stopping = True
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for running in self._running:
            loop.call_soon_threadsafe(running.stop)
