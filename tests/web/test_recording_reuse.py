"""A recording belongs to the call that made it: a callback naming a known RecordingSid with
another CallSid (a forged or replayed callback, a mix-up at a proxy) is refused with 409 and
logged, and the voicemail stays where it was."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot.devtools.emulator import new_sid
from voicebot.models import Call, Voicemail

from support.records import stored
from support.signed import CALLER, OMEGA, post, start_call


def recording(call_sid: str, rec_sid: str, url: str = "") -> dict[str, str]:
    return {"CallSid": call_sid, "RecordingSid": rec_sid, "RecordingStatus": "completed",
            "RecordingDuration": "14",
            "RecordingUrl": url or f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{rec_sid}"}


def test_a_recording_sid_reused_by_another_call_is_refused(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    first, second, rec_sid = new_sid("CA"), new_sid("CA"), new_sid("RE")
    start_call(client, first)
    status, _ = post(client, "/twilio/voice", {"CallSid": second, "From": "+15035550142", "To": OMEGA})
    assert status == 200
    assert post(client, "/twilio/recording", recording(first, rec_sid))[0] == 204
    status, body = post(client, "/twilio/recording",
                        recording(second, rec_sid, url="https://evil.example/other.wav"))
    assert status == 409, body
    assert "belongs to another call" in body and "Traceback" not in body
    (row,) = stored(app, Voicemail, recording_sid=rec_sid)
    (owner,) = stored(app, Call, sid=first)
    assert row.call_id == owner.id and row.from_number == CALLER
    assert row.recording_url.startswith("https://api.twilio.com/")
    assert f"recording {rec_sid} belongs to call {first}, not {second}" in caplog.text
    # The same callback again for its own call is still a harmless copy.
    assert post(client, "/twilio/recording", recording(first, rec_sid))[0] == 204


def test_a_recording_sid_reused_for_an_unknown_call_is_refused(app: Flask, client: FlaskClient) -> None:
    first, rec_sid = new_sid("CA"), new_sid("RE")
    start_call(client, first)
    assert post(client, "/twilio/recording", recording(first, rec_sid))[0] == 204
    status, _ = post(client, "/twilio/recording", recording(new_sid("CA"), rec_sid))
    assert status == 409
    (row,) = stored(app, Voicemail, recording_sid=rec_sid)
    assert row.call_id == stored(app, Call, sid=first)[0].id
