"""The engine's effects, in one place: the `Effects` the steps ask for, each one a call to
the service that owns the row (`voicebot.services`). Steps and the interpreter never touch
a model or a query; whatever a turn makes or changes joins the turn's one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from voicebot.engine.turn import KeptOutcome, Made, VisitRecord, Waiting
from voicebot.flows.model import Flow
from voicebot.models import MessagePurpose
from voicebot.services import (
    bookings,
    calls,
    kept_places,
    messages,
    queue,
    tickets,
    visits,
    voicemails,
)
from voicebot.services.bookings import Slot
from voicebot.services.calls import CallRow


@dataclass
class Effects:
    """`voicebot.engine.turn.Effects` on one database session."""

    session: Session
    pending: list[dict[str, Any]] = field(default_factory=list)
    """The turn's journal lines, not yet written (`write`)."""

    def event(self, call: CallRow, at: dt.datetime, state: str, kind: str, text: str,
              data: dict[str, Any]) -> None:
        # Kept as rows for one multi-row INSERT (calls.events) rather than an ORM object each.
        self.pending.append({"call_id": call.id, "at": at, "state": state, "kind": kind,
                             "text": text, "data": data})

    def write(self) -> None:
        """The turn's journal lines, written before the turn commits and before anything
        reads the call's events."""
        calls.events(self.session, self.pending)
        self.pending = []

    def previous_calls(self, call: CallRow, flow_id: str) -> int:
        return calls.previous_calls(self.session, call, flow_id)

    def last_event_data(self, call: CallRow, kind: str) -> dict[str, Any] | None:
        return calls.last_event_data(self.session, call, kind)

    def whisper_taken(self, call: CallRow, turn: int) -> bool:
        return calls.whisper_taken(self.session, call, turn)

    def states_entered(self, call: CallRow) -> Collection[str]:
        self.write()  # this turn's own entries count
        return set(calls.states_entered(self.session, call))

    def join_queue(self, call: CallRow, flow_id: str, queue_name: str, priority: int,
                   now: dt.datetime) -> None:
        queue.join(self.session, call, flow_id, queue_name, priority, now)

    def leave_queue(self, call: CallRow, result: str, now: dt.datetime) -> None:
        queue.left(self.session, call.id, result, now)

    def chose_message(self, call: CallRow) -> bool:
        return queue.left_for_message(self.session, call.id)

    def take_waiting(self, flow: Flow, queue_name: str, now: dt.datetime,
                     staff: CallRow) -> Waiting | None:
        taken = kept_places.take_next(self.session, flow, queue_name, now, staff)
        if taken is None:
            return None
        entry = taken.entry
        if taken.dial is None:
            return Waiting(entry.queue, entry.priority, entry.call_id)
        return Waiting(entry.queue, entry.priority, entry.call_id, kept_number=entry.kept_number,
                       hold=kept_places.hold_queue(entry))

    def keep_place(self, call: CallRow, state: str, now: dt.datetime) -> bool:
        return kept_places.keep(self.session, call, state, now)

    def kept_number(self, call: CallRow) -> str | None:
        return kept_places.kept_number(self.session, call.id)

    def kept_answered(self, entry_id: int) -> str | None:
        return kept_places.answered(self.session, entry_id)

    def kept_connected(self, entry_id: int, now: dt.datetime) -> None:
        kept_places.connected(self.session, entry_id, now)

    def kept_not_put_through(self, entry_id: int) -> None:
        kept_places.not_put_through(self.session, entry_id)

    def kept_outcome(self, staff: CallRow) -> KeptOutcome | None:
        entry = kept_places.last_held(self.session, staff.id)
        if entry is None:
            return None
        return KeptOutcome(entry.id, entry.kept_number, entry.result, entry.next_try_at)

    def kept_staff_left(self, staff: CallRow) -> None:
        kept_places.staff_left(self.session, staff.id)

    def queue_sms(self, flow: Flow, call: CallRow, *, to: str, body: str, purpose: MessagePurpose,
                  key: str) -> int:
        return messages.queue(self.session, flow, to=to, body=body, purpose=purpose, call=call,
                              key=key).id

    def create_ticket(self, flow: Flow, call: CallRow, now: dt.datetime, *, key: str, kind: str,  # noqa: PLR0913  a ticket's fields, by keyword
                      text: str, assign: str | None, urgent: bool, fields: dict[str, str],
                      due_at: dt.datetime | None) -> Made | None:
        row = tickets.open(self.session, flow, key=key, call_id=call.id, kind=kind, text=text,
                           assign_role=assign, urgent=urgent, fields=fields, phone=call.party,
                           due_at=due_at, now=now)
        return Made(row.id, row.text) if row is not None else None

    def record_visit(self, visit_id: int, *, status: str, note: str | None,
                     adult_contact: str | None, no_entry: bool | None) -> VisitRecord | None:
        visit = visits.of(self.session, visit_id)
        if visit is None:
            return None
        visits.record_outcome(visit, status, note=note, adult_contact=adult_contact,
                              no_entry=no_entry)
        return VisitRecord(visit.id, visit.no_entry, visit.adult_contact)

    def store_voicemail(self, call: CallRow, flow_id: str, recording_sid: str, url: str,
                        duration: int, now: dt.datetime) -> None:
        voicemails.store(self.session, call, flow_id, recording_sid, url, duration, now)

    def free_slot(self, flow: Flow, calendar: Slot, now: dt.datetime,
                  start_from: dt.datetime) -> dt.datetime | None:
        return next(bookings.free_slots(self.session, flow, calendar, now, start_from), None)

    def book(self, flow: Flow, calendar: Slot, slot: dt.datetime, now: dt.datetime, *,
             key: str, call_id: int | None, phone: str, client_name: str) -> Made | None:
        made = bookings.book(self.session, flow, calendar, slot, now, key=key, call_id=call_id,
                             phone=phone, client_name=client_name)
        return Made(made.id) if made is not None else None
