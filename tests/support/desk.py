"""The dispatcher's desk in tests: its password, logging in as a person would (the form, its
CSRF token), and rows written the way the pipeline and the worker write them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pydub.generators import Sine
from werkzeug.security import generate_password_hash

from voicebot import db
from voicebot.models import Callback, CallbackAttempt, Message, Ticket, Voicemail
from voicebot.services import quotes

PASSWORD = "desk-password-for-tests"
PASSWORD_HASH = generate_password_hash(PASSWORD)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def login(client: FlaskClient, name: str = "Dana", password: str = PASSWORD) -> FlaskClient:
    token = csrf_token(client.get("/admin/login").text)
    reply = client.post("/admin/login", data={"csrf_token": token, "name": name,
                                              "password": password})
    assert reply.status_code == 302, reply.text
    return client


def post_form(client: FlaskClient, page: str, action: str, **data: Any) -> Any:
    """Post a form from `page` with the token that page carries, as a browser does."""
    return client.post(action, data={"csrf_token": csrf_token(client.get(page).text), **data})


def wav(path: Path, seconds: float = 1.5) -> Path:
    """A real WAV file (a tone), as the pipeline keeps a fetched recording."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Sine(440).to_audio_segment(duration=int(seconds * 1000)).set_frame_rate(8000).export(
        path, format="wav")
    return path


def add(app: Flask, *rows: Any) -> list[int]:
    with db.session_scope(app) as session:
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def voicemail(app: Flask, *, phone: str, at: dt.datetime, audio: str = "", transcript: str = "",
              flow: str = "omega", quote: dict[str, Any] | None = None, **extra: Any) -> int:
    (vm_id,) = add(app, Voicemail(recording_sid=f"RE{abs(hash((phone, at))):032x}"[:34],
                                  flow_id=flow, from_number=phone, duration=12, created_at=at,
                                  audio_path=audio, transcript=transcript,
                                  status="quoted" if quote else "transcribed", **extra))
    if quote:
        message_id, = add(app, Message(direction="out", purpose="quote", flow_id=flow,
                                       from_number="+15035550100", to_number=phone,
                                       body=quote["body"], status="delivered", created_at=at))
        with db.session_scope(app) as session:
            row = session.get(Voicemail, vm_id)
            assert row is not None
            stored = quotes.store(session, row, flow_id=flow, service_id=quote["service"],
                                  service_name=quote["name"], body=quote["body"], now=at)
            assert stored is not None
            stored.message_id, stored.status = message_id, quote.get("status", "sent")
    return vm_id


def ticket(app: Flask, **fields: Any) -> int:
    defaults: dict[str, Any] = {"flow_id": "telesputnik", "kind": "callback", "phone": "+375295550160",
                                "text": "Вопрос абонента +375295550160: когда подключат интернет"}
    (ticket_id,) = add(app, Ticket(**{**defaults, **fields}))
    return ticket_id


def callback(app: Flask, *, phone: str, status: str = "scheduled", next_at: dt.datetime | None = None,
             attempts: tuple[tuple[dt.datetime, str], ...] = (), **fields: Any) -> int:
    (callback_id,) = add(app, Callback(
        dedupe_key=f"test:{phone}:{status}:{next_at}", flow_id=fields.pop("flow_id", "omega"),
        rule_id=fields.pop("rule_id", "quote_follow_up"), trigger="voicemail", phone=phone,
        action=fields.pop("action", "call"), status=status, next_at=next_at,
        max_attempts=fields.pop("max_attempts", 3), attempts_made=len(attempts),
        attempts=[CallbackAttempt(number=i + 1, at=at, result=result)
                  for i, (at, result) in enumerate(attempts)], **fields))
    return callback_id
