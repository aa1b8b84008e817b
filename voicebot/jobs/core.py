"""The jobs interface: `@job`, the task registry, the engine protocol and what the rest of
voicebot calls (`enqueue`, `cancel`, ...); the package docstring tells the design."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, Protocol, overload

from flask import Flask, current_app, has_app_context

log = logging.getLogger("voicebot.jobs")

P = ParamSpec("P")
JobFunction = Callable[..., None]

QUICK, TRANSCRIPTION = "quick", "transcription"
"""The queues: quick sends (calls, SMS, e-mails, sweeps), and the heavy transcriptions, run by
threads of their own so a backlog of voicemails never delays a redial."""
QUEUES = (QUICK, TRANSCRIPTION)

_worker_app: Flask | None = None
"""The app of the in-process runner: APScheduler's threads have no app context."""


@dataclass(frozen=True)
class Task:
    name: str
    body: Callable[..., None]
    """`body(app, *args)`."""
    queue: str


TASKS: dict[str, Task] = {}
"""Every `@job` by name (`module:function`), as the engines look them up."""

JOB_MODULES = (
    "voicebot.callbacks.runner",
    "voicebot.voicemail.pipeline",
    "voicebot.voicemail.mailing",
    "voicebot.services.messages",
    "voicebot.services.kept_places",
    "voicebot.jobs.scheduler",
)
"""Modules whose jobs a worker must know before it takes any."""


def run_in_app(app: Flask, task: Task, args: Sequence[Any]) -> None:
    with app.app_context():
        try:
            task.body(app, *args)
        except Exception:
            log.exception("job %s%r failed", task.name, tuple(args))
            note = getattr(app.extensions.get("voicebot.jobs"), "note_failure", None)
            if note is not None:
                note(task, args)
            raise


@overload
def job(fn: Callable[Concatenate[Flask, P], None]) -> Callable[P, None]: ...
@overload
def job(*, queue: str) -> Callable[[Callable[Concatenate[Flask, P], None]], Callable[P, None]]: ...


def job(fn: Any = None, *, queue: str = QUICK) -> Any:
    """Make `fn(app, *args)` a job, on `queue`; called as `fn(*args)` in an app context (or by
    the in-process runner), it runs at once."""

    def wrap(body: Callable[..., None]) -> Callable[..., None]:
        name = f"{body.__module__}:{body.__qualname__}"
        task = TASKS[name] = Task(name, body, queue)

        @functools.wraps(body)
        def run(*args: Any) -> None:
            app = current_app._get_current_object() if has_app_context() else _worker_app  # type: ignore[attr-defined]
            if app is None:
                raise RuntimeError(f"job {name} ran outside a worker and an app context")
            run_in_app(app, task, args)

        run.task = task  # type: ignore[attr-defined]
        return run

    return wrap(fn) if fn is not None else wrap


def task_of(fn: JobFunction) -> Task:
    task: Task = fn.task  # type: ignore[attr-defined]
    return task


def import_jobs() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


@dataclass
class JobRow:
    """One job as `voicebot jobs` and the desk show it."""

    id: int | str
    task: str
    queue: str
    key: str
    status: str
    """todo (queued, or waiting for its time), doing, failed, succeeded, cancelled."""
    attempts: int
    due: dt.datetime | None
    args: list[Any] = field(default_factory=list)


@dataclass
class Report:
    engine: str
    counts: dict[tuple[str, str], int]
    """(queue, status) -> jobs."""
    rows: list[JobRow]
    """Failed, retried and running jobs, newest first, and the next ones queued."""
    workers: list[str] = field(default_factory=list)
    leader: str | None = None


class Engine(Protocol):
    name: str

    def defer(self, task: Task, args: Sequence[Any], *, at: dt.datetime | None, key: str) -> None:
        """Queue one job; a job of `key` already waiting makes this one a no-op (in-process: it
        is replaced)."""

    def defer_many(self, task: Task, batch: Sequence[tuple[Sequence[Any], str]]) -> None:
        """Queue many jobs due now, in one round trip where the engine can."""

    def cancel(self, key: str) -> bool: ...
    def pending(self) -> dict[str, dt.datetime | None]: ...
    def known(self, keys: Collection[str]) -> set[str]: ...
    def run_due(self, now: dt.datetime, *, raise_errors: bool, limit: int) -> int: ...
    def report(self, limit: int) -> Report: ...
    def retry(self, job_id: int | str) -> bool: ...
    def close(self) -> None: ...


def jobs(app: Flask | None = None) -> Engine:
    engine: Engine = (app or current_app).extensions["voicebot.jobs"]
    return engine


def enqueue(app: Flask, fn: JobFunction, *args: Any, at: dt.datetime | None = None,
            key: str) -> None:
    """Run `fn(*args)` at `at` (default: now, on the app's clock). `key` names the row the job
    works on: replayed webhooks and sweeps never pile up copies, and two jobs of one key never
    run at once."""
    jobs(app).defer(task_of(fn), args, at=at, key=key)


def enqueue_many(app: Flask, fn: JobFunction, batch: Sequence[tuple[Sequence[Any], str]]) -> None:
    """Queue `fn(*args)` now for each `(args, key)`: the clock's batches."""
    if batch:
        jobs(app).defer_many(task_of(fn), batch)


def cancel(app: Flask, key: str) -> bool:
    return jobs(app).cancel(key)


def pending(app: Flask) -> dict[str, dt.datetime | None]:
    """Jobs waiting (not running) by key, and when each is due."""
    return jobs(app).pending()


def known(app: Flask, keys: Collection[str]) -> set[str]:
    """Which of `keys` have a job waiting or running."""
    return jobs(app).known(keys) if keys else set()
