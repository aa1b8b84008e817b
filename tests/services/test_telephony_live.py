"""Live telephony: the real `twilio` Client sends through VOICEBOT_TWILIO_API_URL to a local
double of Twilio's REST API, which checks every request against Twilio's OpenAPI description
(the fixture fails the test on any contract violation). A webhook only stores the SMS it
sends (the outbox); the worker sends it (issue 15 item 7), here by running its due jobs.
Replayed and out-of-order webhooks must never send anything twice."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db
from voicebot.devtools.emulator import CallEmulator
from voicebot.jobs import run_due
from voicebot.jobs.worker import Worker
from voicebot.models import Call, Message, utcnow
from voicebot.telephony import Telephony, sweep

from support.replay import replay
from support.twilio_double import TwilioDouble
from support.waiting import wait_for

TELESPUTNIK = "+375295550100"
NOON_MINSK = "2026-11-23T12:00:00+03:00"


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url}


def messages(app: Flask) -> list[Message]:
    with db.session_scope(app) as s:
        rows = list(s.scalars(select(Message).order_by(Message.id)))
        s.expunge_all()
        return rows


def report_outage(dial: Callable[..., CallEmulator]) -> CallEmulator:
    caller = dial(TELESPUTNIK, from_="+375295550177")
    caller.start()
    caller.say("у нас нет сигнала")
    caller.say("улица Садовая дом 7")
    return caller


def worker_sends(app: Flask) -> None:
    """What the worker does next: run its due jobs (the SMS the webhooks handed it)."""
    run_due(app, raise_errors=True)


def test_staff_alarm_goes_out_through_the_twilio_api(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """TS-9: the director and the master get the outage SMS at once, from the line's number,
    sent through Twilio's Messages API with a status callback to us."""
    set_clock(NOON_MINSK)
    report_outage(dial)
    assert twilio_double.messages == []  # stored by the webhook, not sent by it
    assert [m.status for m in messages(app)] == ["pending", "pending"]
    worker_sends(app)
    sent = twilio_double.messages
    assert sorted(m["to"] for m in sent) == ["+375295550111", "+375295550112"]
    assert {m["from"] for m in sent} == {TELESPUTNIK}
    assert all("Садовая дом 7" in m["body"] for m in sent)
    creates = twilio_double.requests_for("POST", r"/Messages\.json$")
    assert {r.params["StatusCallback"] for r in creates} == {f"{live_server}/twilio/sms/status"}
    stored = messages(app)
    assert {m.sid for m in stored} == {m["sid"] for m in sent}
    assert {m.status for m in stored} == {"queued"}


def test_delivery_status_moves_forward_only(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble,
) -> None:
    set_clock(NOON_MINSK)
    report_outage(dial)
    worker_sends(app)
    sid = twilio_double.messages[0]["sid"]
    assert twilio_double.deliver_message_status(sid, "delivered").status == 204
    assert twilio_double.deliver_message_status(sid, "sent").status == 204  # late, out of order
    (row,) = [m for m in messages(app) if m.sid == sid]
    assert row.status == "delivered"


