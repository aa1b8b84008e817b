"""The in-process engine (the embedded default): jobs stored by any process in the persistent
APScheduler store on the app's database, run by exactly one process, the one leading the
clock."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

import pytest
from flask import Flask

from voicebot import close_app
from voicebot.jobs import enqueue, pending, run_due
from voicebot.jobs.worker import Worker

from support.job_probe import probe, ran
from support.waiting import wait_for

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_app(make_app: Callable[..., Flask]) -> Flask:
    """A second app on the same database and instance folder: another process's view."""
    return make_app()


def test_a_job_waits_for_its_time_and_runs_once(app: Flask) -> None:
    enqueue(app, probe, "reminder", at=T0 + dt.timedelta(minutes=10), key="reminder-1")
    assert run_due(app, T0) == 0
    assert ran(app) == []
    assert run_due(app, T0 + dt.timedelta(minutes=10), raise_errors=True) == 1
    assert run_due(app, T0 + dt.timedelta(hours=1)) == 0
    assert ran(app) == [("reminder", os.getpid())]
    assert pending(app) == {}


def test_enqueueing_the_same_key_again_replaces_the_job(app: Flask) -> None:
    """A replayed webhook or a sweep enqueues again: still one job, at the latest time."""
    enqueue(app, probe, "first", at=T0, key="voicemail-7")
    enqueue(app, probe, "second", at=T0 + dt.timedelta(minutes=1), key="voicemail-7")
    assert list(pending(app)) == ["voicemail-7"]
    run_due(app, T0 + dt.timedelta(hours=1), raise_errors=True)
    assert [key for key, _ in ran(app)] == ["second"]


def test_the_worker_runs_jobs_another_process_stored(app: Flask, other_app: Flask) -> None:
    """A web worker only stores the job; the worker process picks it up from the database."""
    worker = Worker(app, tick=0.2).start()
    try:
        wait_for(worker.leading.is_set)
        enqueue(other_app, probe, "from-the-web", key="web-1")
        wait_for(lambda: ran(app))
    finally:
        worker.stop()
    assert ran(app) == [("from-the-web", os.getpid())]
    # Nothing left but, maybe, the clock's own recovery sweep, queued again every few ticks.
    assert set(pending(app)) <= {"sweep"}


def test_a_second_worker_waits_and_takes_over_when_the_first_stops(app: Flask,
                                                                   other_app: Flask) -> None:
    first = Worker(app, tick=0.1).start()
    wait_for(first.leading.is_set)
    second = Worker(other_app, tick=0.1).start()
    try:
        time.sleep(1.5)  # a standby tries the lock every second
        assert not second.leading.is_set()
        first.stop()
        wait_for(second.leading.is_set, timeout=5)
        enqueue(app, probe, "after-takeover", key="t-1")
        wait_for(lambda: ran(app))
    finally:
        first.stop()
        second.stop()
    assert [key for key, _ in ran(app)] == ["after-takeover"]


def test_a_stopping_worker_lets_a_running_job_finish(app: Flask) -> None:
    worker = Worker(app, tick=0.1).start()
    wait_for(worker.leading.is_set)
    enqueue(app, probe, "slow", 1.0, key="slow-1")
    wait_for(lambda: "slow-1" not in pending(app))  # taken from the store: it is running
    worker.stop()
    assert [key for key, _ in ran(app)] == ["slow"]
    assert not worker.leading.is_set()
    assert worker.clock.lock.acquire()  # the clock lock is given back for the next worker
    worker.clock.lock.release()


def test_a_web_process_going_down_leaves_due_jobs_for_the_worker(app: Flask,
                                                                  other_app: Flask) -> None:
    """A web process only stores jobs; shutting it down must not touch the shared store (a
    plain APScheduler scheduler makes one last pass over due jobs when it stops)."""
    enqueue(other_app, probe, "due-now", key="due-1")
    close_app(other_app)
    time.sleep(0.3)
    assert "due-1" in pending(app)
    assert run_due(app, raise_errors=True) == 1
    assert [key for key, _ in ran(app)] == ["due-now"]


def test_the_worker_survives_a_job_removed_under_it(app: Flask) -> None:
    """Another runner may remove a job the worker is handing over (only the clock lock keeps
    two from running at once, and each real job claims its row); the worker's scheduler must not
    die of it, and keeps running the jobs that come after."""
    worker = Worker(app, tick=0.1).start()
    try:
        wait_for(worker.leading.is_set)
        for n in range(20):
            enqueue(app, probe, f"job-{n}", key=f"race-{n}")
            run_due(app)  # a second runner taking jobs from the same store
        enqueue(app, probe, "after", key="after-1")
        wait_for(lambda: "after" in [key for key, _ in ran(app)])
    finally:
        worker.stop()
    assert {key for key, _ in ran(app)} == {f"job-{n}" for n in range(20)} | {"after"}
