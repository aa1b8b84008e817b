"""What staff do with tickets outside a call: answer a caller's question (which lets the
flow's `ticket_answered` rules call the caller back, TS-4), close, comment."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from voicebot import callbacks, db
from voicebot.clock import clock
from voicebot.models import Callback, Ticket, TicketComment


class TicketError(ValueError):
    """A change that cannot be made, with the reason to show the person."""


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
        ticket.answer, ticket.answered_at, ticket.status = text.strip(), now, "answered"
        ticket.comments.append(TicketComment(at=now, author=by, text=f"Answer: {ticket.answer}"))
        flow = callbacks.flow_or_none(ticket.flow_id)
        fired = callbacks.ticket_answered(session, flow, ticket, now) if flow else []
        session.flush()
        session.expunge_all()
    return fired


def close(app: Flask, ticket_id: int, by: str, note: str = "") -> None:
    now = clock(app).now()
    with db.session_scope(app) as session:
        ticket = _open_ticket(session, ticket_id)
        ticket.closed_at, ticket.status = now, "closed"
        ticket.comments.append(TicketComment(at=now, author=by, text=note.strip() or "Closed."))


def comment(app: Flask, ticket_id: int, text: str, by: str) -> None:
    if not text.strip():
        raise TicketError("the comment is empty")
    with db.session_scope(app) as session:
        ticket = _open_ticket(session, ticket_id)
        ticket.comments.append(TicketComment(at=clock(app).now(), author=by, text=text.strip()))
