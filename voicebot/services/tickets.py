"""Tickets: work for a person. `open` is the one way a ticket is made, whatever makes it (a
flow's `ticket` step, a voicemail or an SMS for a person, an approved quote, a callback rule
or a late callback, the desk), and every new ticket fires its flow's `ticket_created` rules
the same way (docs/flows.md). What staff then do with it: answer a caller's question (which
lets `ticket_answered` rules call the caller back, TS-4), assign, comment, close, reopen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.clock import clock
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.model import Flow
from voicebot.models import Callback, Ticket, TicketComment, TicketStatus
from voicebot.services import callbacks


class TicketError(ValueError):
    """A change that cannot be made, with the reason to show the person."""


def open(session: Session, flow: Flow | None, *, kind: str, text: str, now: dt.datetime,  # noqa: PLR0913  a ticket row's fields, by keyword
         flow_id: str = "", phone: str = "", call_id: int | None = None, key: str | None = None,
         assign_role: str | None = None, assigned_to: str = "", urgent: bool = False,
         fields: dict[str, Any] | None = None, due_at: dt.datetime | None = None,
         rules: bool = True) -> Ticket | None:
    """Open a ticket and fire the flow's `ticket_created` rules for it. With `key`, once:
    None when a ticket with that key exists already (a replayed webhook, a job run again).

    `rules=False` only for a ticket a `ticket_created` rule opens itself: it would otherwise
    fire the rule that made it, and so on without end."""
    if key is not None and session.scalar(select(Ticket.id).where(Ticket.dedupe_key == key)):
        return None
    ticket = Ticket(dedupe_key=key, flow_id=flow.id if flow else flow_id, call_id=call_id,
                    kind=kind, text=text, phone=phone, assign_role=assign_role,
                    assigned_to=assigned_to, urgent=urgent, fields=dict(fields or {}),
                    due_at=due_at, created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    if flow is not None and rules:
        callbacks.ticket_created(session, flow, ticket, now)
    return ticket


def _open_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError(f"no ticket #{ticket_id}")
    if ticket.closed_at is not None:
        raise TicketError(f"ticket #{ticket_id} is closed")
    return ticket


def answer(app: Flask, ticket_id: int, text: str, by: str) -> list[Callback]:
    """Record management's answer; returns the call backs it schedules."""
    if not text.strip():
        raise TicketError("the answer is empty")
    now = clock(app).now()
    with app.app_context(), db.session_scope(app) as session:
        ticket = _open_ticket(session, ticket_id)
        if ticket.answered_at is not None:
            raise TicketError(f"ticket #{ticket_id} was answered already: {ticket.answer}")
        ticket.answer, ticket.answered_at = text.strip(), now
        ticket.status = TicketStatus.ANSWERED
        ticket.comments.append(TicketComment(at=now, author=by, text=f"Answer: {ticket.answer}"))
        flow = flow_or_none(ticket.flow_id, app)
        fired = callbacks.ticket_answered(session, flow, ticket, now) if flow else []
        session.flush()
        session.expunge_all()
    return fired


def close(app: Flask, ticket_id: int, by: str, note: str = "") -> None:
    now = clock(app).now()
    with db.session_scope(app) as session:
        close_in(_open_ticket(session, ticket_id), by, now, note)


def close_in(ticket: Ticket, by: str, now: dt.datetime, note: str = "") -> None:
    """Close a ticket in the caller's transaction (`close` opens its own)."""
    ticket.closed_at, ticket.status = now, TicketStatus.CLOSED
    ticket.comments.append(TicketComment(at=now, author=by, text=note.strip() or "Closed."))


def comment(app: Flask, ticket_id: int, text: str, by: str) -> None:
    if not text.strip():
        raise TicketError("the comment is empty")
    with db.session_scope(app) as session:
        ticket = _open_ticket(session, ticket_id)
        ticket.comments.append(TicketComment(at=clock(app).now(), author=by, text=text.strip()))


def note(ticket: Ticket, author: str, text: str, now: dt.datetime) -> None:
    """A line the desk writes on the ticket for a change it made (assigned, reopened)."""
    ticket.comments.append(TicketComment(at=now, author=author, text=text))


def reopen(ticket: Ticket) -> bool:
    """A ticket closed by mistake opens again (answered, if it had its answer)."""
    if ticket.status != TicketStatus.CLOSED:
        return False
    ticket.status = TicketStatus.ANSWERED if ticket.answered_at else TicketStatus.OPEN
    ticket.closed_at = None
    return True