def test_replayed_webhook_sends_nothing_twice(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    set_clock(NOON_MINSK)
    caller = report_outage(dial)
    answer = next(e for e in caller.history
                  if e.kind == "gather" and e.params.get("SpeechResult") == "улица Садовая дом 7")
    first_reply = answer.body
    worker_sends(app)
    for _ in range(3):
        status, body = replay(live_server, answer)
        assert status == 200
        assert body == first_reply
    worker_sends(app)
    assert len(twilio_double.messages) == 2
    assert len(messages(app)) == 2


def test_out_of_order_webhook_replays_the_current_answer(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """A late copy of an earlier turn must not rewind the call or repeat its effects."""
    set_clock(NOON_MINSK)
    caller = dial(TELESPUTNIK, from_="+375295550177")
    caller.start()
    caller.say("нет сигнала")
    early = next(e for e in caller.history if e.kind == "gather")
    caller.say("улица Садовая дом 7")
    status, body = replay(live_server, early)
    assert status == 200
    assert "передали информацию мастеру" in body  # the call's latest answer, not a rewind
    with db.session_scope(app) as s:
        call = s.scalars(select(Call).where(Call.sid == caller.call_sid)).one()
        assert call.state == "goodbye"
    worker_sends(app)
    assert len(twilio_double.messages) == 2


def test_twilio_api_failure_is_recorded_and_the_caller_still_hears_the_flow(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble,
) -> None:
    set_clock(NOON_MINSK)
    # The account's token was rotated in the Twilio console but not here.
    app.extensions["voicebot.telephony"] = Telephony(
        account_sid=app.config["TWILIO_ACCOUNT_SID"], auth_token="revoked-token",
        api_url=twilio_double.base_url, dry_run=False)
    caller = dial(TELESPUTNIK, from_="+375295550177")
    caller.start()
    caller.say("нет сигнала")
    turn = caller.say("улица Садовая дом 7")
    assert "передали информацию мастеру" in turn.text
    worker_sends(app)
    rows = messages(app)
    assert [m.status for m in rows] == ["failed", "failed"]
    assert all("401" in m.error or "Authenticate" in m.error for m in rows)


def test_an_sms_whose_answer_never_came_is_adopted_not_sent_again(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble,
) -> None:
    """Twilio took the SMS but its answer came after our timeout: we cannot know it went out,
    so the row is not marked failed (a retry would send it twice) but kept for the sweep,
    which finds it at Twilio and adopts it."""
    set_clock(NOON_MINSK)
    app.extensions["voicebot.telephony"] = Telephony(
        account_sid=app.config["TWILIO_ACCOUNT_SID"], auth_token=app.config["TWILIO_AUTH_TOKEN"],
        api_url=twilio_double.base_url, dry_run=False, timeout=0.3)
    twilio_double.slow[r"/Messages\.json$"] = 1.0
    report_outage(dial)
    worker_sends(app)
    assert [m.status for m in messages(app)] == ["sending", "sending"]
    deadline = time.monotonic() + 10
    while len(twilio_double.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # Twilio got both; it is only slow to say so
    twilio_double.slow.clear()
    app.config["STUCK_AFTER"] = 0.0
    sweep(app, utcnow())
    rows = messages(app)
    assert {m.status for m in rows} == {"queued"}
    assert {m.sid for m in rows} == {m["sid"] for m in twilio_double.messages}
    assert len(twilio_double.messages) == 2


def test_one_sms_lookup_timing_out_holds_back_no_other(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble,
) -> None:
    """TS-9 after a crash: two SMS were left half-sent and Twilio has both. Asking about one
    times out; the other is still adopted in the same sweep (before, the one timeout rolled
    the whole batch back, and a Twilio slow on every sweep kept both unsettled for ever), and
    the one left over is settled by the next sweep. Neither goes out twice."""
    set_clock(NOON_MINSK)
    app.extensions["voicebot.telephony"] = Telephony(
        account_sid=app.config["TWILIO_ACCOUNT_SID"], auth_token=app.config["TWILIO_AUTH_TOKEN"],
        api_url=twilio_double.base_url, dry_run=False, timeout=0.3)
    twilio_double.slow[r"/Messages\.json$"] = 1.0
    report_outage(dial)
    worker_sends(app)
    assert [m.status for m in messages(app)] == ["sending", "sending"]
    deadline = time.monotonic() + 10
    while len(twilio_double.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    twilio_double.slow.clear()
    first = messages(app)[0]
    twilio_double.slow_once.append((re.escape(first.to_number.lstrip("+")), 1.0))
    app.config["STUCK_AFTER"] = 0.0
    sweep(app, utcnow())
    assert [m.status for m in messages(app)] == ["sending", "queued"]
    sweep(app, utcnow())
    assert [m.status for m in messages(app)] == ["queued", "queued"]
    assert {m.sid for m in messages(app)} == {m["sid"] for m in twilio_double.messages}
    assert len(twilio_double.messages) == 2


def test_a_slow_twilio_api_never_keeps_the_caller_waiting_and_each_sms_goes_out_once(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """Issue 15 item 7, TS-9: Twilio's REST API takes 2 s per request. The turn whose flow
    texts the director and the master answers the caller before a single REST request is
    even made (before, the caller heard 4 s of silence, and at Twilio's 15 s webhook limit
    the call was cut off); the worker, running beside the web server as in production,
    then sends each SMS exactly once, however often Twilio repeats the webhook. (The
    webhook's latency against a slow Twilio is measured in bench/, not here.)"""
    set_clock(NOON_MINSK)
    twilio_double.slow[r"/Messages\.json$"] = 2.0
    caller = dial(TELESPUTNIK, from_="+375295550177")
    caller.start()
    caller.say("у нас нет сигнала")
    turn = caller.say("улица Садовая дом 7")
    assert "передали информацию мастеру" in turn.text
    # Answered before a single request reached Twilio: nothing on the webhook's path waits
    # on Twilio's API, however slow it is (a timed bound would only measure this machine).
    assert twilio_double.requests_for("POST", r"/Messages\.json$") == []
    answer = next(e for e in caller.history
                  if e.kind == "gather" and e.params.get("SpeechResult") == "улица Садовая дом 7")
    worker = Worker(app, tick=0.1, sweep_every=0.5).start()
    try:
        assert replay(live_server, answer)[0] == 200  # Twilio repeats itself meanwhile
        wait_for(lambda: {m.status for m in messages(app)} == {"queued"}, timeout=20,
                 what="both SMS sent by the worker")
        time.sleep(1.0)  # two more sweeps: nothing is sent again
    finally:
        worker.stop()
    assert sorted(m["to"] for m in twilio_double.messages) == ["+375295550111", "+375295550112"]
    assert len(twilio_double.requests_for("POST", r"/Messages\.json$")) == 2
