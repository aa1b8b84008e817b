"""An answer close to Twilio's 15 s limit is a server past what it can take: the log says so,
with the request, how long it took and which setting to change."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from voicebot import db, logs
from voicebot.devtools.emulator import new_sid
from voicebot.models import Call

from support.signed import CALLER, OMEGA, post, start_call


def hold_call(app: Flask, sid: str, seconds: float, held: threading.Event) -> None:
    """Another worker busy with the same call (its row locked, SQLite's write lock held)."""
    session = db.sessions(app)()
    db.serialise(session)
    session.scalar(select(Call).where(Call.sid == sid).with_for_update())
    held.set()
    time.sleep(seconds)
    session.commit()
    session.close()


def test_a_slow_answer_is_logged_with_what_to_change(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "SLOW_REQUEST_SECONDS", 0.3)  # the 5 s of production, scaled down
    sid = new_sid("CA")
    start_call(client, sid)
    assert "slow answer" not in caplog.text  # a quick answer says nothing
    held = threading.Event()
    holder = threading.Thread(target=hold_call, args=(app, sid, 0.8, held))
    holder.start()
    assert held.wait(10)
    with caplog.at_level(logging.WARNING, logger="voicebot.slow"):
        status, _ = post(client, "/twilio/voice/status",
                         {"CallSid": sid, "From": CALLER, "To": OMEGA, "CallStatus": "in-progress"})
    holder.join(10)
    assert status == 204
    (warning,) = [r for r in caplog.records if r.name == "voicebot.slow"]
    assert "POST /twilio/voice/status took 0." in warning.message
    assert "Twilio gives up after 15 s" in warning.message
    assert "VOICEBOT_WEB_THREADS (now 8)" in warning.message
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert "`voicebot serve --production` on PostgreSQL" in warning.message
    else:
        assert "VOICEBOT_WEB_WORKERS" in warning.message
