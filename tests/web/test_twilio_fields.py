"""What Twilio's form fields may hold and what voicebot makes of them: numbers parsed with
bounds (not by `isdigit`, which "²" and a 20-digit number pass), caller text stored whatever
bytes it carries (PostgreSQL refuses NUL), identifiers and statuses checked before they reach
a column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot.devtools.emulator import new_sid
from voicebot.engine.phrases import phrase
from voicebot.models import Call, CallEvent, Message, Voicemail

from support.records import stored
from support.signed import CALLER, OMEGA, post, start_call

APOLOGY = phrase("unavailable", "en")
# None is a number of seconds Twilio could send; the first three pass str.isdigit().
NOT_NUMBERS = ["99999999999999999999", "²", "٣", "1_000", "-5", "1e3", "nan"]


@pytest.mark.parametrize("duration", NOT_NUMBERS)
def test_a_recording_with_an_impossible_duration_is_stored_without_one(
    app: Flask, client: FlaskClient, duration: str
) -> None:
    call_sid, rec_sid = new_sid("CA"), new_sid("RE")
    start_call(client, call_sid)
    status, body = post(client, "/twilio/recording", {
        "CallSid": call_sid, "RecordingSid": rec_sid, "RecordingStatus": "completed",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{rec_sid}",
        "RecordingDuration": duration})
    assert status == 204, body
    (row,) = stored(app, Voicemail, recording_sid=rec_sid)
    assert not row.duration  # unknown, rather than a number Twilio never sent
    assert row.call_id is not None


@pytest.mark.parametrize("duration", NOT_NUMBERS)
def test_a_final_status_with_an_impossible_duration_still_closes_the_call(
    app: Flask, client: FlaskClient, duration: str
) -> None:
    sid = new_sid("CA")
    start_call(client, sid)
    status, body = post(client, "/twilio/voice/status", {
        "CallSid": sid, "From": CALLER, "To": OMEGA, "CallStatus": "completed",
        "CallDuration": duration})
    assert status == 204, body
    (call,) = stored(app, Call, sid=sid)
    assert call.ended_at is not None and call.status == "completed"
    assert call.duration is None


def test_a_nul_in_an_sms_is_stored_not_lost(app: Flask, client: FlaskClient) -> None:
    sid = new_sid("SM")
    status, body = post(client, "/twilio/sms", {"MessageSid": sid, "From": CALLER, "To": OMEGA,
                                                "Body": "fridge\x00 not cooling!"})
    assert status == 200, body
    (message,) = stored(app, Message, sid=sid)
    assert message.body == "fridge\ufffd not cooling!"


def test_a_nul_in_what_the_caller_said_is_heard_as_the_rest_of_it(
    app: Flask, client: FlaskClient, set_clock: Callable[[str], dt.datetime]
) -> None:
    """Speech with a NUL in it is matched like any other answer: no apology."""
    set_clock("2026-11-23T09:00-08:00")  # a Monday morning: the menu, not voicemail
    sid = new_sid("CA")
    first = start_call(client, sid)
    action = re.search(r'<Gather action="([^"]+)"', first)
    assert action, first
    url = action.group(1).replace("&amp;", "&")
    status, body = post(client, url, {"CallSid": sid, "From": CALLER, "To": OMEGA,
                                      "SpeechResult": "insurance\x00", "Confidence": "nan"})
    assert status == 200, body
    assert APOLOGY not in body
    (call,) = stored(app, Call, sid=sid)
    heard = stored(app, CallEvent, call_id=call.id, kind="input")
    assert heard and heard[0].text == "insurance\ufffd"
    assert heard[0].data["confidence"] is None  # "nan" is no confidence


@pytest.mark.parametrize(("name", "value"), [("CallStatus", "completed" * 10),
                                             ("CallStatus", "in\x00progress")])
def test_a_status_no_twilio_call_can_have_is_a_400(app: Flask, client: FlaskClient,
                                                  name: str, value: str) -> None:
    sid = new_sid("CA")
    start_call(client, sid)
    status, body = post(client, "/twilio/voice/status",
                        {"CallSid": sid, "From": CALLER, "To": OMEGA, name: value})
    assert status == 400, body
    assert f"malformed {name}" in body and "Traceback" not in body
    (call,) = stored(app, Call, sid=sid)
    assert call.ended_at is None and call.status != value


@pytest.mark.parametrize("number", ["sip:" + "a" * 60 + "@example.com", "client:" + "b" * 40])
def test_a_number_longer_than_any_phone_number_is_a_400(app: Flask, client: FlaskClient,
                                                        number: str) -> None:
    status, body = post(client, "/twilio/voice", {"CallSid": new_sid("CA"), "From": number,
                                                  "To": OMEGA})
    assert status == 400 and "malformed From" in body
    assert stored(app, Call) == []


@pytest.mark.parametrize("turn", ["99999999999999999999", "²", "-1"])
def test_a_continuation_url_with_an_impossible_turn_is_a_400(client: FlaskClient, turn: str) -> None:
    sid = new_sid("CA")
    start_call(client, sid)
    status, body = post(client, f"/twilio/voice/step?s=greeting&t={turn}&e=gather",
                        {"CallSid": sid, "From": CALLER, "To": OMEGA, "Digits": "1"})
    assert status == 400 and "malformed t" in body


def test_an_outbound_url_naming_an_impossible_dial_is_a_400(app: Flask, client: FlaskClient) -> None:
    status, body = post(client, "/twilio/voice/outbound?d=99999999999999999999",
                        {"CallSid": new_sid("CA"), "From": OMEGA, "To": CALLER})
    assert status == 400 and "malformed d" in body
    assert stored(app, Call) == []



def test_a_continuation_for_an_unknown_call_without_the_caller_is_a_400(
    app: Flask, client: FlaskClient
) -> None:
    """Starting a call over needs who called which line; without From nothing is stored."""
    status, body = post(client, "/twilio/voice/step?s=greeting&t=1&e=gather",
                        {"CallSid": new_sid("CA"), "To": OMEGA, "Digits": "1"})
    assert status == 400 and "missing From" in body
    assert stored(app, Call) == []


def test_a_recording_with_a_malformed_sid_in_a_continuation_is_a_400(
    app: Flask, client: FlaskClient
) -> None:
    """A message left after the apology is stored under its RecordingSid: a forged one is
    refused before it reaches a column."""
    sid = new_sid("CA")
    start_call(client, sid)
    status, body = post(client, "/twilio/voice/step?s=__fallback__&t=1&e=record",
                        {"CallSid": sid, "From": CALLER, "To": OMEGA, "RecordingSid": "RE\x00",
                         "RecordingUrl": "https://api.twilio.com/x", "RecordingDuration": "5"})
    assert status == 400 and "malformed RecordingSid" in body
    assert stored(app, Voicemail) == []


def test_a_completed_recording_without_its_url_is_a_400(app: Flask, client: FlaskClient) -> None:
    sid = new_sid("CA")
    start_call(client, sid)
    status, body = post(client, "/twilio/recording?kind=call", {
        "CallSid": sid, "RecordingSid": new_sid("RE"), "RecordingStatus": "completed"})
    assert status == 400 and "missing RecordingUrl" in body
    (call,) = stored(app, Call, sid=sid)
    assert call.recording_sid is None
