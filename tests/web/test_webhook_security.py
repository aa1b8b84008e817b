"""Every /twilio/* webhook is signature-checked; bad input gets a clear 400 and stores nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from voicebot import db
from voicebot.devtools.emulator import new_sid
from voicebot.models import Call, Message, Voicemail

from support.twilio_double import TEST_AUTH_TOKEN

CALL = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "0" * 32, "From": "+15035550199",
        "To": "+15035550100", "CallStatus": "ringing", "Direction": "inbound"}
ENDPOINTS = {
    "/twilio/voice": CALL,
    "/twilio/voice/status": {**CALL, "CallStatus": "completed", "CallDuration": "10"},
    "/twilio/recording": {"RecordingSid": "RE" + "2" * 32, "CallSid": CALL["CallSid"],
                          "RecordingUrl": "https://api.twilio.com/x", "RecordingStatus": "completed"},
    "/twilio/transcription": {"RecordingSid": "RE" + "2" * 32, "CallSid": CALL["CallSid"],
                              "TranscriptionStatus": "completed", "TranscriptionText": "my fridge"},
    "/twilio/sms": {"MessageSid": "SM" + "3" * 32, "From": "+15035550199", "To": "+15035550100",
                    "Body": "YES"},
    "/twilio/sms/status": {"MessageSid": "SM" + "3" * 32, "MessageStatus": "delivered"},
    "/twilio/voice/step?s=menu&t=1&e=gather": {**CALL, "Digits": "1"},
}


def sign(url: str, params: dict[str, str], token: str = TEST_AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def rows(app: Flask) -> int:
    with db.session_scope(app) as s:
        return sum(s.scalar(select(func.count()).select_from(m)) or 0
                   for m in (Call, Message, Voicemail))


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_unsigned_webhook_is_refused_and_stores_nothing(app: Flask, client: FlaskClient,
                                                          path: str) -> None:
    response = client.post(path, data=ENDPOINTS[path])
    assert response.status_code == 403
    assert rows(app) == 0


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_wrongly_signed_webhook_is_refused(app: Flask, client: FlaskClient, path: str) -> None:
    params = ENDPOINTS[path]
    bad = sign("http://localhost" + path, params, token="not-the-token")
    response = client.post(path, data=params, headers={"X-Twilio-Signature": bad})
    assert response.status_code == 403
    assert rows(app) == 0


def test_tampered_parameters_break_the_signature(app: Flask, client: FlaskClient) -> None:
    good = sign("http://localhost/twilio/voice", CALL)
    response = client.post("/twilio/voice", data={**CALL, "From": "+15035550111"},
                           headers={"X-Twilio-Signature": good})
    assert response.status_code == 403
    assert rows(app) == 0


def test_correctly_signed_call_is_answered(app: Flask, client: FlaskClient) -> None:
    response = client.post("/twilio/voice", data=CALL,
                           headers={"X-Twilio-Signature": sign("http://localhost/twilio/voice", CALL)})
    assert response.status_code == 200
    assert b"<Response>" in response.data
    assert rows(app) == 1


def test_public_url_is_what_the_signature_covers(make_app: Callable[..., Flask]) -> None:
    """Behind ngrok Twilio signs https://PUBLIC/...; Flask sees http://localhost/..."""
    app = make_app(PUBLIC_URL="https://line.example.ngrok.app")
    client = app.test_client()
    internal = sign("http://localhost/twilio/voice", CALL)
    assert client.post("/twilio/voice", data=CALL,
                       headers={"X-Twilio-Signature": internal}).status_code == 403
    public = sign("https://line.example.ngrok.app/twilio/voice", CALL)
    assert client.post("/twilio/voice", data=CALL,
                       headers={"X-Twilio-Signature": public}).status_code == 200


def test_a_signature_over_the_url_with_its_port_is_still_accepted(
        make_app: Callable[..., Flask]) -> None:
    """The check tries the URL as it came first (one HMAC); Twilio's signer has also signed
    the URL with its default port, which twilio's own check accepts: so do we."""
    app = make_app(PUBLIC_URL="https://line.example.ngrok.app")
    client = app.test_client()
    with_port = sign("https://line.example.ngrok.app:443/twilio/voice", CALL)
    assert client.post("/twilio/voice", data=CALL,
                       headers={"X-Twilio-Signature": with_port}).status_code == 200
    other_port = sign("https://line.example.ngrok.app:8443/twilio/voice", CALL)
    assert client.post("/twilio/voice", data={**CALL, "CallSid": "CA" + "4" * 32},
                       headers={"X-Twilio-Signature": other_port}).status_code == 403


def test_a_signature_header_that_is_not_base64_is_refused_not_a_crash(app: Flask,
                                                                     client: FlaskClient) -> None:
    response = client.post("/twilio/voice", data=CALL,
                           headers={"X-Twilio-Signature": "подпись"})
    assert response.status_code == 403
    assert rows(app) == 0


def test_signature_check_off_only_by_explicit_setting(make_app: Callable[..., Flask],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(INSECURE_SKIP_SIGNATURE=True)
    response = app.test_client().post("/twilio/voice", data=CALL)
    assert response.status_code == 200
    assert "signature check is OFF" in caplog.text


@pytest.mark.parametrize("missing", ["CallSid", "From", "To"])
def test_incoming_call_without_a_required_field_is_a_400(app: Flask, client: FlaskClient,
                                                          missing: str) -> None:
    params = {k: v for k, v in CALL.items() if k != missing}
    response = client.post("/twilio/voice", data=params,
                           headers={"X-Twilio-Signature": sign("http://localhost/twilio/voice", params)})
    assert response.status_code == 400
    assert f"missing {missing}" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert rows(app) == 0


def test_malformed_call_sid_is_a_400(app: Flask, client: FlaskClient) -> None:
    params = {**CALL, "CallSid": "CA'; DROP TABLE calls; --"}
    response = client.post("/twilio/voice", data=params,
                           headers={"X-Twilio-Signature": sign("http://localhost/twilio/voice", params)})
    assert response.status_code == 400
    assert rows(app) == 0


def test_continuation_for_an_unknown_call_starts_the_flow_over(app: Flask) -> None:
    """A webhook for a call we have no state for (an old URL, a wiped database) starts over
    politely instead of failing."""
    params = {**CALL, "CallSid": new_sid("CA"), "Digits": "4"}
    url = "http://localhost/twilio/voice/step?s=menu&t=3&e=gather"
    response = app.test_client().post(url, data=params,
                                      headers={"X-Twilio-Signature": sign(url, params)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "start again" in body
    assert "Thank you for calling Omega Tech Service." in body


def test_duplicate_incoming_call_webhook_is_answered_the_same_and_stored_once(
    app: Flask, client: FlaskClient
) -> None:
    headers = {"X-Twilio-Signature": sign("http://localhost/twilio/voice", CALL)}
    first = client.post("/twilio/voice", data=CALL, headers=headers)
    second = client.post("/twilio/voice", data=CALL, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert rows(app) == 1
