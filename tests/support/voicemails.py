"""Leaving voicemails and answering quotes in tests, as Twilio would deliver them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from voicebot.devtools.emulator import CallEmulator, Exchange, HttpTransport, new_sid
from voicebot.models import Voicemail

from .records import stored
from .twilio_double import TEST_AUTH_TOKEN, TwilioDouble

OMEGA = "+15035550100"
CAR_SERVICE = "+74955550100"
SATURDAY_EVENING = "2024-06-01T20:00:00-07:00"
"""Omega is closed (OM-1: weekdays only) and the car service too: calls go to voicemail.
In the past on purpose: jobs the pipeline queues at the engine's clock are due at once for
a real worker, which runs on the wall clock."""


def leave_voicemail(caller: CallEmulator, double: TwilioDouble, audio: bytes, *,
                    failures: tuple[int, ...] = (), seconds: int = 6, sid: str | None = None,
                    url: str | None = None) -> str:
    """Call, reach the voicemail, leave `audio` (which the double then serves), hang up.
    `url`: the RecordingUrl Twilio reports (default: the recording's, on api.twilio.com)."""
    sid = sid or new_sid("RE")
    double.add_recording(sid, audio, call_sid=caller.call_sid, failures=failures)
    caller.start()
    if caller.turn.waiting != "record":
        raise AssertionError(f"the call did not reach a voicemail: {caller.turn.heard}")
    caller.record(seconds, recording_sid=sid, recording_url=url)
    return sid


def recording_callback(caller: CallEmulator) -> Exchange:
    (exchange,) = [e for e in caller.history if e.kind == "recording-status"]
    return exchange


def deliver_again(base_url: str, exchange: Exchange) -> int:
    """Twilio delivers a callback again: the same URL and parameters, signed again."""
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(exchange.url, exchange.params)
    status, _ = HttpTransport(base_url).post(exchange.url, exchange.params,
                                             {"X-Twilio-Signature": signature})
    return status


def post_signed(client: FlaskClient, path: str, params: dict[str, str]) -> TestResponse:
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(f"http://localhost{path}",
                                                                    params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def the_voicemail(app: Flask) -> Voicemail:
    (row,) = stored(app, Voicemail)
    return row
