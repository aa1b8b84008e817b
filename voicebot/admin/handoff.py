"""The hand-off view (OM-12): what happened since a chosen time, and what is still open, for
the dispatcher who takes over. A number search shows one caller's whole history instead.

Every list is one query with a limit, newest first, on indexed columns where the schema has
them; the calls page by key (`before`), so the view costs the same with 10,000 calls or 1M.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import MultiDict

from voicebot import db, journal, notes, phones
from voicebot.admin import conversations as desk_texts
from voicebot.admin import i18n, naming
from voicebot.admin.blueprint import bp
from voicebot.admin.formatting import desk_zone
from voicebot.admin.tickets import NOT_CLOSED
from voicebot.clock import clock
from voicebot.compiler.registry import registry
from voicebot.language import failures
from voicebot.models import (
    Call,
    Callback,
    Conversation,
    Email,
    Message,
    Quote,
    Ticket,
    Visit,
    Voicemail,
)
from voicebot.phones import mask
from voicebot.services import callbacks as callback_rules
from voicebot.services import conversations as text_work
from voicebot.services import messages as message_work

PAGE = 50
LIST_LIMIT = 100
QUICK_HOURS = (1, 8, 12, 24, 72, 168)
DEFAULT_HOURS = 24


@dataclass(frozen=True)
class Filters:
    since: dt.datetime
    hours: int | None
    """The quick choice the since time came from, if any."""
    line: str
    outcome: str
    number: str
    typed_number: str
    before: int | None
    problem: str | None = None
    """Why part of the query was not understood (shown to the dispatcher, never dropped)."""

    @property
    def history(self) -> bool:
        """A number search: that caller's whole history, whatever the time."""
        return bool(self.number)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments that keep these filters, for links."""
        out: dict[str, Any] = {"line": self.line, "outcome": self.outcome,
                               "number": self.typed_number}
        if self.hours is not None:
            out["hours"] = self.hours
        else:
            out["since"] = self.since.astimezone(desk_zone()).strftime("%Y-%m-%dT%H:%M")
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", None)}


def parse_filters(args: MultiDict[str, str], now: dt.datetime,
                  ours: Sequence[str] = ()) -> Filters:
    """The page's filters from its query. `ours`: numbers of the desk's lines, by whose
    countries a number typed without its country code is read."""
    problem = None
    hours: int | None = DEFAULT_HOURS
    since = now - dt.timedelta(hours=DEFAULT_HOURS)
    raw_since = args.get("since", "").strip()
    if raw_since:
        try:
            moment = dt.datetime.fromisoformat(raw_since)
        except ValueError:
            problem = "since"
        else:
            since = moment if moment.tzinfo else moment.replace(tzinfo=desk_zone())
            hours = None
    elif args.get("hours", "").isdigit():
        hours = max(1, int(args["hours"]))
        since = now - dt.timedelta(hours=hours)
    typed = args.get("number", "").strip()
    number = _searched(typed, ours) if typed else ""
    if typed and not number:
        problem = "number"
    before = args.get("before", "")
    return Filters(since=since, hours=hours, line=args.get("line", "").strip(),
                   outcome=args.get("outcome", "").strip(), number=number, typed_number=typed,
                   before=int(before) if before.isdigit() else None, problem=problem)


def _searched(typed: str, ours: Sequence[str]) -> str:
    """The caller a dispatcher looks up, as the journal stores numbers: '8 916 555-01-23' on
    a desk of Russian lines, '(503) 555-0137' on a US one. A national number that would be a
    different caller in two of the lines' countries is refused (the page asks for the
    country code) rather than shown as one of them."""
    readings = {phones.read(typed, line) for line in ours} - {""}
    if not ours:
        readings = {phones.read(typed)} - {""}
    return readings.pop() if len(readings) == 1 else ""


def collect(session: Session, f: Filters) -> dict[str, Any]:
    """Everything the hand-off page shows, in a fixed number of queries."""
    since = None if f.history else f.since
    cursor = None
    if f.before is not None:
        at = session.scalar(select(Call.started_at).where(Call.id == f.before))
        cursor = (at, f.before) if at is not None else None
    calls = journal.entries(session, current_app.extensions["voicebot.flows"], since=since,
                            number=f.number or None, flow_id=f.line or None,
                            outcome=f.outcome or None, before=cursor, limit=PAGE + 1)
    shown = calls[:PAGE]
    return {
        "calls": shown,
        "notes": _notes(session, [c["id"] for c in shown]),
        "older": calls[PAGE - 1]["id"] if len(calls) > PAGE else None,
        "outcomes": _outcome_counts(session, f, since),
        "tickets": _tickets(session, f),
        "callbacks": _callbacks(session, f),
        "voicemails": _voicemails(session, f, since),
        "messages": _messages(session, f, since),
        "visits": _visits(session, f) if f.history else [],
        "conversations": _conversations(session, f) if f.history else [],
    }


def _conversations(session: Session, f: Filters) -> list[tuple[Conversation, list[Message]]]:
    """A caller's SMS conversations, each with its thread, in their history."""
    found = text_work.listing(session, status="all", line=f.line, phone=f.number)
    return [(c, text_work.thread(session, c)) for c, _last in found]


