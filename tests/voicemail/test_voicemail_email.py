"""Voicemail to e-mail (issue 18 item 4): the Omega instruction asks the dispatcher to watch
the dispatch mailbox. A caller leaves a real voicemail over HTTP, the Twilio double serves
the recording, the worker's jobs transcribe and quote it, and a real SMTP server (aiosmtpd
on loopback) receives the mail: once, with the transcript, the service, the quote and the
WAV, whatever is run twice; and once when the server was down at first."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from flask.testing import FlaskClient

from voicebot import db
from voicebot.devtools.emulator import CallEmulator
from voicebot.jobs import run_due
from voicebot.models import Email, Quote, Voicemail
from voicebot.voicemail import mailing

from support.desk import PASSWORD_HASH, add, login
from support.records import noted, stored
from support.speech import spoken, tone_or_silence
from support.twilio_double import TEST_ACCOUNT_SID, TwilioDouble
from support.voicemails import OMEGA, SATURDAY_EVENING, leave_voicemail, the_voicemail

CALLER = "+15035550177"
DISHWASHER = "Hello, my dishwasher is broken. Please send a technician."


class Mailbox:
    """What the SMTP server took: one parsed message per DATA."""

    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope, parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, loop=asyncio.new_event_loop())
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, not yet listening; stopped when the test ends."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble,
             smtp: SmtpServer) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url,
            "TRANSCRIBERS": "pocketsphinx", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
            "SMTP_FROM": "voicebot@example.com", "SMTP_STARTTLS": False, "SMTP_TIMEOUT": 5.0,
            "SMTP_RETRY_SECONDS": 30.0, "ADMIN_PASSWORD_HASH": PASSWORD_HASH, "DESK_TIMEZONE": "UTC"}


def run_jobs(app: Flask, now: dt.datetime) -> None:
    """At `now` on the engine's clock, run the due jobs in this thread as the worker would."""
    app.extensions["voicebot.clock"].set(now)
    run_due(app, raise_errors=True, limit=20)


def call_note(app: Flask) -> str:
    return noted(app).note


def test_a_voicemail_is_mailed_once_with_transcript_service_quote_and_the_wav(
        app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
        set_clock: Callable[[str], dt.datetime], smtp: SmtpServer) -> None:
    smtp.start()
    now = set_clock(SATURDAY_EVENING)
    leave_voicemail(dial(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID), twilio_double,
                    spoken(DISHWASHER))
    run_jobs(app, now)
    vm = the_voicemail(app)
    assert vm.status == "quoted"
    (quote,) = stored(app, Quote)

    (envelope, message) = smtp.mailbox.messages[0]
    assert envelope.rcpt_tos == ["dispatch@example.com"]  # the dispatcher, not the supervisor
    assert envelope.mail_from == "voicebot@example.com"
    assert message["Subject"] == f"Voicemail from {CALLER} (dishwasher repair) – Omega Tech Service"
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert f"From: {CALLER}" in body
    assert f"Transcript: “{vm.transcript}”" in body and "dishwasher" in vm.transcript
    assert "Service understood: dishwasher repair" in body
    assert f"Quote sent by SMS (sent): {quote.body}" in body and "$85" in quote.body
    assert "Status: quoted by SMS" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "audio/wav"
    assert attachment.get_filename() == f"{vm.recording_sid}.wav"
    wav = (Path(app.config["RECORDINGS_DIR"]) / vm.audio_path).read_bytes()
    assert attachment.get_content() == wav and wav[:4] == b"RIFF"
    assert "The voicemail was e-mailed to dispatch@example.com." in call_note(app)

    # Run twice: the mail job again, the pipeline's hook again, the sweep: nothing more.
    with app.app_context():
        (row,) = stored(app, Email)
        mailing.send_voicemail_email(row.id)
    mailing.sweep(app, now)
    run_jobs(app, now + dt.timedelta(hours=2))
    assert len(smtp.mailbox.messages) == 1
    (row,) = stored(app, Email)
    assert (row.status, row.attempts, row.error) == ("sent", 1, "")


