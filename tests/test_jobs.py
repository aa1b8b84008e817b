"""The job machinery: jobs stored by any process in the persistent APScheduler store on the
app's database, run by exactly one worker, the one holding the job lease."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from voicebot import create_app
from voicebot.jobs import enqueue, pending, run_due
from voicebot.jobs.worker import Worker

from support.job_probe import probe, ran
from support.waiting import wait_for

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_app(settings: dict[str, Any]) -> Iterator[Flask]:
    """A second app on the same database and instance folder: another process's view."""
    app = create_app({**settings, "TESTING": True})
    yield app
    app.extensions["voicebot.jobs"].close()
    app.extensions["voicebot.db"].kw["bind"].dispose()


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
    assert pending(app) == {}


def test_a_second_worker_waits_and_takes_over_when_the_first_stops(app: Flask,
                                                                   other_app: Flask) -> None:
    first = Worker(app, tick=0.1, lease_seconds=1.0).start()
    wait_for(first.leading.is_set)
    second = Worker(other_app, tick=0.1, lease_seconds=1.0).start()
    try:
        time.sleep(1.5)  # longer than the lease: the first keeps renewing it
        assert not second.leading.is_set()
        assert first.lease.current().holder == first.lease.holder  # type: ignore[union-attr]
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
    assert worker.lease.current() is None  # the lease is given back for the next worker
