"""Queue places: a caller waiting for staff. Position is by priority, then arrival (OM-3)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voicebot.models import Call, QueueEntry


def place_of(session: Session, call_id: int) -> QueueEntry | None:
    return session.scalar(select(QueueEntry).where(QueueEntry.call_id == call_id))


def join(session: Session, call: Call, flow_id: str, queue: str, priority: int,
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


def take_next(session: Session, flow_id: str, queue: str, now: dt.datetime) -> QueueEntry | None:
    """The caller staff answer next: highest priority, then longest waiting."""
    entry = session.scalar(
        select(QueueEntry)
        .where(QueueEntry.flow_id == flow_id, QueueEntry.queue == queue,
               QueueEntry.left_at.is_(None))
        .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id)
        .limit(1)
    )
    if entry is not None:
        entry.left_at, entry.result = now, "answering"
    return entry


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
