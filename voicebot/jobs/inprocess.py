"""The in-process engine: what the embedded default (`voicebot serve` on SQLite) runs jobs on,
with no other service.

Jobs are APScheduler jobs in its SQLAlchemy store, a table of the app's own database, so a job
queued before a restart runs after it. Any process may *add* jobs (a web process through a
scheduler that never runs one); one process *runs* them: the one that holds the clock's lock
(`voicebot.jobs.scheduler`), which is `voicebot serve` itself, or a `voicebot worker` beside a
`serve --no-jobs`. Failures are kept in memory for the desk of that process.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, deque
from collections.abc import Collection, Sequence
from typing import Any

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
from flask import Flask
from sqlalchemy import select

from voicebot import db
from voicebot.clock import clock
from voicebot.jobs import core
from voicebot.jobs.core import QUEUES, TASKS, JobRow, Report, Task, log
from voicebot.models import APSCHEDULER_JOBS

TRACKED = EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
"""Events `InProcess.track` listens to: a job handed to the executor, and its end."""
KEPT_FAILURES = 200


class StoreOnly(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """Stores jobs and never runs one: what every process but the runner adds jobs with.

    Started paused, a plain scheduler would still make one pass over the due jobs when it
    is shut down (its loop checks for "paused", not "stopped"), submit them to its closed
    executor and delete them from the shared store: a web process going down would eat the
    runner's jobs."""

    def _process_jobs(self) -> float | None:
        return None


class Runner(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """The runner's scheduler: a job another process removed first is already gone, not an
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
    threads = int(app.config["JOB_THREADS"]) + int(app.config["TRANSCRIPTION_THREADS"])
    return kind(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine(app),
                                                 tablename=APSCHEDULER_JOBS.name)},
        executors={"default": ThreadPoolExecutor(threads)},
        # Lateness is decided by each job from the row it works on (a redial hours late is
        # replaced by a ticket, a quote is still worth sending), so the scheduler runs
        # every job however late, once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=dt.UTC,
    )


class InProcess:
    name = "inprocess"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.running: BaseScheduler | None = None
        """The runner's scheduler while this process runs jobs."""
        self.in_flight: Counter[str] = Counter()
        """Jobs taken from the store and not finished: a sweep must not take them for lost."""
        self.failures: deque[JobRow] = deque(maxlen=KEPT_FAILURES)
        self._serial = 0
        self._adder: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    # -- running (the clock's leader calls these) ----------------------------------------
    def start_runner(self) -> None:
        scheduler = make_scheduler(self.app, Runner)
        core._worker_app = self.app
        with self._lock:
            self.in_flight.clear()
        scheduler.add_listener(self.track, TRACKED)
        scheduler.start()
        self.running = scheduler

    def stop_runner(self) -> None:
        scheduler, self.running = self.running, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)  # jobs already running finish; nothing new starts

    def wakeup(self) -> None:
        if self.running is not None:
            self.running.wakeup()

    def track(self, event: JobEvent) -> None:
        """APScheduler listener: count jobs handed to the executor until they end."""
        with self._lock:
            if event.code == EVENT_JOB_SUBMITTED:
                self.in_flight[event.job_id] += 1
                return
            self.in_flight[event.job_id] -= 1
            if self.in_flight[event.job_id] <= 0:
                del self.in_flight[event.job_id]

    def note_failure(self, task: Task, args: Sequence[Any]) -> None:
        """A job raised (`voicebot.jobs.run_in_app`): kept for `voicebot jobs` and the desk."""
        self._serial += 1
        self.failures.appendleft(JobRow(id=self._serial, task=task.name, queue=task.queue,
                                        key=f"retry-{task.name}{tuple(args)!r}", status="failed",
                                        attempts=1, due=clock(self.app).now(), args=list(args)))

    # -- adding ----------------------------------------------------------------------------
    def scheduler(self) -> BaseScheduler:
        if self.running is not None:
            return self.running
        with self._lock:
            if self._adder is None:
                adder = make_scheduler(self.app)
                adder.start(paused=True)  # stores jobs and never runs them
                self._adder = adder
            return self._adder

    def defer(self, task: Task, args: Sequence[Any], *, at: dt.datetime | None, key: str) -> None:
        when = at or clock(self.app).now()
        self.scheduler().add_job(task.name, trigger="date", run_date=when, args=tuple(args),
                                 id=key, name=key, replace_existing=True)

    def defer_many(self, task: Task, batch: Sequence[tuple[Sequence[Any], str]]) -> None:
        for args, key in batch:
            self.defer(task, args, at=None, key=key)

    def cancel(self, key: str) -> bool:
        try:
            self.scheduler().remove_job(key)
        except JobLookupError:
            return False
        return True

    def pending(self) -> dict[str, dt.datetime | None]:
        return {j.id: j.next_run_time for j in self.scheduler().get_jobs()}

    def known(self, keys: Collection[str]) -> set[str]:
        with self._lock:
            found = {k for k in keys if k in self.in_flight}
        table = APSCHEDULER_JOBS
        listed = list(keys)
        with db.engine(self.app).connect() as conn:
            for start in range(0, len(listed), 500):
                chunk = listed[start:start + 500]
                found.update(conn.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
        return found

    def run_due(self, now: dt.datetime, *, raise_errors: bool, limit: int) -> int:
        store = SQLAlchemyJobStore(engine=db.engine(self.app), tablename=APSCHEDULER_JOBS.name)
        store.start(make_scheduler(self.app), "default")
        ran = 0
        with self.app.app_context():
            while ran < limit:
                due = store.get_due_jobs(now)
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

    def report(self, limit: int) -> Report:
        now = clock(self.app).now()
        counts: Counter[tuple[str, str]] = Counter()
        rows: list[JobRow] = []
        with self._lock:
            doing = set(self.in_flight)
        for stored in sorted(self.scheduler().get_jobs(),
                             key=lambda j: j.next_run_time or now)[:100_000]:
            task = TASKS.get(stored.func_ref)
            queue = task.queue if task else QUEUES[0]
            counts[queue, "todo"] += 1
            if len(rows) < limit:
                rows.append(JobRow(id=stored.id, task=stored.func_ref, queue=queue, key=stored.id,
                                   status="todo", attempts=0, due=stored.next_run_time,
                                   args=list(stored.args)))
        for key in doing:
            counts["", "doing"] += 1
            rows.insert(0, JobRow(id=key, task="", queue="", key=key, status="doing",
                                  attempts=1, due=None))
        for failed in self.failures:
            counts[failed.queue, "failed"] += 1
        return Report(engine=self.name, counts=dict(counts),
                      rows=[*self.failures, *rows][:limit])

    def retry(self, job_id: int | str) -> bool:
        found = next((f for f in self.failures if str(f.id) == str(job_id)), None)
        task = TASKS.get(found.task) if found is not None else None
        if found is None or task is None:
            return False
        self.failures.remove(found)
        self.defer(task, found.args, at=None, key=found.key)
        self.wakeup()
        return True

    def close(self) -> None:
        self.stop_runner()
        with self._lock:
            if self._adder is not None:
                self._adder.shutdown(wait=False)
                self._adder = None
