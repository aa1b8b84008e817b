"""Background jobs: APScheduler 3 with its SQLAlchemy job store on the app's own database.

Any process may *add* jobs (a web worker answering a recording callback, the CLI); exactly one
process *runs* them: the worker holding the job lease (`voicebot.jobs.worker`). Web processes
add through a scheduler started paused, which writes to the persistent store and never runs
anything; the worker wakes every second and so picks up what others stored.

A job is a module-level function decorated with `@job`, taking the app first and then plain,
picklable arguments. Jobs only say *when* to look at something: the rows they work on carry
the state, so a job lost in a crash is found again by a sweep, and a job run twice finds its
work already claimed.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any, Concatenate, ParamSpec

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from voicebot import db
from voicebot.clock import clock
from voicebot.models import APSCHEDULER_JOBS

log = logging.getLogger("voicebot.jobs")

P = ParamSpec("P")
JobFunction = Callable[..., None]

_worker_app: Flask | None = None
"""The app of the worker running jobs in this process: scheduler threads have no app context."""


def job(fn: Callable[Concatenate[Flask, P], None]) -> Callable[P, None]:
    """Make `fn(app, *args)` a job the scheduler can call as `fn(*args)`."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        app = current_app._get_current_object() if has_app_context() else _worker_app  # type: ignore[attr-defined]
        if app is None:
            raise RuntimeError(f"job {fn.__name__} ran outside a worker and an app context")
        with app.app_context():
            try:
                fn(app, *args, **kwargs)
            except Exception:
                log.exception("job %s%r failed", fn.__name__, args)
                raise

    return run


class StoreOnly(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """Stores jobs and never runs one: what every process but the worker uses to add jobs.

    Started paused, a plain scheduler would still make one pass over the due jobs when it
    is shut down (its loop checks for "paused", not "stopped"), submit them to its closed
    executor and delete them from the shared store: a web process going down would eat the
    worker's jobs."""

    def _process_jobs(self) -> float | None:
        return None


class Runner(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """The worker's scheduler: a job another process removed first is already gone, not an
    error, and no failure while reading the store ends the thread every job runs from."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None  # the last pass after shutdown: the executor is closed
        try:
            wait: float | None = super()._process_jobs()
        except JobLookupError:
            return 0.05  # removed elsewhere after it was handed over: look again at once
        except Exception:
            log.exception("the scheduler could not process the job store; retrying")
            return float(self.jobstore_retry_interval)
        return wait


def make_scheduler(app: Flask, kind: type[BackgroundScheduler] = StoreOnly) -> BackgroundScheduler:
    """A scheduler on the app's database; not started."""
    return kind(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine(app),
                                                 tablename=APSCHEDULER_JOBS.name)},
        executors={"default": ThreadPoolExecutor(int(app.config["JOB_THREADS"]))},
        # Lateness is decided by each job from the row it works on (a redial hours late is
        # replaced by a ticket, a quote is still worth sending), so the scheduler runs
        # every job however late, once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=dt.UTC,
    )


class Jobs:
    """The app's door to the job store: `app.extensions["voicebot.jobs"]`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.running: BaseScheduler | None = None
        """The scheduler of this process's worker while it holds the lease."""
        self.in_flight: Counter[str] = Counter()
        """Jobs the worker took from the store and has not finished: queued for a thread or
        running. A sweep must not take them for lost."""
        self._adder: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    def track(self, event: JobEvent) -> None:
        """APScheduler listener: count jobs handed to the executor until they end."""
        with self._lock:
            if event.code == EVENT_JOB_SUBMITTED:
                self.in_flight[event.job_id] += 1
            else:
                self.in_flight[event.job_id] -= 1
                if self.in_flight[event.job_id] <= 0:
                    del self.in_flight[event.job_id]

    def scheduler(self) -> BaseScheduler:
        if self.running is not None:
            return self.running
        with self._lock:
            if self._adder is None:
                adder = make_scheduler(self.app)
                # Paused: stores jobs and never runs them; the worker does.
                adder.start(paused=True)
                self._adder = adder
            return self._adder

    def close(self) -> None:
        with self._lock:
            if self._adder is not None:
                self._adder.shutdown(wait=False)
                self._adder = None


def init_app(app: Flask) -> None:
    app.extensions["voicebot.jobs"] = Jobs(app)


def jobs(app: Flask | None = None) -> Jobs:
    j: Jobs = (app or current_app).extensions["voicebot.jobs"]
    return j


def ref(fn: JobFunction) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def enqueue(app: Flask, fn: JobFunction, *args: Any, at: dt.datetime | None = None,
            key: str) -> None:
    """Run `fn(*args)` at `at` (default: now, on the app's clock). `key` is the job's id:
    enqueuing the same key again replaces the pending job, so replayed webhooks and sweeps
    never pile up copies."""
    when = at or clock(app).now()
    jobs(app).scheduler().add_job(ref(fn), trigger="date", run_date=when, args=args, id=key,
                                  name=key, replace_existing=True)


def cancel(app: Flask, key: str) -> bool:
    try:
        jobs(app).scheduler().remove_job(key)
    except JobLookupError:
        return False
    return True


TRACKED = EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
"""Events `Jobs.track` listens to: a job handed to the executor, and its end."""


def pending(app: Flask) -> dict[str, dt.datetime | None]:
    """Job ids in the store and when each is due (unpickles every job: for small stores)."""
    return {j.id: j.next_run_time for j in jobs(app).scheduler().get_jobs()}


def known(app: Flask, keys: Collection[str]) -> set[str]:
    """Which of `keys` have a job: in the store, or taken from it and not finished yet."""
    state = jobs(app)
    with state._lock:
        found = {k for k in keys if k in state.in_flight}
    table = APSCHEDULER_JOBS
    with db.engine(app).connect() as conn:
        for start in range(0, len(keys), 500):
            chunk = list(keys)[start:start + 500]
            found.update(conn.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
    return found


def run_due(app: Flask, now: dt.datetime | None = None, *, raise_errors: bool = False,
            limit: int = 100_000) -> int:
    """Run, in this thread, every stored job due at `now` (default: the app's clock), and
    the jobs those add that are due too. For `voicebot worker --once` and for tests that
    move the clock instead of sleeping. Returns how many ran."""
    store = SQLAlchemyJobStore(engine=db.engine(app), tablename=APSCHEDULER_JOBS.name)
    store.start(make_scheduler(app), "default")
    ran = 0
    with app.app_context():
        while ran < limit:
            moment = now or clock(app).now()
            due = store.get_due_jobs(moment)
            if not due:
                break
            for stored in due:
                try:
                    store.remove_job(stored.id)
                except JobLookupError:
                    continue  # another pump took it
                ran += 1
                try:
                    stored.func(*stored.args, **stored.kwargs)
                except Exception:
                    if raise_errors:
                        raise
    return ran
