"""Every /twilio/* route, fuzzed: requests signed exactly as Twilio signs them, built from a
plausible request of that route with fields made hostile (NUL, huge, any unicode, numbers out
of every bound, missing, sent twice, unknown ones added) and hostile continuation URLs.

Whatever comes, the answer is never a 5xx and never shows a traceback, and a request sent
again stores nothing new. Bounded: a fixed number of examples on one app, well under a minute.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from voicebot import db
from voicebot.models import Booking, Call, Callback, Dial, Message, Ticket, Voicemail

from support.signed import CALLER, OMEGA, post

CALL_SIDS = ["CA" + c * 32 for c in "abc"]
RECORDING_SIDS = ["RE" + c * 32 for c in "abc"]
MESSAGE_SIDS = ["SM" + c * 32 for c in "abc"]
COUNTED = (Call, Message, Voicemail, Ticket, Callback, Dial, Booking)
"""Rows a request sent a second time must not add to."""
NUMBER_FIELDS = {"RecordingDuration", "CallDuration", "DialCallDuration", "QueueTime", "Confidence"}
EXAMPLES = 400

Params = dict[str, "str | list[str]"]

# Numbers Twilio never sends, in every shape a parser trips on.
odd_numbers = st.one_of(
    st.sampled_from(["²", "٣", "99999999999999999999", "1_000", "0x10", " 7 ", "-0", "1e400", "nan",
                     "", "٠", "Ⅻ", "-1", "2147483648"]),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
hostile = st.one_of(
    st.text(max_size=30),  # any unicode, NUL included
    st.text(alphabet=st.sampled_from("\x00\x01\r\n\t\u202e\ufeff<>&'\"%;"), max_size=20),
    st.builds(lambda piece, times: piece * times, st.sampled_from(["a", "9", "\x00", "é", "😀"]),
              st.integers(100, 20_000)),
    odd_numbers,
)


def plausible(draw: Any, endpoint: str) -> tuple[str, dict[str, str], Params]:  # noqa: PLR0911  one request shape per route
    """A request the route could get from Twilio: (path, query, form)."""
    sid = draw(st.sampled_from(CALL_SIDS))
    call = {"CallSid": sid, "From": draw(st.sampled_from([CALLER, "+79005550123", "anonymous"])),
            "To": draw(st.sampled_from([OMEGA, "+74955550100", "+15035550111"]))}
    recording = {"CallSid": sid, "RecordingSid": draw(st.sampled_from(RECORDING_SIDS)),
                 "RecordingStatus": draw(st.sampled_from(["completed", "completed", "completed", "failed"])),
                 "RecordingDuration": str(draw(st.integers(0, 200))),
                 "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"}
    state = draw(st.sampled_from(["menu", "anything_else", "voicemail", "__fallback__", "greeting"]))
    turn = str(draw(st.integers(0, 4)))
    event = draw(st.sampled_from(["gather", "silence", "record", "dial", "queue", "slot"]))
    match endpoint:
        case "twilio.voice" | "twilio.fallback" | "twilio.fallback_done":
            return endpoint, {}, {**call, "CallStatus": "ringing", "ErrorCode": "11200"}
        case "twilio.step":
            return endpoint, {"s": state, "t": turn, "e": event}, {
                **call, "Digits": draw(st.sampled_from(["1", "2", "3", "0", "#"])),
                "SpeechResult": draw(st.sampled_from(["insurance", "price", "yes", ""])),
                "Confidence": "0.91", "DialCallStatus": "completed", "DialCallDuration": "31",
                "QueueResult": "bridged",
                **{k: v for k, v in recording.items() if k != "CallSid"}}
        case "twilio.queue_wait":
            return endpoint, {"s": draw(st.sampled_from(["insurance_queue", "general_queue"]))}, {
                **call, "QueueTime": str(draw(st.integers(0, 900)))}
        case "twilio.whisper":  # the staff member's leg of a transfer with a whisper
            return endpoint, {"c": sid, "s": "to_dispatcher", "t": turn, "m": "dispatcher-1",
                              "e": draw(st.sampled_from(["ask", "answer"]))}, {
                "CallSid": draw(st.sampled_from(CALL_SIDS)), "ParentCallSid": sid,
                "From": call["From"], "To": "+15035550111", "CallStatus": "in-progress",
                "Digits": draw(st.sampled_from(["1", "2", ""]))}
        case "twilio.voice_status":
            return endpoint, {}, {**call, "CallDuration": str(draw(st.integers(0, 900))),
                                  "CallStatus": draw(st.sampled_from(
                                      ["ringing", "in-progress", "completed", "busy", "no-answer"])),
                                  "AnsweredBy": "human"}
        case "twilio.outbound":
            return endpoint, {"d": str(draw(st.integers(1, 3)))}, {**call, "AnsweredBy": "human"}
        case "twilio.recording":
            query = draw(st.sampled_from([{}, {"kind": "call"},
                                          {"via": "fallback", "from": CALLER, "to": OMEGA}]))
            return endpoint, query, recording
        case "twilio.transcription":
            return endpoint, {}, {"RecordingSid": recording["RecordingSid"],
                                  "TranscriptionStatus": "completed",
                                  "TranscriptionText": "my fridge is not cooling"}
        case "twilio.sms":
            return endpoint, {}, {"MessageSid": draw(st.sampled_from(MESSAGE_SIDS)),
                                  "From": call["From"], "To": call["To"],
                                  "Body": draw(st.sampled_from(["YES", "no", "call me"]))}
        case "twilio.sms_status":
            return endpoint, {}, {"MessageSid": draw(st.sampled_from(MESSAGE_SIDS)),
                                  "MessageStatus": "delivered", "ErrorCode": "30003"}
    raise AssertionError(f"no plausible request for {endpoint}: add one")


@st.composite
def hostile_request(draw: Any, endpoints: list[str]) -> tuple[str, dict[str, str], Params]:
    endpoint, query, form = plausible(draw, draw(st.sampled_from(endpoints)))
    params: Params = dict(form)
    for key in NUMBER_FIELDS & set(form):  # numbers are where parsers trip: often wrong
        if draw(st.booleans()):
            params[key] = draw(odd_numbers)
    # A few fields go wrong at a time: with all of them wrong, the first check refuses it.
    for key in draw(st.lists(st.sampled_from(sorted(form)), max_size=3, unique=True)):
        # A number field gets the numbers parsers trip on, most of the time.
        bad = odd_numbers if key in NUMBER_FIELDS and draw(st.booleans()) else hostile
        action = draw(st.sampled_from(["hostile", "hostile", "drop", "twice"]))
        if action == "hostile":
            params[key] = draw(bad)
        elif action == "drop":
            del params[key]
        else:
            params[key] = [form[key], draw(bad)]
    for key, value in draw(st.dictionaries(st.text(min_size=1, max_size=12), hostile, max_size=2)).items():
        params.setdefault(key, value)
    for key in list(query):
        if draw(st.booleans()):
            query[key] = draw(hostile)[:200]
    return endpoint, query, params


def counts(app: Flask) -> tuple[int, ...]:
    with db.session_scope(app) as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED)


def twilio_endpoints(app: Flask) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/twilio/")})


@pytest.mark.e2e
def test_no_hostile_webhook_breaks_anything(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    endpoints = twilio_endpoints(app)
    assert len(endpoints) >= 9  # every route is fuzzed, new ones too (plausible() fails on them)
    seen: dict[int, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(hostile_request(endpoints))
    def one(request: tuple[str, dict[str, str], Params]) -> None:
        endpoint, query, params = request
        caplog.clear()
        with app.test_request_context():
            path = url_for(endpoint)
        url = path + ("?" + urlencode(query, quote_via=quote) if query else "")
        status, body = post(client, url, params)
        seen[status] = seen.get(status, 0) + 1
        assert status < 500, (status, body[:500])
        assert "Traceback" not in body and "File \"" not in body
        # Nor a crash hidden behind a polite answer (a voice route says the apology on any error).
        crashes = [r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
        assert not crashes, crashes
        before = counts(app)
        again, _ = post(client, url, params)
        assert again < 500
        assert counts(app) == before, f"{endpoint} stored something again"

    one()
    # The fuzz went past the signature check and the field checks, into the handlers.
    assert sum(n for status, n in seen.items() if status < 300) >= EXAMPLES // 4, seen
