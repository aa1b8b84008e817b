"""The journal: every call's record and the note the next dispatcher reads (OM-12, HL-10)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, select, union
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from voicebot import notes
from voicebot.compiler.registry import FlowRegistry
from voicebot.flows.errors import FlowNotFound
from voicebot.language import failures
from voicebot.models import Call, Message, QueueEntry, Quote, Ticket, Voicemail


def note(call: Call, flows: FlowRegistry) -> str:
    """The note for `voicebot journal`: sentences in the line's language (its `labels:` and
    `roles:` are written in that language, and so are the words its callers say, so one
    language reads whole), times in the line's zone; English for a call no flow answers.
    Written from the call's events and variables when read, by the readers that load them
    anyway (the desk writes it in its own language, voicebot.admin.naming): no webhook loads a
    call's whole journal (issue 15). A call stored without events keeps its stored note."""
    if not call.events and call.note:
        return call.note
    try:
        flow = flows.get(call.flow_id) if call.flow_id else None
    except FlowNotFound:
        flow = None
    return notes.compose(call, flow, flow.language if flow else "en")


def _dedupe_runs(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out


def by_number(id_column: InstrumentedAttribute[int],
              columns: tuple[InstrumentedAttribute[str], ...], number: str) -> ColumnElement[bool]:
    """Rows where any of `columns` is `number`, found by one index read per column: an OR of
    them, ordered by time, makes SQLite walk the whole time index instead."""
    return id_column.in_(union(*(select(id_column).where(column == number) for column in columns)))


def entries(session: Session, flows: FlowRegistry, *, since: dt.datetime | None = None,
            number: str | None = None, flow_id: str | None = None, outcome: str | None = None,
            before: tuple[dt.datetime, int] | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The journal, newest first, as plain data for the CLI and the desk. `before` is the
    (started_at, id) of the last entry of the previous page: paging by key reads only the
    rows it shows, however deep the page."""
    query = select(Call).options(selectinload(Call.events)).order_by(Call.started_at.desc(),
                                                                     Call.id.desc())
    if since is not None:
        query = query.where(Call.started_at >= since)
    if number:
        query = query.where(by_number(Call.id, (Call.from_number, Call.to_number), number))
    if flow_id:
        query = query.where(Call.flow_id == flow_id)
    if outcome:
        query = query.where(Call.outcome == outcome)
    if before is not None:
        at, call_id = before
        query = query.where((Call.started_at < at) | ((Call.started_at == at) & (Call.id < call_id)))
    calls = session.scalars(query.limit(limit)).all()
    ids = [c.id for c in calls]
    tickets = session.scalars(select(Ticket).where(Ticket.call_id.in_(ids))).all()
    messages = session.scalars(select(Message).where(Message.call_id.in_(ids))).all()
    queued = session.scalars(select(QueueEntry).where(QueueEntry.call_id.in_(ids))).all()
    voicemails = session.scalars(select(Voicemail).where(Voicemail.call_id.in_(ids))
                                 .order_by(Voicemail.id)).all()
    quotes = {q.voicemail_id: q for q in session.scalars(
        select(Quote).where(Quote.voicemail_id.in_([v.id for v in voicemails])))}
    out = []
    for c in calls:
        out.append({
            "id": c.id, "call_sid": c.sid, "flow": c.flow_id, "direction": c.direction,
            "from": c.from_number, "to": c.to_number,
            "started_at": c.started_at.isoformat(),
            "ended_at": c.ended_at.isoformat() if c.ended_at else None,
            "duration": c.duration, "status": c.status, "outcome": c.outcome,
            "flagged": c.flagged or None, "note": note(c, flows),
            "variables": {k: v for k, v in c.vars.items() if not k.startswith("_")},
            "recording_url": c.recording_url or None,
            "path": _dedupe_runs([e.state for e in c.events if e.kind == "enter"]),
            "inputs": [
                {"at": e.at.isoformat(), "state": e.state, "digits": e.data.get("digits") or None,
                 "speech": e.data.get("speech") or None, "confidence": e.data.get("confidence")}
                for e in c.events if e.kind == "input"
            ],
            "tickets": [{"id": t.id, "kind": t.kind, "text": t.text, "urgent": t.urgent,
                         "status": t.status, "assign_role": t.assign_role}
                        for t in tickets if t.call_id == c.id],
            "messages": [{"id": m.id, "to": m.to_number, "body": m.body, "status": m.status,
                          "purpose": m.purpose} for m in messages if m.call_id == c.id],
            "queue": [{"queue": q.queue, "priority": q.priority, "result": q.result}
                      for q in queued if q.call_id == c.id],
            "voicemails": [_voicemail(v, quotes.get(v.id)) for v in voicemails if v.call_id == c.id],
        })
    return out


def _voicemail(v: Voicemail, quote: Quote | None) -> dict[str, Any]:
    return {
        "id": v.id, "recording_sid": v.recording_sid, "duration": v.duration, "status": v.status,
        "transcriber": v.transcriber or None, "transcript": v.transcript,
        "service": v.understanding.get("service") if v.understanding else None,
        "error": failures.shown(v.status, v.error, "en") or None,
        "quote": None if quote is None else {
            "status": quote.status, "service": quote.service_id, "body": quote.body,
            "decided_at": quote.decided_at.isoformat() if quote.decided_at else None,
        },
    }
