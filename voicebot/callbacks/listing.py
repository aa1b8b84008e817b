"""Callbacks as plain data, for `voicebot callbacks` and the desk."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from voicebot.models import Callback
from voicebot.services.callbacks import OPEN


def callback_rows(session: Session, *, statuses: Collection[str] = (), phone: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """Open callbacks first, by when they run next; then finished ones, newest first."""
    query = select(Callback).options(selectinload(Callback.attempts)).order_by(
        case((Callback.status.in_(OPEN), 0), else_=1), Callback.next_at,
        Callback.finished_at.desc(), Callback.id.desc(),
    )
    if statuses:
        query = query.where(Callback.status.in_(statuses))
    if phone:
        query = query.where(Callback.phone == phone)
    rows = []
    for c in session.scalars(query.limit(limit)):
        rows.append({
            "id": c.id, "flow": c.flow_id, "rule": c.rule_id, "trigger": c.trigger,
            "action": c.action, "phone": c.phone, "status": c.status,
            "attempts_made": c.attempts_made, "max_attempts": c.max_attempts,
            "next_at": c.next_at.isoformat() if c.next_at else None,
            "finished_at": c.finished_at.isoformat() if c.finished_at else None,
            "outcome": c.outcome, "call_id": c.call_id, "ticket_id": c.ticket_id,
            "visit_id": c.visit_id,
            "attempts": [{"number": a.number, "at": a.at.isoformat(), "result": a.result,
                          "note": a.note} for a in c.attempts],
        })
    return rows
