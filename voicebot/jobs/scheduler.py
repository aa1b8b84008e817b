"""The clock: APScheduler on exactly one process, deciding *when*; its jobs only enqueue.

Every `voicebot worker` (and the embedded `voicebot serve`) is a candidate; the one holding the
clock lock leads. On PostgreSQL the lock is a session advisory lock held by a connection of
its own: PostgreSQL releases it the moment that connection ends, so when the leader dies (a
crash, SIGKILL, a lost host whose connection is reset) a standby, which tries every second,
takes over within about a second. On SQLite it is an exclusive lock on a file beside the
database, which the kernel releases with the process.

The leader's APScheduler (an in-memory store: nothing of it needs to survive, the rows are
the schedule) runs three interval jobs:

- `due_callbacks` every `VOICEBOT_WORKER_TICK`: callbacks whose time has come are queued, up
  to `BATCH` per round trip, so a backlog after downtime is queued in a few statements and
  taken by every worker in parallel;
- the recovery sweep, queued as a job every `VOICEBOT_WORKER_SWEEP`: the checks that ask
  Twilio what already went out (an SMS or a call whose answer a crash lost), and rows
  committed whose job never made it into the queue;
- with Procrastinate, `retry_stalled`: jobs running on a worker whose heartbeat stopped go
  back to the queue (the engine's documented recovery); their rows make the second run
  change nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import ref_to_obj
from flask import Flask
from procrastinate import exceptions as pexc
from procrastinate import sql
from sqlalchemy import select, update

from voicebot import db
from voicebot.clock import clock
from voicebot.jobs.core import TASKS, enqueue, import_jobs, job, jobs
from voicebot.jobs.leadership import identity, leadership
from voicebot.jobs.pgqueue import Procrastinate
from voicebot.models import Callback

log = logging.getLogger("voicebot.clock")
# Its looks run every half second: only their failures belong in the log.
logging.getLogger("apscheduler.executors.clock").setLevel(logging.WARNING)
logging.getLogger("voicebot.clock.apscheduler").setLevel(logging.WARNING)

BATCH = 1000
"""Callbacks queued per statement."""
CHUNK = 25
"""Callbacks one job runs: a backlog after downtime is forty jobs per thousand, shared by every
worker's threads, and no job waits long behind another's."""
RUN_CALLBACKS = "voicebot.callbacks.runner:run_callbacks"
"""The job that runs callbacks, by name: the callbacks use the jobs, not the other way round."""
SWEEPS: tuple[str, ...] = (
    "voicebot.callbacks.runner:sweep",
    "voicebot.telephony:sweep",
    "voicebot.voicemail.pipeline:sweep",
    "voicebot.voicemail.mailing:sweep",
)
"""`module:function(app, now)` the sweep job runs."""


# -- what the clock does --------------------------------------------------------------------
def due_callbacks(app: Flask, now: dt.datetime) -> int:
    """Queue every callback due by `now`, `BATCH` at a time. Queued first and marked after,
    so a crash in between leaves the callback `scheduled`, queued again at the next look
    (its key keeps one copy waiting); a job that already ran moved it on and is not undone."""
    import_jobs()
    task = TASKS[RUN_CALLBACKS]
    total = 0
    while True:
        with db.session_scope(app) as session:
            ids = list(session.scalars(
                select(Callback.id).where(Callback.status == "scheduled", Callback.next_at <= now)
                .order_by(Callback.next_at).limit(BATCH)))
        if not ids:
            return total
        jobs(app).defer_many(task, [((ids[n:n + CHUNK],), f"callbacks-{ids[n]}")
                                    for n in range(0, len(ids), CHUNK)])
        with db.session_scope(app) as session:
            session.execute(
                update(Callback).where(Callback.id.in_(ids), Callback.status == "scheduled",
                                       Callback.next_at <= now)
                .values(status="queued", updated_at=now))
        total += len(ids)
        if len(ids) < BATCH:
            return total


@job
def sweep(app: Flask) -> None:
    """The recovery sweeps, in a worker."""
    now = clock(app).now()
    for name in SWEEPS:
        fn: Callable[[Flask, dt.datetime], None] = ref_to_obj(name)
        try:
            fn(app, now)
        except Exception:
            log.exception("sweep %s failed", name)


def retry_stalled(app: Flask) -> int:
    """Procrastinate: jobs whose worker stopped sending heartbeats run again."""
    engine = jobs(app)
    if not isinstance(engine, Procrastinate):
        return 0
    seconds = float(app.config["WORKER_STALLED_AFTER"])
    papp = engine.deferrer()
    connector = papp.connector.get_sync_connector()
    stalled = connector.execute_query_all(query=sql.queries["select_stalled_jobs_by_heartbeat"],
                                          queue=None, task_name=None,
                                          seconds_since_heartbeat=seconds)
    for row in stalled:
        try:
            papp.job_manager.retry_job_by_id(row["id"], retry_at=dt.datetime.now(dt.UTC))
        except pexc.UniqueViolation:
            # A copy of it (same key, same work) is already waiting: that one does the work.
            # Procrastinate raises its own UniqueViolation while handling psycopg's, so the
            # psycopg error is only its context, never its cause: matched by its own class.
            connector.execute_query(query=sql.queries["finish_job"], job_id=row["id"],
                                    status="aborted", delete_job=True)
            log.warning("job %s (%s) was running on a worker that stopped; a copy of it is "
                        "queued already", row["id"], row["task_name"])
            continue
        log.warning("job %s (%s) was running on a worker that stopped: queued again",
                    row["id"], row["task_name"])
    # Their worker rows stay: a worker only late with its heartbeat (a busy host) would die of
    # losing its row; Procrastinate prunes them when a worker starts.
    return len(stalled)


def recover_in_process(app: Flask, now: dt.datetime) -> None:
    """In-process engine, taking over: APScheduler removes a job from its store when it hands
    it to a thread, so the jobs of a runner that died mid-batch are gone. No other process
    runs this database's jobs, so every `queued` callback is made due again; the clock's next
    look queues it, and a job of it still in the store finds it claimed (or claims it first)."""
    with db.session_scope(app) as session:
        session.execute(update(Callback).where(Callback.status == "queued")
                        .values(status="scheduled", updated_at=now))


class Clock:
    """A candidate for the clock; `run(stop)` waits for the lock, leads while it holds."""

    def __init__(self, app: Flask, *, tick: float | None = None, sweep_every: float | None = None,
                 on_lead: Callable[[], None] | None = None,
                 on_step_down: Callable[[], None] | None = None) -> None:
        cfg = app.config
        self.app = app
        self.tick = float(tick if tick is not None else cfg["WORKER_TICK"])
        self.sweep_every = float(sweep_every if sweep_every is not None else cfg["WORKER_SWEEP"])
        self.holder = identity()
        self.lock = leadership(app, self.holder)
        self.on_lead, self.on_step_down = on_lead, on_step_down
        self.leading = threading.Event()
        """Set while this process holds the lock and its scheduler runs."""

    def run(self, stop: threading.Event) -> None:
        waiting_logged = False
        while not stop.is_set():
            if not self.lock.acquire():
                if not waiting_logged:
                    log.info("clock %s: another process leads; standing by", self.holder)
                    waiting_logged = True
                stop.wait(1.0)
                continue
            waiting_logged = False
            try:
                self._lead(stop)
            finally:
                self.lock.release()

    def _lead(self, stop: threading.Event) -> None:
        scheduler = BackgroundScheduler(
            executors={"clock": ThreadPoolExecutor(3)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            logger=logging.getLogger("voicebot.clock.apscheduler"), timezone=dt.UTC)
        first = dt.datetime.now(dt.UTC)
        scheduler.add_job(self._guarded(self._due), "interval", seconds=self.tick,
                          next_run_time=first, id="due_callbacks", executor="clock")
        scheduler.add_job(self._guarded(self._sweep), "interval", seconds=self.sweep_every,
                          next_run_time=first, id="sweep", executor="clock")
        if jobs(self.app).name == "procrastinate":
            stalled = float(self.app.config["WORKER_STALLED_AFTER"])
            scheduler.add_job(self._guarded(lambda: retry_stalled(self.app)), "interval",
                              seconds=max(1.0, stalled / 3), next_run_time=first, id="stalled",
                              executor="clock")
        else:
            recover_in_process(self.app, clock(self.app).now())
        if self.on_lead is not None:
            self.on_lead()
        scheduler.start()
        self.leading.set()
        log.info("clock %s leads: callbacks and sweeps are queued from here", self.holder)
        try:
            while not stop.wait(min(1.0, self.tick)):
                if not self.lock.held():
                    return
        finally:
            self.leading.clear()
            scheduler.shutdown(wait=True)
            if self.on_step_down is not None:
                self.on_step_down()
            log.info("clock %s stepped down", self.holder)

    def _due(self) -> None:
        with self.app.app_context():
            due_callbacks(self.app, clock(self.app).now())

    def _sweep(self) -> None:
        enqueue(self.app, sweep, key="sweep")

    def _guarded(self, fn: Callable[[], Any]) -> Callable[[], None]:
        """A failed look (the database away) is logged and tried again at the next one."""
        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("the clock's %s failed; trying again", getattr(fn, "__name__", "job"))
        return run
