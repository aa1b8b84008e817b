"""Queue places: a caller waiting for staff. Position is by priority, then arrival (OM-3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voicebot.models import QueueEntry
from voicebot.services.calls import CallView


def place_of(session: Session, call_id: int) -> QueueEntry | None:
    return session.scalar(select(QueueEntry).where(QueueEntry.call_id == call_id))


def join(session: Session, call: CallView, flow_id: str, queue: str, priority: int,
         now: dt.datetime) -> QueueEntry:
    """The caller's place in `queue`; a call that queues again (after a timeout) keeps one
    row, moved to the back of its new queue."""
    entry = place_of(session, call.id)
    if entry is None:
        entry = QueueEntry(call_id=call.id, flow_id=flow_id)
        session.add(entry)
    entry.queue, entry.priority = queue, priority
    entry.enqueued_at, entry.left_at, entry.result = now, None, ""
    return entry


def left(session: Session, call_id: int, result: str, now: dt.datetime) -> None:
    """The caller left the queue: bridged to staff, hung up, or timed out."""
    entry = place_of(session, call_id)
    if entry is not None:
        entry.left_at = entry.left_at or now
        entry.result = result


def position(session: Session, entry: QueueEntry) -> int:
    """Callers with a higher priority, or the same priority and an earlier arrival, go first."""
    q = QueueEntry
    same_priority = q.priority == entry.priority
    earlier = (q.enqueued_at < entry.enqueued_at) | (
        (q.enqueued_at == entry.enqueued_at) & (q.id < entry.id)
    )
    ahead = session.scalar(
        select(func.count(q.id)).where(
            q.flow_id == entry.flow_id, q.queue == entry.queue, q.left_at.is_(None),
            q.id != entry.id, (q.priority > entry.priority) | (same_priority & earlier),
        )
    ) or 0
    return ahead + 1


def chose_message(session: Session, call_id: int, now: dt.datetime) -> bool:
    """The caller pressed the queue's message key: they leave it for the voicemail. False
    when they are no longer waiting (a staff member took them a moment before)."""
    entry = place_of(session, call_id)
    if entry is None or entry.left_at is not None:
        return False
    entry.left_at, entry.result = now, "message"
    return True


def left_for_message(session: Session, call_id: int) -> bool:
    entry = place_of(session, call_id)
    return entry is not None and entry.result == "message"


RECENT = dt.timedelta(hours=2)
"""How far back the estimate looks: the pace of the last two hours, not of last Tuesday."""


def estimated_wait(session: Session, entry: QueueEntry, now: dt.datetime) -> dt.timedelta | None:
    """How long the caller still has to wait, from how fast the queue moved recently: the
    time between the recent callers staff took, times the caller's place. None without two
    such callers to measure the pace by (better silence than a made-up figure)."""
    q = QueueEntry
    taken = sorted(t for t in session.scalars(
        select(q.left_at).where(q.flow_id == entry.flow_id, q.queue == entry.queue,
                                q.result.in_(("answering", "bridged")),
                                q.left_at >= now - RECENT, q.left_at <= now)) if t is not None)
    if len(taken) < 2:
        return None
    pace = (taken[-1] - taken[0]) / (len(taken) - 1)
    return pace * position(session, entry)