def test_smtp_down_then_up_the_mail_arrives_once_and_the_desk_saw_why_it_waited(
        app: Flask, client: FlaskClient, dial: Callable[..., CallEmulator],
        twilio_double: TwilioDouble, set_clock: Callable[[str], dt.datetime],
        smtp: SmtpServer) -> None:
    now = set_clock(SATURDAY_EVENING)
    leave_voicemail(dial(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID), twilio_double,
                    tone_or_silence(3.0))
    run_jobs(app, now)  # nothing listens on the SMTP port yet
    assert the_voicemail(app).status == "unusable"  # the person's ticket is there regardless
    (row,) = stored(app, Email)
    assert row.status == "pending" and row.attempts == 1
    assert "Connection refused" in row.error or "ConnectionRefused" in row.error
    assert "The voicemail could not be e-mailed yet; voicebot tries again." in call_note(app)
    desk = login(client)
    card = desk.get("/admin/").text.split(f'id="email-{row.id}"')[1].split("</p>")[0]
    assert "Not e-mailed yet (dispatch@example.com): ConnectionRefusedError" in card
    assert "next try 2024-06-02 03:00" in card  # 30 s after 03:00:00 UTC, shown to the minute

    run_jobs(app, now + dt.timedelta(seconds=10))  # not yet time for the next try
    assert stored(app, Email)[0].attempts == 1

    smtp.start()
    mailing.sweep(app, now)  # a sweep meanwhile finds the job there and adds nothing
    run_jobs(app, now + dt.timedelta(seconds=31))
    run_jobs(app, now + dt.timedelta(hours=3))
    (_, message) = smtp.mailbox.messages[0]
    assert len(smtp.mailbox.messages) == 1
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "Transcript: no words could be made out" in body
    assert "No quote was sent." in body
    assert "Status: needs a person: the recording is unusable" in body
    assert len(list(message.iter_attachments())) == 1
    (row,) = stored(app, Email)
    assert (row.status, row.attempts) == ("sent", 2)
    assert "The voicemail was e-mailed to dispatch@example.com." in call_note(app)
    assert "E-mailed to dispatch@example.com at 2024-06-02 03:00" in desk.get("/admin/").text


def test_without_a_server_set_up_mails_wait_and_go_out_once_it_is(
        app: Flask, dial: Callable[..., CallEmulator], twilio_double: TwilioDouble,
        set_clock: Callable[[str], dt.datetime], smtp: SmtpServer) -> None:
    app.config["SMTP_HOST"] = None
    now = set_clock(SATURDAY_EVENING)
    leave_voicemail(dial(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID), twilio_double,
                    tone_or_silence(3.0))
    run_jobs(app, now)
    mailing.sweep(app, now)
    run_jobs(app, now + dt.timedelta(hours=2))
    (row,) = stored(app, Email)
    assert (row.status, row.attempts) == ("pending", 0)
    assert "The voicemail could not be e-mailed yet; voicebot tries again." in call_note(app)

    # The office sets the server up and restarts; the worker's sweep sends the backlog.
    smtp.start()
    app.config["SMTP_HOST"] = "127.0.0.1"
    mailing.sweep(app, now)
    run_jobs(app, now + dt.timedelta(hours=2))
    mailing.sweep(app, now)
    run_jobs(app, now + dt.timedelta(hours=4))
    assert len(smtp.mailbox.messages) == 1
    assert stored(app, Email)[0].status == "sent"


def test_a_russian_line_mails_in_russian(app: Flask) -> None:
    """The mail speaks the line's language: a Russian line's dispatcher reads Russian."""
    at = dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC)
    (vm_id,) = add(app, Voicemail(  # as the pipeline leaves a message it gives to a person
        recording_sid="RE" + "1" * 32, flow_id="telesputnik", from_number="+375295550160",
        duration=12, created_at=at, transcript="когда подключат интернет", status="for-person",
        error="в сообщении нет услуги для расценки"))
    flow = app.extensions["voicebot.flows"].get("telesputnik")
    with app.app_context():
        session = db.session()
        row = session.get(Voicemail, vm_id)
        assert row is not None
        message = mailing.compose(app, session, flow, row, ["office@example.com"])
    assert message["Subject"] == "Голосовое сообщение от +375295550160 – Телеспутник"
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert body.startswith("Голосовое сообщение для линии «Телеспутник».")
    assert "Оставлено: 2026-11-23 12:05 +03, 12 с" in body
    assert "Расшифровка: “когда подключат интернет”" in body
    assert "Распознанная услуга: нет" in body and "Расценка не отправлялась." in body
    assert "Состояние: нужен сотрудник (в сообщении нет услуги для расценки)" in body