def _notes(session: Session, ids: list[int]) -> dict[int, str]:
    """Each call's note written in the desk's language from its events (the stored note is
    in English, for `voicebot journal`)."""
    query = select(Call).options(selectinload(Call.events)).where(Call.id.in_(ids))
    return {call.id: naming.note(call) for call in session.scalars(query)}


def _outcome_counts(session: Session, f: Filters, since: dt.datetime | None) -> list[tuple[str, int]]:
    query = select(Call.outcome, func.count()).group_by(Call.outcome)
    if since is not None:
        query = query.where(Call.started_at >= since)
    if f.line:
        query = query.where(Call.flow_id == f.line)
    if f.number:
        query = query.where(journal.by_number(Call.id, (Call.from_number, Call.to_number), f.number))
    return sorted(((str(o), int(n)) for o, n in session.execute(query)), key=lambda r: -r[1])


def _tickets(session: Session, f: Filters) -> list[Ticket]:
    """Open tickets (every ticket of a searched number), urgent first, then by due time."""
    query = select(Ticket).options(selectinload(Ticket.comments))
    query = query.where(Ticket.phone == f.number) if f.history else query.where(Ticket.status.in_(NOT_CLOSED))
    if f.line:
        query = query.where(Ticket.flow_id == f.line)
    query = query.order_by(Ticket.status.desc(), Ticket.urgent.desc(), Ticket.due_at.is_(None),
                           Ticket.due_at, Ticket.id.desc())
    return list(session.scalars(query.limit(LIST_LIMIT)))


def _callbacks(session: Session, f: Filters) -> list[Callback]:
    query = select(Callback).options(selectinload(Callback.attempts))
    if f.history:
        query = query.where(Callback.phone == f.number).order_by(Callback.id.desc())
    else:
        query = query.where(Callback.status.in_(callback_rules.OPEN)).order_by(
            Callback.next_at.is_(None), Callback.next_at, Callback.id)
    if f.line:
        query = query.where(Callback.flow_id == f.line)
    return list(session.scalars(query.limit(LIST_LIMIT)))


def _voicemails(session: Session, f: Filters,
                since: dt.datetime | None) -> list[tuple[Voicemail, Quote | None, Email | None]]:
    query = (select(Voicemail, Quote, Email)
             .outerjoin(Quote, Quote.voicemail_id == Voicemail.id)
             .outerjoin(Email, Email.voicemail_id == Voicemail.id))
    if since is not None:
        query = query.where(Voicemail.created_at >= since)
    if f.line:
        query = query.where(Voicemail.flow_id == f.line)
    if f.number:
        query = query.where(Voicemail.from_number == f.number)
    query = query.order_by(Voicemail.created_at.desc(), Voicemail.id.desc()).limit(LIST_LIMIT)
    return [(vm, quote, email) for vm, quote, email in session.execute(query)]


def _messages(session: Session, f: Filters, since: dt.datetime | None) -> list[Message]:
    query = select(Message)
    if since is not None:
        query = query.where(Message.created_at >= since)
    if f.line:
        query = query.where(Message.flow_id == f.line)
    if f.number:
        query = query.where(journal.by_number(Message.id, (Message.from_number, Message.to_number),
                                              f.number))
    query = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(LIST_LIMIT)
    return list(session.scalars(query))


def _visits(session: Session, f: Filters) -> list[Visit]:
    query = select(Visit).where(Visit.phone == f.number).order_by(Visit.window_start.desc())
    return list(session.scalars(query.limit(LIST_LIMIT)))


@bp.get("/")
def handoff() -> ResponseReturnValue:
    now = clock().now()
    flows = registry().flows()
    chosen = request.args.get("line", "").strip()
    ours = [message_work.line_number(flow) for flow in flows if not chosen or flow.id == chosen]
    filters = parse_filters(request.args, now, [n for n in ours if n])
    if filters.number:
        current_app.logger.info("desk: %s looked up %s", g.desk_user, mask(filters.number))
    data = collect(db.session(), filters)
    return render_template("admin/handoff.html", f=filters, now=now, quick_hours=QUICK_HOURS,
                           lines=[flow.id for flow in flows],
                           outcome_names=sorted(notes.OUTCOMES["en"]), trouble=_trouble,
                           delivery=desk_texts.delivery, segments=message_work.segments, **data)


def _trouble(vm: Voicemail) -> str:
    """Why a voicemail waits for a person, in the desk's language; never the stored details."""
    return failures.shown(vm.status, vm.error, i18n.language())
