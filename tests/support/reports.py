"""A known set of calls for the reports: real calls through the emulator and the live
server, and the rows the pipeline and the callback worker write for the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import update

from voicebot import db
from voicebot.models import Quote

from support.desk import callback, voicemail
from support.records import Dial, the_call

OMEGA = "+15035550100"
PACIFIC = dt.timezone(dt.timedelta(hours=-8))


def queued_call(dial: Dial, set_clock: Any, at: str, *, waits: int, then: str,
                phone: str) -> Any:
    """A caller asks for a dispatcher, waits `waits` seconds, then is answered ("bridged")
    or hangs up ("hangup")."""
    moment = set_clock(at)
    caller = dial(OMEGA, from_=phone)
    caller.start()
    assert caller.press("0").waiting == "queue"
    set_clock((moment + dt.timedelta(seconds=waits)).isoformat())
    if then == "hangup":
        caller.hangup()
    else:
        caller.queue_result(then)
    return caller


def known_calls(app: Flask, dial: Dial, set_clock: Any) -> None:
    """Monday 23 Nov 2026 (Pacific): two callers queue, one answered after 12 s, one hangs up
    after 45 s; one hears the prices; one leaves a voicemail at 20:30 (04:30 UTC on Tuesday,
    so a report in UTC would put it on the wrong day). Tuesday: one caller answered after
    30 s. A quote sent and approved, a callback tried twice and reached the second time."""
    served = queued_call(dial, set_clock, "2026-11-23T09:00:00-08:00", waits=12, then="bridged",
                         phone="+15035550131")
    assert the_call(app, served).outcome == "served"
    gone = queued_call(dial, set_clock, "2026-11-23T09:01:00-08:00", waits=45, then="hangup",
                       phone="+15035550132")
    assert the_call(app, gone).outcome == "abandoned"
    set_clock("2026-11-23T09:30:00-08:00")
    prices = dial(OMEGA, from_="+15035550133")
    prices.start()
    prices.press("4")
    prices.say("no that's all thanks")
    set_clock("2026-11-23T20:30:00-08:00")
    late = dial(OMEGA, from_="+15035550134")
    late.start()
    late.record(duration=14, finish="#")
    assert the_call(app, late).outcome == "voicemail"
    queued_call(dial, set_clock, "2026-11-24T10:00:00-08:00", waits=30, then="bridged",
                phone="+15035550135")

    # What the pipeline and the callback worker write for a quoted voicemail.
    at = dt.datetime(2026, 11, 24, 11, 0, tzinfo=PACIFIC)
    voicemail(app, phone="+15035550136", at=at, transcript="my fridge is warm",
              quote={"service": "refrigerator", "name": "refrigerator repair",
                     "body": "Omega Tech: a service call is $85.", "status": "approved"})
    with db.session_scope(app) as session:
        session.execute(update(Quote).values(decided_at=at + dt.timedelta(minutes=20)))
    callback(app, phone="+15035550136", status="done", attempts=(
        (at + dt.timedelta(hours=1), "calling"), (at + dt.timedelta(hours=1, minutes=1), "no-answer"),
        (at + dt.timedelta(hours=2), "calling"), (at + dt.timedelta(hours=2, minutes=1), "reached")))


