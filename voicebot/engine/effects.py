"""The engine's effects on the database, in one place: the `Effects` the steps ask for.

Steps and the interpreter never touch a model; each row a call makes or changes is made
here, so re-pointing the engine at another home for an effect (the `services` package) is a
change to this file alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from voicebot import callbacks, db
from voicebot.engine import booking
from voicebot.engine.turn import Made, Slot, VisitRecord, Waiting
from voicebot.flows.model import Flow
from voicebot.models import Call, CallEvent, QueueEntry, Ticket, Visit
from voicebot.models import Voicemail as VoicemailRow
from voicebot.telephony import Telephony

EVENTS = cast(Table, CallEvent.__table__)
"""The journal's table, written by Core: rows, not ORM objects."""


@dataclass
class Effects:
    """`voicebot.engine.turn.Effects` on one database session."""

    session: Session
    telephony: Telephony
    pending: list[dict[str, Any]] = field(default_factory=list)
    """The turn's journal lines, not yet written (`write`)."""

    def event(self, call: Call, at: dt.datetime, state: str, kind: str, text: str,
              data: dict[str, Any]) -> None:
        # Kept as plain rows for one multi-row INSERT (`write`): a turn writes six or so, and
        # an ORM object each cost more than the rest of the turn's SQLAlchemy work (issue 15).
        # Neither loads the call's event list, which grows with the call.
        self.pending.append({"call_id": call.id, "at": at, "state": state, "kind": kind,
                             "text": text, "data": data})

    def write(self) -> None:
        """The turn's journal lines in one INSERT (SQLAlchemy Core): before the turn commits,
        and before anything reads the call's events."""
        if self.pending:
            self.session.execute(insert(EVENTS), self.pending)
            self.pending = []

    def previous_calls(self, call: Call, flow_id: str) -> int:
        # Other calls are all the count looks at: this turn's pending changes need not be
        # flushed first (they are, once, at the commit).
        with self.session.no_autoflush:
            return self.session.scalar(
                select(func.count(Call.id)).where(
                    Call.from_number == call.party, Call.flow_id == flow_id, Call.id != call.id,
                )
            ) or 0

    def states_entered(self, call: Call) -> Collection[str]:
        self.write()  # this turn's own entries count
        return set(self.session.scalars(
            select(CallEvent.state).where(CallEvent.call_id == call.id, CallEvent.kind == "enter")
            .distinct()
        ))

    def _queue_entry(self, call: Call) -> QueueEntry | None:
        return self.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call.id))

    def join_queue(self, call: Call, flow_id: str, queue: str, priority: int,
                   now: dt.datetime) -> None:
        entry = self._queue_entry(call)
        if entry is None:
            entry = QueueEntry(call_id=call.id, flow_id=flow_id)
            self.session.add(entry)
        entry.queue, entry.priority = queue, priority
        entry.enqueued_at, entry.left_at, entry.result = now, None, ""

    def leave_queue(self, call: Call, result: str, now: dt.datetime) -> None:
        entry = self._queue_entry(call)
        if entry is not None:
            entry.left_at = entry.left_at or now
            entry.result = result

    def take_waiting(self, flow_id: str, queue: str, now: dt.datetime) -> Waiting | None:
        entry = self.session.scalar(
            select(QueueEntry)
            .where(QueueEntry.flow_id == flow_id, QueueEntry.queue == queue,
                   QueueEntry.left_at.is_(None))
            .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id)
            .limit(1)
        )
        if entry is None:
            return None
        entry.left_at, entry.result = now, "answering"
        return Waiting(entry.queue, entry.priority, entry.call_id)

    def queue_sms(self, *, to: str, from_: str, body: str, purpose: str, flow_id: str,
                  call_id: int | None, dedupe_key: str) -> int:
        message = self.telephony.queue_sms(
            self.session, to=to, from_=from_, body=body, purpose=purpose, flow_id=flow_id,
            call_id=call_id, dedupe_key=dedupe_key,
        )
        return message.id

    def create_ticket(self, flow: Flow, call: Call, now: dt.datetime, *, key: str, kind: str,
                      text: str, assign: str | None, urgent: bool, fields: dict[str, str],
                      due_at: dt.datetime | None) -> Made | None:
        if self.session.scalar(select(Ticket.id).where(Ticket.dedupe_key == key)):
            return None
        row = Ticket(dedupe_key=key, flow_id=flow.id, call_id=call.id, kind=kind, text=text,
                     assign_role=assign, urgent=urgent, fields=fields, phone=call.party,
                     due_at=due_at)
        self.session.add(row)
        self.session.flush()
        callbacks.ticket_created(self.session, flow, row, now)
        return Made(row.id, row.text)

    def record_visit(self, visit_id: int, *, status: str, note: str | None,
                     adult_contact: str | None, no_entry: bool | None) -> VisitRecord | None:
        visit = self.session.get(Visit, visit_id)
        if visit is None:
            return None
        visit.status = status
        if note is not None:
            visit.note = f"{visit.note}\n{note}".strip() if note not in visit.note else visit.note
        if adult_contact is not None:
            visit.adult_contact = adult_contact
        if no_entry is not None:
            visit.no_entry = no_entry
        return VisitRecord(visit.id, visit.no_entry, visit.adult_contact)

    def store_voicemail(self, call: Call, flow_id: str, recording_sid: str, url: str,
                        duration: int, now: dt.datetime) -> None:
        store_voicemail(self.session, call, flow_id, recording_sid, url, duration, now)

    def free_slot(self, flow: Flow, calendar: Slot, now: dt.datetime,
                  start_from: dt.datetime) -> dt.datetime | None:
        return next(booking.free_slots(self.session, flow, calendar, now, start_from), None)

    def book(self, flow: Flow, calendar: Slot, slot: dt.datetime, now: dt.datetime, *,
             key: str, call_id: int | None, phone: str, client_name: str) -> Made | None:
        made = booking.book(self.session, flow, calendar, slot, now, key=key, call_id=call_id,
                            phone=phone, client_name=client_name)
        return Made(made.id) if made is not None else None


def store_voicemail(session: Session, call: Call | None, flow_id: str, recording_sid: str,
                    url: str, duration: int, now: dt.datetime) -> VoicemailRow:
    """Both the Record action and the recording status callback report a recording, in
    either order and maybe twice: whichever comes first creates the row."""
    db.insert_once(session, VoicemailRow, "recording_sid", recording_sid=recording_sid,
                   flow_id=flow_id, created_at=now)
    row = session.scalars(select(VoicemailRow).where(VoicemailRow.recording_sid == recording_sid)
                          ).one()
    if call is not None and row.call_id in (None, call.id):  # never moved to another call
        row.call_id, row.from_number = call.id, call.from_number
    row.recording_url = url or row.recording_url
    row.duration = duration or row.duration
    session.flush()
    return row
