"""Background work: one interface, two engines, and APScheduler as the clock.

- **The work** (transcribe a voicemail, make a callback's attempt, send an e-mail, sweep) is a
  *job*: a module-level function decorated with `@job`, taking the app first and then plain
  JSON-able arguments, queued with `enqueue(app, fn, *args, key=...)`.
- **The engine** runs jobs. On PostgreSQL it is Procrastinate (`voicebot.jobs.pgqueue`):
  jobs are rows in the same database, any number of `voicebot worker` processes on any hosts
  take them (`SELECT ... FOR UPDATE SKIP LOCKED`, woken by LISTEN/NOTIFY), a job of a worker
  that died is found by its stale heartbeat and run again, failures are kept with their
  attempts. On SQLite (the embedded default: `voicebot serve`, no other service) it is the
  in-process runner (`voicebot.jobs.inprocess`): APScheduler's store in the app's database,
  run by one process. `VOICEBOT_JOBS` chooses; `auto` goes by the database.
- **The clock** (`voicebot.jobs.scheduler`) decides *when*: APScheduler on exactly one elected
  process (a PostgreSQL advisory lock, or a lock on the SQLite file) whose jobs only enqueue:
  callbacks falling due, in batches, and the recovery sweeps.

Jobs only say *what* to look at: the rows they work on (callback, voicemail, outbox message,
e-mail) carry the state and dedupe keys, so a job delivered twice, or run again after its
worker died mid-send, changes nothing twice. `key` names the row a job works on: two jobs of
one key never wait in the queue together and never run at the same time, which serialises
the work on one call or voicemail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from voicebot.clock import clock
from voicebot.jobs.core import (
    JOB_MODULES,
    QUEUES,
    QUICK,
    TASKS,
    TRANSCRIPTION,
    Engine,
    JobFunction,
    JobRow,
    Report,
    Task,
    cancel,
    enqueue,
    enqueue_many,
    import_jobs,
    job,
    jobs,
    known,
    pending,
    run_in_app,
    task_of,
)
from voicebot.jobs.inprocess import InProcess
from voicebot.jobs.pgqueue import Procrastinate
from voicebot.jobs.scheduler import due_callbacks

__all__ = ["JOB_MODULES", "QUEUES", "QUICK", "TASKS", "TRANSCRIPTION", "Engine", "JobFunction",
           "JobRow", "Report", "Task", "cancel", "engine_name", "enqueue", "enqueue_many",
           "import_jobs", "init_app", "job", "jobs", "known", "pending", "run_due",
           "run_in_app", "task_of"]


def engine_name(config: Any) -> str:
    chosen = str(config.get("JOBS") or "auto").lower()
    if chosen == "auto":
        url = str(config["DATABASE_URL"])
        return "procrastinate" if url.startswith("postgresql") else "inprocess"
    if chosen not in ("procrastinate", "inprocess"):
        raise ValueError(f"VOICEBOT_JOBS is {chosen!r}: say procrastinate, inprocess or auto")
    return chosen


def init_app(app: Flask) -> None:
    name = engine_name(app.config)
    engine: Engine
    if name == "procrastinate":
        if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
            raise ValueError("VOICEBOT_JOBS=procrastinate needs a PostgreSQL VOICEBOT_DATABASE_URL")
        engine = Procrastinate(app)
    else:
        engine = InProcess(app)
    app.extensions["voicebot.jobs"] = engine


def run_due(app: Flask, now: dt.datetime | None = None, *, raise_errors: bool = False,
            limit: int = 100_000) -> int:
    """The clock's look at `now` (default: the app's clock), then every job due by then, and
    those they queue, in this thread. For `voicebot worker --once` and for tests that move the
    clock instead of sleeping. Returns how many jobs ran."""
    ran = 0
    while ran < limit:
        with app.app_context():
            due_callbacks(app, now or clock(app).now())
        # Read after queueing: what the clock queued is due at the moment it was queued.
        done = jobs(app).run_due(now or clock(app).now(), raise_errors=raise_errors,
                                 limit=limit - ran)
        if not done:
            break
        ran += done
    return ran
