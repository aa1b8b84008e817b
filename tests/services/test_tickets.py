"""voicebot.services.tickets on both databases: a ticket opened once per key, with the flow's
`ticket_created` rules fired for it (OM-6's overdue review), and the changes the desk makes
(answer, comment, close, reopen) refused with a reason a person can read."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db
from voicebot.compiler.registry import registry
from voicebot.flows.model import Flow
from voicebot.models import Callback, Ticket, TicketStatus
from voicebot.services import tickets
from voicebot.services.tickets import TicketError

NOW = dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)  # Wednesday 09:00 in Portland


@pytest.fixture
def omega(app: Flask) -> Flow:
    return registry(app).get("omega")


def open_one(app: Flask, flow: Flow, key: str = "CA1:review") -> int:
    with db.session_scope(app) as session:
        ticket = tickets.open(session, flow, kind="review", text="Review the repair at Elm St",
                              now=NOW, phone="+15035550177", key=key, assign_role="dispatcher",
                              fields={"address": "Elm St"})
        assert ticket is not None
        return ticket.id


def test_om6_a_ticket_opened_twice_by_key_is_one_ticket_with_its_rule_fired(
        app: Flask, omega: Flow) -> None:
    ticket_id = open_one(app, omega)
    with db.session_scope(app) as session:
        assert tickets.open(session, omega, kind="review", text="again", now=NOW,
                            key="CA1:review") is None
    with db.session_scope(app) as session:
        (ticket,) = session.scalars(select(Ticket)).all()
        assert ticket.id == ticket_id
        assert (ticket.text, ticket.assign_role, ticket.fields) == (
            "Review the repair at Elm St", "dispatcher", {"address": "Elm St"})
        (rule,) = session.scalars(select(Callback)).all()
        # The overdue review: fired once, for this ticket, a day later.
        assert (rule.rule_id, rule.ticket_id, rule.trigger) == ("review_overdue", ticket_id,
                                                                "ticket_created")
        assert rule.next_at is not None
        assert rule.next_at.replace(tzinfo=dt.UTC) >= NOW + dt.timedelta(hours=24)


def test_a_rule_made_ticket_fires_no_rules(app: Flask, omega: Flow) -> None:
    with db.session_scope(app) as session:
        tickets.open(session, omega, kind="review", text="made by a rule", now=NOW, rules=False)
    with db.session_scope(app) as session:
        assert session.scalars(select(Callback)).all() == []


def test_the_desk_answers_once_and_empty_answers_are_refused(app: Flask, omega: Flow) -> None:
    ticket_id = open_one(app, omega)
    with pytest.raises(TicketError, match="empty"):
        tickets.answer(app, ticket_id, "   ", by="dispatcher-1")
    tickets.answer(app, ticket_id, " Visit booked for Friday ", by="dispatcher-1")
    with pytest.raises(TicketError, match="answered already: Visit booked for Friday"):
        tickets.answer(app, ticket_id, "Another answer", by="dispatcher-1")
    with db.session_scope(app) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.status == TicketStatus.ANSWERED
        assert [c.text for c in ticket.comments] == ["Answer: Visit booked for Friday"]


def test_a_closed_ticket_takes_no_comment_and_reopens_as_it_was(app: Flask, omega: Flow) -> None:
    ticket_id = open_one(app, omega)
    tickets.answer(app, ticket_id, "Done", by="dispatcher-1")
    tickets.close(app, ticket_id, by="dispatcher-1")
    with pytest.raises(TicketError, match=f"ticket #{ticket_id} is closed"):
        tickets.comment(app, ticket_id, "one more thing", by="dispatcher-1")
    with pytest.raises(TicketError, match="no ticket #9999"):
        tickets.close(app, 9999, by="dispatcher-1")
    with db.session_scope(app) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.comments[-1].text == "Closed."
        assert tickets.reopen(ticket)
        assert not tickets.reopen(ticket)  # open already: nothing to do
        assert ticket.status == TicketStatus.ANSWERED
        assert ticket.closed_at is None
