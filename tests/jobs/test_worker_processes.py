"""The job worker as production runs it, in processes of its own (`voicebot worker`):
killed with SIGKILL in the middle of a schedule, with requests to Twilio in flight, and
restarted, every pending callback still happens, exactly once (on SQLite with the in-process
engine, on PostgreSQL with Procrastinate). Many workers on PostgreSQL: tests/test_job_engine.py.

The workers talk to the Twilio double in this process over loopback; the test books visits
through the product's own API, whose callback rules are due a few seconds later."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from voicebot.compiler.registry import registry
from voicebot.models import Callback, Dial
from voicebot.services.visits import book

from support.processes import start_worker
from support.records import stored
from support.twilio_double import TwilioDouble
from support.waiting import wait_for

FLOW = """\
flow: reminders
language: en-US
direction: outbound
numbers: ["+15035550200"]
timezone: UTC
callbacks:
  - id: confirm
    on: visit_scheduled
    call: confirm
    delay: 2s
    within: always
  - id: note
    on: visit_scheduled
    sms: "Visit {visit_id}: {visit_date} at {visit_start}."
    delay: 2s
    within: always
start: confirm
fallback: bye
states:
  confirm:
    ask: "Will you be home? Say yes or no."
    choices:
      - words: ["yes"]
        goto: ok
    no_input: bye
    no_match: bye
  ok:
    visit: confirmed
    next: bye
  bye:
    hangup: "Goodbye."
"""


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble, tmp_path: Path) -> dict[str, Any]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "reminders.yaml").write_text(FLOW)
    return {**settings, "FLOWS_DIR": str(flows), "DRY_RUN": False,
            "TWILIO_API_URL": twilio_double.base_url,
            # Twilio never calls this in these tests; a live call needs some public URL.
            "PUBLIC_URL": "http://127.0.0.1:9"}


@pytest.fixture
def spawn(settings: dict[str, Any], tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `voicebot worker` processes on the test's database; all are killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        started.append(start_worker(settings, tmp_path / f"{name}.log"))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def log_of(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(errors="replace")


def book_visits(app: Flask, count: int, first: int) -> None:
    """`count` visits tomorrow; their confirmation call and SMS fall due two seconds on."""
    flow = registry(app).get("reminders")
    for i in range(count):
        book(app, flow, phone=f"+1503555{first + i:04d}",
             window=f"{dt.date.today() + dt.timedelta(days=1)} 10:00-12:00")


def test_a_killed_worker_leaves_nothing_undone_and_nothing_done_twice(
    app: Flask, spawn: Callable[[str], subprocess.Popen[bytes]], twilio_double: TwilioDouble,
) -> None:
    """Kill -9 the worker halfway through a schedule, while Twilio is slow to answer the SMS
    it is sending; a restarted worker places every remaining call and sends every remaining
    SMS, and none of those already made is made again."""
    twilio_double.slow[r"/Messages\.json$"] = 0.8
    book_visits(app, 8, first=301)
    first = spawn("first")
    wait_for(lambda: len(twilio_double.calls) + len(twilio_double.messages) >= 6, 30,
             "the first worker got going")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    done_before = (len(twilio_double.calls), len(twilio_double.messages))
    assert done_before[0] < 8 or done_before[1] < 8, "killed too late to prove anything"

    spawn("second")
    wait_for(lambda: len(twilio_double.calls) >= 8 and len(twilio_double.messages) >= 8, 60,
             "the restarted worker finished the schedule")
    time.sleep(6)  # longer than STUCK_AFTER: sweeps recover what is left and must resend nothing
    to = sorted(c["to"] for c in twilio_double.calls)
    assert to == [f"+1503555{n:04d}" for n in range(301, 309)]
    bodies = [m["body"] for m in twilio_double.messages]
    assert len(bodies) == 8 and len(set(bodies)) == 8
    assert {c.status for c in stored(app, Callback) if c.rule_id == "note"} == {"done"}
    dials = stored(app, Dial)
    assert len(dials) == 8 and {d.call_sid for d in dials} == {c["sid"] for c in twilio_double.calls}


