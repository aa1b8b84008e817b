"""Twilio delivering one webhook several times at the same moment (a retry racing the
original, a proxy repeating a request), over real HTTP against a live server: the input is
applied once, the call's path is what one delivery makes it, every copy gets the same answer,
and nothing (ticket, SMS, callback, voicemail) is stored twice. On SQLite too, where SELECT ...
FOR UPDATE locks nothing."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask
from twilio.request_validator import RequestValidator

from voicebot.devtools.emulator import new_sid
from voicebot.engine.phrases import phrase
from voicebot.models import Call, Callback, CallEvent, Message, Ticket, Voicemail

from support.records import stored
from support.twilio_double import TEST_AUTH_TOKEN

pytestmark = pytest.mark.e2e

CALLER, OMEGA = "+15035550199", "+15035550100"
COPIES = 8


def post(base: str, path: str, params: Mapping[str, str]) -> tuple[int, str]:
    url = base + path
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, dict(params))
    reply = requests.post(url, data=dict(params), headers={"X-Twilio-Signature": signature},
                          timeout=30)
    return reply.status_code, reply.text


def all_at_once(base: str, path: str, params: Mapping[str, str]) -> list[tuple[int, str]]:
    """COPIES deliveries of one signed webhook, released together."""
    start = threading.Barrier(COPIES)

    def deliver(_: int) -> tuple[int, str]:
        start.wait()
        return post(base, path, params)

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(deliver, range(COPIES)))


def test_one_answer_delivered_at_once_many_times_is_applied_once(
    app: Flask, live_server: str, set_clock: Callable[[str], dt.datetime]
) -> None:
    """OM-6: a question about a finished repair (3) makes a completion-review ticket, which sets
    off the review_overdue callback. Each of several calls gets its answer 8 times at once."""
    set_clock("2026-11-23T09:00-08:00")  # Monday morning: the menu
    for _ in range(4):
        sid = new_sid("CA")
        params = {"CallSid": sid, "From": CALLER, "To": OMEGA, "CallStatus": "in-progress"}
        status, first = post(live_server, "/twilio/voice", params)
        assert status == 200, first
        action = re.search(r'<Gather action="([^"]+)"', first)
        assert action, first
        replies = all_at_once(live_server, action.group(1).replace("&amp;", "&"),
                              {**params, "Digits": "3"})
        assert {status for status, _ in replies} == {200}
        assert len({body for _, body in replies}) == 1, "the copies got different answers"
        body = replies[0][1]
        assert "checked by our supervisor" in body and phrase("unavailable", "en") not in body
        (call,) = stored(app, Call, sid=sid)
        assert call.turn == 2 and call.state == "anything_else"
        assert len(stored(app, CallEvent, call_id=call.id, kind="input")) == 1
        entered = [e.state for e in stored(app, CallEvent, call_id=call.id, kind="enter")]
        assert entered.count("completion_review") == 1, entered
        assert len(stored(app, Ticket, call_id=call.id)) == 1
        assert len(stored(app, Callback, call_id=call.id)) <= 1
        assert not stored(app, CallEvent, call_id=call.id, kind="error")


def test_one_sms_delivered_at_once_many_times_is_stored_once(app: Flask, live_server: str) -> None:
    sid = new_sid("SM")
    replies = all_at_once(live_server, "/twilio/sms",
                          {"MessageSid": sid, "From": CALLER, "To": OMEGA, "Body": "hello"})
    assert {status for status, _ in replies} == {200}
    assert len(stored(app, Message, sid=sid)) == 1


def test_one_recording_callback_delivered_at_once_many_times_is_stored_once(
    app: Flask, live_server: str
) -> None:
    """Every copy gets a 2xx: Twilio counts a 500 as a failed callback and alerts on it."""
    call_sid = new_sid("CA")
    status, _ = post(live_server, "/twilio/voice", {"CallSid": call_sid, "From": CALLER, "To": OMEGA})
    assert status == 200
    for _ in range(3):
        rec_sid = new_sid("RE")
        replies = all_at_once(live_server, "/twilio/recording", {
            "CallSid": call_sid, "RecordingSid": rec_sid, "RecordingStatus": "completed",
            "RecordingDuration": "12",
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{rec_sid}"})
        assert {status for status, _ in replies} == {204}, replies
        assert len(stored(app, Voicemail, recording_sid=rec_sid)) == 1
