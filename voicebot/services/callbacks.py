"""Callback rows: an event fires a flow's rules into `Callback` rows, in the transaction of the
event (a dropped call, a new ticket, a booked visit). The row is the truth and the schedule:
the clock queues it when its time comes (`voicebot.jobs.scheduler`), `voicebot.callbacks.runner`
runs it, and a job run twice finds its callback already moved on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voicebot.db import rowcount
from voicebot.flows.model import CallbackRule, Flow, Trigger
from voicebot.language import spoken_time
from voicebot.models import Callback, CallbackAttempt, CallbackStatus, Quote, Ticket, Visit
from voicebot.services import calls

log = logging.getLogger("voicebot.callbacks")

OPEN = (CallbackStatus.SCHEDULED, CallbackStatus.QUEUED, CallbackStatus.RUNNING,
        CallbackStatus.WAITING)
DROPPED = ("dropped_active", "dropped_early")


def local_time(flow: Flow, moment: dt.datetime) -> str:
    """A time as the line's staff read it: in the flow's zone, with the zone's name."""
    return moment.astimezone(ZoneInfo(flow.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def journal(session: Session, callback: Callback, text: str, at: dt.datetime,
            **data: Any) -> None:
    """Write a line into the journal of the call that caused the callback, so the next
    dispatcher reading that call's note sees what was done about it."""
    if callback.call_id is None:
        return
    call = calls.current(session, callback.call_id)
    if call is None:
        return
    calls.events(session, [calls.line(call, at, "callback", text, callback_id=callback.id,
                                      rule=callback.rule_id, **data)])


def _first_time(rule: CallbackRule, flow: Flow, now: dt.datetime, visit: Visit | None,
                values: Mapping[str, Any]) -> dt.datetime:
    if rule.before is not None and visit is not None:
        return max(now, visit.window_start - rule.before)
    if rule.at is not None:
        asked = spoken_time.parse(str(values.get(rule.at) or ""), now, flow.timezone)
        if asked is not None:
            return asked
    return now + rule.delay


def fire(session: Session, flow: Flow, trigger: Trigger, *, now: dt.datetime, phone: str,  # noqa: PLR0913  what a trigger is about, by keyword
         subject: str, call: calls.CallView | None = None, ticket: Ticket | None = None,
         visit: Visit | None = None, values: Mapping[str, Any] | None = None) -> list[Callback]:
    """Create a callback for each rule of `flow` on `trigger` that applies. `subject` names
    what the event is about ("call12", "ticket3"): a rule fires once per subject, however
    often the event is reported."""
    created: list[Callback] = []
    for rule in flow.rules(trigger):
        if rule.kind is not None and (ticket is None or ticket.kind != rule.kind):
            continue
        if trigger in DROPPED and call is not None and call.state in rule.except_in:
            continue
        key = f"{flow.id}:{rule.id}:{subject}"
        if session.scalar(select(Callback.id).where(Callback.dedupe_key == key)) is not None:
            continue
        when = _first_time(rule, flow, now, visit, values or {})
        callback = Callback(
            dedupe_key=key, flow_id=flow.id, rule_id=rule.id, trigger=trigger,
            call_id=call.id if call is not None else (ticket.call_id if ticket else None),
            ticket_id=ticket.id if ticket else None, visit_id=visit.id if visit else None,
            phone=phone, action=rule.action.kind,
            max_attempts=rule.attempts if rule.action.kind == "call" or rule.repeat else 1,
            status=CallbackStatus.SCHEDULED, next_at=when, planned_at=when,
            vars=dict(values or {}), created_at=now, updated_at=now,
        )
        session.add(callback)
        session.flush()
        journal(session, callback,
                f"{rule.id}: {rule.action.kind} scheduled for {local_time(flow, when)}",
                now, result="scheduled")
        created.append(callback)
    return created


def attempt(session: Session, callback: Callback, number: int, now: dt.datetime, result: str,
            note: str, dial_id: int | None = None) -> None:
    """One try of a callback, as the desk lists them: placed, deferred, sent, how it ended."""
    session.add(CallbackAttempt(callback_id=callback.id, number=number, at=now, result=result,
                                note=note, dial_id=dial_id))


# -- the events ---------------------------------------------------------------------------
def call_ended(session: Session, flow: Flow, call: calls.CallView, now: dt.datetime) -> list[Callback]:
    """An inbound call ended by the caller before the flow finished it: dropped while active
    (the caller had answered something) or early (during the greeting). HL-9. Outbound calls
    never fire these, so a redial that drops is not redialled again."""
    if call.direction != "inbound" or call.outcome != "abandoned":
        return []
    trigger: Trigger = "dropped_active" if call.inputs > 0 else "dropped_early"
    return fire(session, flow, trigger, now=now, phone=call.from_number, subject=f"call{call.id}",
                call=call, values=call.vars)


def _ticket_values(ticket: Ticket, call: calls.CallView | None) -> dict[str, Any]:
    return {**(call.vars if call else {}), **ticket.fields, "ticket_id": ticket.id,
            "ticket_text": ticket.text, "ticket_kind": ticket.kind, "answer": ticket.answer}


def ticket_created(session: Session, flow: Flow, ticket: Ticket, now: dt.datetime) -> list[Callback]:
    """Called by `services.tickets.open` for every new ticket, whatever made it."""
    call = calls.current(session, ticket.call_id) if ticket.call_id else None
    return fire(session, flow, "ticket_created", now=now, phone=ticket.phone,
                subject=f"ticket{ticket.id}", ticket=ticket, values=_ticket_values(ticket, call))


def ticket_answered(session: Session, flow: Flow, ticket: Ticket, now: dt.datetime) -> list[Callback]:
    """Management answered a caller's question (TS-4): the call back can now be made."""
    call = calls.current(session, ticket.call_id) if ticket.call_id else None
    return fire(session, flow, "ticket_answered", now=now, phone=ticket.phone,
                subject=f"ticket{ticket.id}-answer", ticket=ticket,
                values=_ticket_values(ticket, call))


def quote_approved(session: Session, flow: Flow, quote: Quote, now: dt.datetime,
                   values: Mapping[str, Any] | None = None) -> list[Callback]:
    return fire(session, flow, "quote_approved", now=now, phone=quote.phone,
                subject=f"quote{quote.id}",
                values={"service": quote.service_name, **(values or {})})


def visit_scheduled(session: Session, flow: Flow, visit: Visit, now: dt.datetime) -> list[Callback]:
    return fire(session, flow, "visit_scheduled", now=now, phone=visit.phone,
                subject=f"visit{visit.id}", visit=visit, values=visit_values(flow, visit))


def visit_values(flow: Flow, visit: Visit) -> dict[str, Any]:
    """How a visit is spoken: its date and window in the flow's zone (RT-5)."""
    zone = ZoneInfo(flow.timezone)
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    return {
        "visit_date": start.strftime("%d.%m.%Y"),
        "visit_start": start.strftime("%H:%M"),
        "visit_end": end.strftime("%H:%M"),
        "visit_window": f"{start:%H:%M}-{end:%H:%M}",
        "client_name": visit.client_name,
        "address": visit.address,
        "visit_id": visit.id,
    }


# -- what staff do ------------------------------------------------------------------------
def cancel(session: Session, callback_id: int, by: str, now: dt.datetime) -> bool:
    """Cancel a callback that has not finished; a call already ringing is left to end."""
    done = rowcount(session.execute(
        update(Callback).where(Callback.id == callback_id, Callback.status.in_(OPEN))
        .values(status=CallbackStatus.CANCELED, outcome=f"canceled by {by}", finished_at=now,
                updated_at=now)
    ))
    if done:
        callback = session.get(Callback, callback_id)
        assert callback is not None
        journal(session, callback, f"{callback.rule_id}: canceled by {by}", now,
                result="canceled")
    return bool(done)


def bring_forward(session: Session, callback_id: int, now: dt.datetime) -> bool:
    """A scheduled callback due now instead of at its time (the caller schedules its job)."""
    return bool(rowcount(session.execute(
        update(Callback).where(Callback.id == callback_id,
                               Callback.status == CallbackStatus.SCHEDULED)
        .values(next_at=now, planned_at=now, updated_at=now)
    )))
