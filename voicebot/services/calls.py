"""Calls and their journal: the call row a webhook turn works on, each line of its path
(`CallEvent`), its end, and the outbound dials voicebot places (`Dial`, the outbox of calls).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voicebot.flows.model import Flow
from voicebot.journal import compose_note
from voicebot.models import Call, CallEvent, CallOutcome, CallStatus, Dial, EventKind
from voicebot.telephony import CALL_ORDER, forward


def find(session: Session, sid: str, *, lock: bool = False) -> Call | None:
    """The call Twilio names `sid`; `lock` holds its row until the commit (a turn)."""
    query = select(Call).where(Call.sid == sid)
    return session.scalar(query.with_for_update() if lock else query)


def of(session: Session, call_id: int | None) -> Call | None:
    return session.get(Call, call_id) if call_id is not None else None


def open(session: Session, flow: Flow, *, sid: str, from_: str, to: str, now: dt.datetime,
         direction: str = "inbound", variables: dict[str, Any] | None = None) -> Call:
    """A call the flow answers (or, outbound, that it placed and was answered). Flushed, not
    committed: the caller decides whether it commits on its own before the first turn."""
    call = Call(sid=sid, flow_id=flow.id, flow_digest=flow.digest, direction=direction,
                from_number=from_, to_number=to, started_at=now, vars=dict(variables or {}))
    session.add(call)
    session.flush()
    return call


def journal_closed(session: Session, flow: Flow | None, *, sid: str, from_: str, to: str,  # noqa: PLR0913  a call row's fields, by keyword
                   outcome: str, now: dt.datetime, answer: str = "", flagged: str = "") -> Call:
    """Every call leaves a record, even one no flow ran: to a number the line is not set up
    for (the dispatcher should see people dial it), or answered by the fallback URL."""
    call = Call(sid=sid, flow_id=flow.id if flow else "", from_number=from_, to_number=to,
                started_at=now, outcome=outcome, last_twiml=answer, flagged=flagged)
    session.add(call)
    session.flush()
    close(call, flow, now, status=None)
    return call


def event(session: Session, call: Call, at: dt.datetime, kind: str, text: str = "",
          state: str | None = None, **data: Any) -> None:
    """One line of the call's path, written during a turn. Set from the event's side, the
    call's event list is not loaded from the database (a query per webhook, growing with the
    call) just to append to it."""
    session.add(CallEvent(call=call, at=at, state=call.state if state is None else state,
                          kind=kind, text=text, data=data))


def add_event(call: Call, flow: Flow | None, at: dt.datetime, kind: str, text: str,
              **data: Any) -> None:
    """Something that happened after the call (its voicemail transcribed, a quote answered):
    a line in its journal, and its note written again for the next dispatcher."""
    call.events.append(CallEvent(at=at, state=call.state, kind=kind, text=text, data=data))
    call.note = compose_note(call, flow)


def close(call: Call, flow: Flow | None, now: dt.datetime, *, status: str | None,
          duration: int | None = None) -> None:
    """End the call's journal entry. Safe to call again (a status callback after the flow
    hung up): the later call only adds what it knows, such as the duration."""
    if status is not None:
        call.status = status
    if duration is not None:
        call.duration = duration
    if call.ended_at is None:
        call.ended_at = now
        if call.outcome in (CallOutcome.IN_PROGRESS, CallOutcome.QUEUED):
            call.outcome = CallOutcome.ABANDONED
            call.events.append(CallEvent(at=now, state=call.state, kind=EventKind.END,
                                         text=f"caller hung up in {call.state or 'the greeting'}"))
    call.note = compose_note(call, flow)


def status_reported(call: Call, flow: Flow | None, status: str, now: dt.datetime, *,
                    final: bool, duration: int | None) -> None:
    """Twilio's status callback for the call: a line in its journal; a final status ends it."""
    call.events.append(CallEvent(at=now, state=call.state, kind=EventKind.STATUS, text=status))
    if final:
        close(call, flow, now, status=status, duration=duration)
    elif call.ended_at is None:
        call.status = status


def recorded(call: Call, flow: Flow | None, recording_sid: str, url: str, duration: int,
             now: dt.datetime) -> None:
    """A whole-call recording (TS-10) belongs to the call's record, not to the voicemails."""
    call.recording_sid, call.recording_url = recording_sid, url
    if not any(e.kind == EventKind.CALL_RECORDED for e in call.events):
        call.events.append(CallEvent(at=now, state=call.state, kind=EventKind.CALL_RECORDED,
                                     text=f"{duration} s", data={"recording_sid": recording_sid}))
    call.note = compose_note(call, flow)


def states_entered(session: Session, call: Call) -> list[str]:
    """The flow states the call has been in so far (this turn's included)."""
    return list(session.scalars(
        select(CallEvent.state).where(CallEvent.call_id == call.id,
                                      CallEvent.kind == EventKind.ENTER).distinct()))


def previous_calls(session: Session, call: Call, flow_id: str) -> int:
    """The caller's other calls to this line. "Known" means known to this line: a call to
    another business served by the same voicebot says nothing about this caller here."""
    # Other calls are all the count looks at: this turn's pending changes need not be
    # flushed first (they are, once, at the commit).
    with session.no_autoflush:
        return session.scalar(
            select(func.count(Call.id)).where(
                Call.from_number == call.party, Call.flow_id == flow_id, Call.id != call.id)
        ) or 0


# -- calls we place -------------------------------------------------------------------------
def dial(session: Session, *, key: str, flow: Flow, entry: str, to: str, from_: str,  # noqa: PLR0913  a dial row's fields, by keyword
         callback_id: int | None, attempt: int, variables: dict[str, Any]) -> Dial:
    """An outbound call, written once per `key` before it is placed: the row is the outbox."""
    row = session.scalar(select(Dial).where(Dial.dedupe_key == key))
    if row is None:
        row = Dial(dedupe_key=key, flow_id=flow.id, entry=entry, to_number=to, from_number=from_,
                   callback_id=callback_id, attempt=attempt, vars=variables)
        session.add(row)
        session.flush()
    return row


def dial_of(session: Session, call_sid: str) -> Dial | None:
    """The dial whose call Twilio names `call_sid`, locked until the commit."""
    return session.scalar(select(Dial).where(Dial.call_sid == call_sid).with_for_update())


def dial_by_id(session: Session, dial_id: int) -> Dial | None:
    return session.get(Dial, dial_id, with_for_update=True)


def dial_answered(dial: Dial, call_sid: str, answered_by: str) -> None:
    """The dialled call was answered (by a person or a machine): Twilio asks what to say."""
    dial.call_sid, dial.answered_by = call_sid, answered_by
    dial.status = forward(dial.status, CallStatus.IN_PROGRESS, CALL_ORDER)


def dial_reported(dial: Dial, status: str, answered_by: str) -> None:
    """Twilio's status callback for a call we placed; statuses only move forward."""
    dial.status = forward(dial.status, status, CALL_ORDER)
    dial.answered_by = answered_by or dial.answered_by
