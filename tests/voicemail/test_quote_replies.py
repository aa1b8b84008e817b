"""A caller's SMS answer to a quote (OM-4): YES approves, NO declines, staff hear of approvals
(OM-9), anything else waits for a person; STOP and START are Twilio's, only recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from voicebot import db
from voicebot.devtools.emulator import CallEmulator, new_sid
from voicebot.jobs import run_due
from voicebot.journal import entries
from voicebot.models import Message, Quote, Ticket, Voicemail
from voicebot.services import quotes
from voicebot.voicemail.replies import classify

from support.records import stored
from support.speech import spoken
from support.twilio_double import TEST_ACCOUNT_SID, TwilioDouble
from support.voicemails import CAR_SERVICE, OMEGA, SATURDAY_EVENING, leave_voicemail, post_signed

CALLER = "+15035550177"
DISPATCHER = "+15035550111"
RU_CALLER = "+79165550177"


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url,
            "TRANSCRIBERS": "pocketsphinx"}


@pytest.fixture
def now(set_clock: Callable[[str], dt.datetime]) -> dt.datetime:
    return set_clock(SATURDAY_EVENING)


def quote_for(app: Flask, flow_id: str, phone: str, service: str, at: dt.datetime) -> int:
    """A quote already sent, as the pipeline leaves it."""
    with db.session_scope(app) as s:
        voicemail = Voicemail(recording_sid=new_sid("RE"), flow_id=flow_id, from_number=phone,
                              status="quoted", understanding={"caller_name": "Ann"})
        s.add(voicemail)
        s.flush()
        quote = quotes.store(s, voicemail, flow_id=flow_id, service_id=service,
                             service_name=service, body="...", now=at)
        assert quote is not None
        return quote.id


def text(client: FlaskClient, body: str, *, from_: str = CALLER, to: str = OMEGA,
         sid: str | None = None) -> TestResponse:
    return post_signed(client, "/twilio/sms", {
        "MessageSid": sid or new_sid("SM"), "AccountSid": TEST_ACCOUNT_SID, "From": from_,
        "To": to, "Body": body})


def replied(answer: TestResponse) -> str:
    assert answer.status_code == 200
    assert answer.mimetype == "application/xml"
    body = answer.get_data(as_text=True)
    return body.split("<Message>")[1].split("</Message>")[0] if "<Message>" in body else ""


def quote_status(app: Flask, quote_id: int) -> str:
    (quote,) = stored(app, Quote, id=quote_id)
    return quote.status


@pytest.mark.parametrize(("body", "expected"), [
    ("YES", "yes"), ("yes", "yes"), ("Yes please!", "yes"), ("y", "yes"), ("OK", "yes"),
    ("Yeah, go ahead", "yes"), ("ДА", "yes"), ("да, подтверждаю", "yes"), ("Ок, спасибо", "yes"),
    ("NO", "no"), ("no thanks", "no"), ("Nope", "no"), ("НЕТ", "no"), ("Нет, спасибо", "no"),
    ("не надо", "no"),
    ("STOP", "opt-out"), ("unsubscribe", "opt-out"), ("СТОП", "opt-out"), ("START", "opt-in"),
    ("Yes but not on Monday", None), ("yes no", None), ("how much for parts?", None),
    ("нужно", None), ("да нет наверное", None), ("", None), ("stop calling me please", None),
])
def test_answers_are_read_plainly(body: str, expected: str | None) -> None:
    assert classify(body) == expected


def test_om4_om9_yes_approves_the_quote_the_voicemail_got_and_the_dispatcher_is_told(
    app: Flask, client: FlaskClient, dial_inprocess: Callable[..., CallEmulator],
    twilio_double: TwilioDouble, now: dt.datetime,
) -> None:
    caller = dial_inprocess(OMEGA, from_=CALLER, account_sid=TEST_ACCOUNT_SID)
    leave_voicemail(caller, twilio_double,
                    spoken("Hello, my dishwasher is broken. Please send a technician."))
    run_due(app, raise_errors=True)
    (quote,) = stored(app, Quote)
    assert quote.status == "sent"

    answer = text(client, "Yes please")
    assert replied(answer) == ("Thank you! Your request is approved: we will call you to set "
                               "the visit.")
    (quote,) = stored(app, Quote)
    assert (quote.status, quote.decided_at) == ("approved", now)
    run_due(app, raise_errors=True)  # the worker sends what the webhook stored
    (notice,) = [m for m in twilio_double.messages if m["to"] == DISPATCHER]
    assert notice["from"] == OMEGA
    assert notice["body"] == (f"Quote approved by {CALLER} for dishwasher repair: call them to "
                              "set the visit.")
    (ticket,) = stored(app, Ticket, kind="quote-approved")
    assert (ticket.phone, ticket.assign_role) == (CALLER, "dispatcher")
    (reply,) = stored(app, Message, direction="in")
    assert reply.call_id is not None and quote.reply_message_id == reply.id
    with db.session_scope(app) as session:
        (entry,) = entries(session, app.extensions["voicebot.flows"])
    assert entry["call_sid"] == caller.call_sid
    assert "The caller approved the quote by SMS." in entry["note"]
    assert entry["voicemails"][0]["quote"]["status"] == "approved"
    assert reply.body in [m["body"] for m in entry["messages"]]


def test_a_yes_delivered_twice_is_acted_on_once(
    app: Flask, client: FlaskClient, twilio_double: TwilioDouble, now: dt.datetime,
) -> None:
    quote_id = quote_for(app, "omega", CALLER, "dryer repair", now)
    sid = new_sid("SM")
    first, again = replied(text(client, "YES", sid=sid)), replied(text(client, "YES", sid=sid))
    assert first == again and first.startswith("Thank you!")
    assert quote_status(app, quote_id) == "approved"
    run_due(app, raise_errors=True)  # the worker sends what the webhook stored
    assert len([m for m in twilio_double.messages if m["to"] == DISPATCHER]) == 1
    assert len(stored(app, Ticket, kind="quote-approved")) == 1
    assert len(stored(app, Message, direction="in")) == 1


def test_no_declines_in_the_lines_language_and_nobody_is_bothered(
    app: Flask, client: FlaskClient, twilio_double: TwilioDouble, now: dt.datetime,
) -> None:
    quote_id = quote_for(app, "car_service", RU_CALLER, "ремонт подвески", now)
    answer = text(client, "Нет, спасибо", from_=RU_CALLER, to=CAR_SERVICE)
    assert replied(answer) == ("Спасибо, мы отметили ваш отказ. Если передумаете, позвоните "
                               f"нам: {CAR_SERVICE}.")
    assert quote_status(app, quote_id) == "declined"
    run_due(app, raise_errors=True)  # the worker sends what the webhook stored
    assert twilio_double.messages == []
    assert stored(app, Ticket) == []


def test_da_approves_a_russian_quote(
    app: Flask, client: FlaskClient, twilio_double: TwilioDouble, now: dt.datetime,
) -> None:
    quote_id = quote_for(app, "car_service", RU_CALLER, "ремонт подвески", now)
    answer = text(client, "ДА", from_=RU_CALLER, to=CAR_SERVICE)
    assert replied(answer).startswith("Спасибо! Заявка подтверждена")
    assert quote_status(app, quote_id) == "approved"
    run_due(app, raise_errors=True)  # the worker sends what the webhook stored
    (notice,) = twilio_double.messages
    assert notice["to"] == "+79005550111"  # the master consultant (quotes.notify)
    assert notice["body"].startswith(f"Клиент {RU_CALLER} (Ann) подтвердил расчёт (ремонт подвески)")


def test_yes_approves_only_the_latest_open_quote(
    app: Flask, client: FlaskClient, now: dt.datetime,
) -> None:
    older = quote_for(app, "omega", CALLER, "dryer repair", now - dt.timedelta(days=2))
    newer = quote_for(app, "omega", CALLER, "oven repair", now - dt.timedelta(hours=1))
    stale = quote_for(app, "omega", "+15035550188", "washer repair", now - dt.timedelta(days=40))
    text(client, "yes")
    assert (quote_status(app, older), quote_status(app, newer)) == ("sent", "approved")
    assert replied(text(client, "yes", from_="+15035550188")) == ""  # too old to be open
    assert quote_status(app, stale) == "sent"
    (ticket,) = stored(app, Ticket, kind="sms")
    assert ticket.text == "SMS from +15035550188: yes"


def test_anything_else_waits_for_a_person_on_the_conversation(
    app: Flask, client: FlaskClient, twilio_double: TwilioDouble, now: dt.datetime,
) -> None:
    quote_id = quote_for(app, "omega", CALLER, "dryer repair", now)
    assert replied(text(client, "Yes but can you come on Tuesday?")) == ""
    assert quote_status(app, quote_id) == "sent"
    (ticket,) = stored(app, Ticket)
    assert (ticket.kind, ticket.phone, ticket.assign_role) == ("sms", CALLER, "dispatcher")
    assert ticket.text == f"SMS from {CALLER}: Yes but can you come on Tuesday?"
    run_due(app, raise_errors=True)  # the worker sends what the webhook stored
    assert twilio_double.messages == []


def test_stop_and_start_are_left_to_twilio_but_recorded(
    app: Flask, client: FlaskClient, now: dt.datetime,
) -> None:
    quote_id = quote_for(app, "omega", CALLER, "dryer repair", now)
    assert replied(text(client, "STOP")) == ""
    assert replied(text(client, "START")) == ""
    assert [m.purpose for m in stored(app, Message, direction="in")] == ["opt-out", "opt-in"]
    assert quote_status(app, quote_id) == "sent"
    assert stored(app, Ticket) == []
