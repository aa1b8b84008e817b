"""voicebot.services.calls on both databases: what the desk's journal shows of a call whose
caller hung up mid-flow, a call to a number no flow answers, the "known caller" count per
line, and Twilio's status callbacks arriving after the flow has ended the call."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db, journal
from voicebot.compiler.registry import registry
from voicebot.flows.model import Flow
from voicebot.models import Call, CallEvent
from voicebot.services import calls

NOW = dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)
CALLER = "+15035550177"


@pytest.fixture
def flows(app: Flask) -> tuple[Flow, Flow]:
    return registry(app).get("omega"), registry(app).get("hotline")


def test_a_caller_hanging_up_mid_flow_is_journaled_as_abandoned_once(
        app: Flask, flows: tuple[Flow, Flow]) -> None:
    omega, _ = flows
    with db.session_scope(app) as session:
        call = calls.open(session, omega, sid="CA1", from_=CALLER, to=omega.numbers[0], now=NOW)
        assert call is not None
        call.state = "menu"
        lines = [calls.line(call, NOW, "enter", "ask")]
        lines += calls.close(call, NOW + dt.timedelta(seconds=20), status=None)
        calls.events(session, lines)
        calls.save(session, call)
        # Twilio's final status arrives after: it adds the duration, not a second ending.
        call = calls.lock(session, "CA1")
        assert call is not None
        calls.status_reported(session, call, "completed", NOW + dt.timedelta(seconds=21),
                              final=True, duration=21)
        calls.save(session, call)
    with db.session_scope(app) as session:
        call = session.scalars(select(Call)).one()
        assert (call.outcome, call.status, call.duration) == ("abandoned", "completed", 21)
        ends = [e.text for e in call.events if e.kind == "end"]
        assert ends == ["caller hung up in menu"]
        assert calls.states_entered(session, call) == ["menu"]
        # What `voicebot journal` prints for it, written from those events when read.
        note = journal.note(call, registry(app))
        assert "Outcome: the caller hung up" in note
        assert "the call lasted 21 s." in note


def test_a_call_to_a_number_no_flow_answers_still_leaves_a_record(app: Flask) -> None:
    with db.session_scope(app) as session:
        calls.journal_closed(session, None, sid="CA2", from_=CALLER, to="+15035550999",
                             outcome="no-flow", now=NOW)
    with db.session_scope(app) as session:
        call = session.scalars(select(Call)).one()
        assert (call.to_number, call.outcome, call.flow_id) == ("+15035550999", "no-flow", "")
        assert call.ended_at is not None
        assert session.scalars(select(CallEvent)).all() == []  # nothing ran: no "hung up in"


def test_a_caller_is_known_to_a_line_by_their_calls_to_that_line_only(
        app: Flask, flows: tuple[Flow, Flow]) -> None:
    omega, hotline = flows
    with db.session_scope(app) as session:
        calls.open(session, hotline, sid="CA3", from_=CALLER, to=hotline.numbers[0], now=NOW)
        first = calls.open(session, omega, sid="CA4", from_=CALLER, to=omega.numbers[0], now=NOW)
        assert calls.previous_calls(session, first, omega.id) == 0
        second = calls.open(session, omega, sid="CA5", from_=CALLER, to=omega.numbers[0], now=NOW)
        assert calls.previous_calls(session, second, omega.id) == 1
        assert second is not None and calls.previous_calls(session, second, hotline.id) == 1
        found = calls.find(session, "CA5")
        assert found is not None and found.id == second.id
