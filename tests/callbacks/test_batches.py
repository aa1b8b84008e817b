"""Overdue callbacks run in batches (issue 15): one job claims a batch with one statement,
makes its attempts in one transaction and places the batch's calls and SMS through Twilio at
once. What the clients notice must not change: each is called and texted exactly once, on
either database, when two workers are handed the same batch (a job Procrastinate took for
lost and ran again while its worker was only slow) and when one attempt of the batch fails.
A worker killed mid-batch: tests/jobs/test_worker_processes.py."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from voicebot.callbacks import runner
from voicebot.models import Callback, Dial, Message

from support import reminders
from support.records import stored
from support.twilio_double import TwilioDouble

VISITS = 12
CLIENTS = reminders.clients(700, VISITS)


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble, tmp_path: Path) -> dict[str, Any]:
    return reminders.settings(settings, twilio_double, tmp_path, delay="1m")


def overdue_batch(app: Flask) -> list[int]:
    """Visits booked an hour ago, whose calls and SMS fell due while no worker ran: their
    callbacks, as the clock hands them to a job."""
    clock = app.extensions["voicebot.clock"]
    booked = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    clock.set(booked)
    reminders.book_visits(app, CLIENTS, days_ahead=2)
    clock.set(None)
    return sorted(c.id for c in stored(app, Callback))


def run(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        runner.run_callbacks(ids)


def assert_each_client_called_and_texted_once(app: Flask, double: TwilioDouble) -> None:
    called = Counter(c["to"] for c in double.calls)
    assert called == dict.fromkeys(CLIENTS, 1)
    texted = Counter(m["to"] for m in double.messages)
    assert texted == dict.fromkeys(CLIENTS, 1)
    assert len({m["body"] for m in double.messages}) == VISITS
    # What the desk shows: each redial waits for its call's end under the SID Twilio gave
    # that very call (the batch's answers come back together; none may land on another's row).
    dials = stored(app, Dial)
    assert {d.to_number: d.call_sid for d in dials} == {c["to"]: c["sid"] for c in double.calls}
    sms = [m for m in stored(app, Message) if m.direction == "out"]
    assert {m.to_number: m.sid for m in sms} == {m["to"]: m["sid"] for m in double.messages}
    statuses = {(c.rule_id, c.status) for c in stored(app, Callback)}
    assert statuses == {("confirm", "waiting"), ("note", "done")}


def test_two_workers_handed_the_same_batch_call_and_text_each_client_once(
    app: Flask, make_app: Any, twilio_double: TwilioDouble,
) -> None:
    """Two worker processes (two apps, two connection pools) run the same batch at the same
    moment, with Twilio slow enough that both are in the middle of it together."""
    ids = overdue_batch(app)
    other = make_app()
    twilio_double.slow[r"/(Calls|Messages)\.json$"] = 0.3
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(each: Flask) -> None:
        start.wait()
        try:
            run(each, ids)
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(each,)) for each in (app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(twilio_double.calls) == VISITS, "both workers placed calls"
    assert_each_client_called_and_texted_once(app, twilio_double)
    # And a third run of the same job, later, finds nothing left to do.
    run(app, ids)
    assert len(twilio_double.calls) == len(twilio_double.messages) == VISITS


def test_a_failing_attempt_holds_back_nobody_else_and_is_made_once_when_run_again(
    app: Flask, twilio_double: TwilioDouble, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One callback of the batch cannot be made (here: its call cannot be written). The batch
    is rolled back and made again one callback at a time: every other client is called and
    texted, the job fails so the engine runs it again, and that run makes only the one left."""
    ids = overdue_batch(app)
    unlucky = CLIENTS[5]
    made = runner._call

    def fails_for_one(*args: Any) -> dict[str, Any]:
        fields = made(*args)
        if fields["to_number"] == unlucky:
            raise RuntimeError("the database refused this one")
        return fields

    monkeypatch.setattr(runner, "_call", fails_for_one)
    with pytest.raises(RuntimeError, match="the job runs again"):
        run(app, ids)
    assert sorted(c["to"] for c in twilio_double.calls) == [c for c in CLIENTS if c != unlucky]
    assert len(twilio_double.messages) == VISITS
    waiting = [c for c in stored(app, Callback) if c.rule_id == "confirm" and c.phone == unlucky]
    assert [c.status for c in waiting] == ["scheduled"]  # its attempt was rolled back whole

    monkeypatch.undo()
    run(app, ids)
    assert_each_client_called_and_texted_once(app, twilio_double)
