"""Technician visits: booked by a dispatcher, confirmed by an outbound call (RT-1..RT-5).

Booking a visit fires the flow's `visit_scheduled` callback rules, which place the
confirmation call at their time; the call's `visit` steps write its outcome back here.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.clock import clock
from voicebot.flows.model import Flow
from voicebot.models import Callback, Visit
from voicebot.phones import is_e164
from voicebot.services import callbacks

_WINDOW = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


class VisitError(ValueError):
    """A booking that cannot be made, with the reason to show the dispatcher."""


def parse_window(text: str, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """'2026-11-23 10:00-12:00' in the flow's zone -> aware start and end."""
    match = _WINDOW.match(text)
    if match is None:
        raise VisitError(f"expected a window like 2026-11-23 10:00-12:00 (got {text!r})")
    zone = ZoneInfo(timezone)
    try:
        day = dt.date.fromisoformat(match[1])
        start, end = (dt.datetime.combine(day, dt.time.fromisoformat(t.zfill(5)), zone)
                      for t in (match[2], match[3]))
    except ValueError as exc:
        raise VisitError(f"{text!r} is not a real date and time: {exc}") from None
    if end <= start:
        raise VisitError(f"the window {text!r} ends before it starts")
    return start, end


def book(app: Flask, flow: Flow, *, phone: str, window: str, client_name: str = "",
         address: str = "") -> tuple[Visit, list[Callback]]:
    """Record a visit and schedule its confirmation calls."""
    if not flow.rules("visit_scheduled"):
        raise VisitError(f"flow {flow.id!r} has no callbacks rule on visit_scheduled: "
                         "nothing would call the client")
    if not is_e164(phone):
        raise VisitError(f"expected the client's number in E.164, like +79005550123 (got {phone!r})")
    start, end = parse_window(window, flow.timezone)
    now = clock(app).now()
    if end <= now:
        raise VisitError(f"the window {window!r} is already over")
    with app.app_context(), db.session_scope(app) as session:
        visit = Visit(flow_id=flow.id, phone=phone, client_name=client_name, address=address,
                      window_start=start, window_end=end, created_at=now, updated_at=now)
        session.add(visit)
        session.flush()
        fired = callbacks.visit_scheduled(session, flow, visit, now)
        session.flush()
        session.expunge_all()
    return visit, fired


def of(session: Session, visit_id: int) -> Visit | None:
    """The visit a confirmation call is about, if it still exists."""
    return session.get(Visit, visit_id)


def record_outcome(visit: Visit, status: str, *, note: str | None, adult_contact: str | None,
                   no_entry: bool | None) -> None:
    """What the confirmation call learnt (RT-1, RT-2, RT-4); a note said twice is kept once."""
    visit.status = status
    if note is not None:
        line = note.strip()
        visit.note = f"{visit.note}\n{line}".strip() if line not in visit.note else visit.note
    if adult_contact is not None:
        visit.adult_contact = adult_contact
    if no_entry is not None:
        visit.no_entry = no_entry
