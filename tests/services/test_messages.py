"""voicebot.services.messages on both databases: the one rule for the number an SMS goes out
from, an SMS stored once per key however often its sender runs, an incoming SMS stored once
however often Twilio delivers it, and delivery statuses that never go backwards."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select

from voicebot import db
from voicebot.compiler.registry import registry
from voicebot.flows.model import Flow
from voicebot.models import Call, Message, MessagePurpose, MessageStatus
from voicebot.services import calls, messages

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
CALLER = "+15035550177"


@pytest.fixture
def omega(app: Flask) -> Flow:
    return registry(app).get("omega")


def call_on(flow: Flow, *, to: str, direction: str = "inbound", from_: str = CALLER) -> Call:
    return Call(sid="CA1", flow_id=flow.id, direction=direction, from_number=from_, to_number=to)


def test_an_sms_goes_out_from_the_number_the_conversation_is_on(omega: Flow) -> None:
    line = omega.numbers[0]
    assert messages.line_number(omega, call_on(omega, to=line)) == line
    # An outbound call's line is the number we called from.
    assert messages.line_number(omega, call_on(omega, to=CALLER, from_=line,
                                               direction="outbound")) == line


def test_a_number_the_flow_no_longer_has_gives_way_to_its_first(omega: Flow) -> None:
    """A call to a number since removed from the flow: the reply comes from a number the
    business still answers, so the caller can call it back."""
    assert messages.line_number(omega, call_on(omega, to="+15035550999")) == omega.numbers[0]
    # Without a flow (gone since), the call's own line is all there is.
    assert messages.line_number(None, call_on(omega, to="+15035550999")) == "+15035550999"


def test_an_sms_is_stored_once_per_key_from_the_calls_line(app: Flask, omega: Flow) -> None:
    with db.session_scope(app) as session:
        call = calls.open(session, omega, sid="CA100", from_=CALLER, to=omega.numbers[0], now=NOW)
        first = messages.queue(session, omega, to=CALLER, body="Your quote", key="CA100:quote",
                               purpose=MessagePurpose.CALLER, call_id=call.id)
        again = messages.queue(session, omega, to=CALLER, body="Your quote (again)",
                               key="CA100:quote", purpose=MessagePurpose.CALLER, call_id=call.id)
        assert again.id == first.id
    with db.session_scope(app) as session:
        (stored,) = session.scalars(select(Message)).all()
        assert (stored.from_number, stored.to_number, stored.body) == (
            omega.numbers[0], CALLER, "Your quote")
        assert stored.status == MessageStatus.PENDING
        assert stored.call_id is not None


def test_an_incoming_sms_delivered_twice_is_stored_once(app: Flask, omega: Flow) -> None:
    for _ in range(2):
        with db.session_scope(app) as session:
            if messages.by_sid(session, "SM1") is None:
                assert messages.received(session, omega, sid="SM1", from_=CALLER,
                                         to=omega.numbers[0], body="YES", now=NOW) is not None
    with db.session_scope(app) as session:
        # The second copy racing the first: the unique sid refuses it, nothing else breaks.
        assert messages.received(session, omega, sid="SM1", from_=CALLER, to=omega.numbers[0],
                                 body="YES", now=NOW) is None
    with db.session_scope(app) as session:
        assert session.scalar(select(func.count(Message.id))) == 1


def test_a_late_sent_status_does_not_undo_delivered() -> None:
    message = Message(status=MessageStatus.PENDING, error="")
    assert messages.status_reported(message, "delivered", "")
    assert not messages.status_reported(message, "sent", "")
    assert message.status == "delivered"
    assert messages.status_reported(message, "undelivered", "30003")
    assert message.error == "30003"
