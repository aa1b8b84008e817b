"""Calls and their journal: the call row a webhook turn works on, each line of its path
(`CallEvent`), its end, and the outbound dials voicebot places (`Dial`, the outbox of calls).

A turn works on its call as a `CallRow` on SQLAlchemy Core (issue 15): read (or created) with
one statement, changed in memory, written back with one UPDATE of what changed (`save`), its
journal lines in one INSERT run for all of them (`events`). No ORM object, identity map or unit of work
on the webhook path; the desk, the CLI and the jobs keep the ORM (`find`, `Call`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Table, bindparam, column, func, insert, select, update
from sqlalchemy.orm import Session, object_session

from voicebot import db
from voicebot.flows.model import Flow
from voicebot.models import Call, CallEvent, CallOutcome, CallStatus, Dial, EventKind, UTCDateTime
from voicebot.telephony import CALL_ORDER, forward

CALLS = cast(Table, Call.__table__)
EVENTS = cast(Table, CallEvent.__table__)
"""The journal's table, for turns that write their lines as rows (`events`)."""
_AT = cast(UTCDateTime, EVENTS.c.at.type)


class CallView(Protocol):
    """What the services read of a call, from a turn's `CallRow` or an ORM `Call` alike."""

    @property
    def id(self) -> int: ...
    @property
    def sid(self) -> str: ...
    @property
    def flow_id(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def from_number(self) -> str: ...
    @property
    def to_number(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def inputs(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def vars(self) -> dict[str, Any]: ...
    @property
    def last_twiml(self) -> str: ...
    @property
    def party(self) -> str: ...


@dataclasses.dataclass(eq=False, slots=True)
class CallRow:
    """A call's row as a turn works on it: the columns of `Call`, plain attributes."""

    id: int
    sid: str
    flow_id: str
    flow_digest: str
    direction: str
    from_number: str
    to_number: str
    status: str
    state: str
    turn: int
    retries: int
    inputs: int
    vars: dict[str, Any]
    last_twiml: str
    outcome: str
    note: str
    flagged: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration: int | None
    recording_sid: str | None
    recording_url: str
    saved: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    """The columns as the database holds them, so `save` writes only what the turn changed
    (a column it did not touch, such as the note, is never written back stale)."""

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def party(self) -> str:
        """The client's number: who called us, or whom we called."""
        return self.from_number if self.direction == "inbound" else self.to_number

    def columns(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in COLUMNS}
        # `vars` copied: a JSON value changed in place must still count as changed.
        values["vars"] = dict(self.vars)
        return values


COLUMNS = tuple(column.name for column in CALLS.columns)
assert tuple(f.name for f in dataclasses.fields(CallRow) if f.name != "saved") == COLUMNS, \
    "CallRow must have exactly the columns of calls, in their order (a row is read by position)"

OPENED = ("sid", "flow_id", "flow_digest", "direction", "from_number", "to_number",
          "started_at", "vars")
"""The columns a new call's INSERT is given; the others take their defaults."""
LINE = ("call_id", "at", "state", "kind", "text", "data")
"""A journal line's columns, as `line` makes them."""

ROWS = "voicebot.call_rows"
"""`Session.info` key: the calls this transaction's turn holds as rows, by id."""


def _row(session: Session, found: tuple[Any, ...] | None) -> CallRow | None:
    if found is None:
        return None
    row = CallRow(*found)
    row.saved = row.columns()
    session.info.setdefault(ROWS, {})[row.id] = row
    return row


# A turn's statements, compiled once and run on the driver (`db.DriverStatement`): building
# and caching a statement, and SQLAlchemy's execution and result around it, cost more than
# the driver's round trip on this path (issue 15). Values are given as they run.
_LOCK = db.DriverStatement(select(CALLS).where(CALLS.c.sid == bindparam("call_sid"))
                           .with_for_update(), returns=tuple(CALLS.columns))
_OPEN = {dialect: db.DriverStatement(db.insert_returning(dialect, CALLS, "sid"),
                                     keys=OPENED, returns=tuple(CALLS.columns))
         for dialect in ("postgresql", "sqlite")}
_UPDATES: dict[frozenset[str], db.DriverStatement] = {}
"""By the columns a turn changed (a handful of sets): the SET clause names them."""
_INSERT_EVENTS = db.DriverStatement(insert(EVENTS), keys=LINE)
_LINES = func.json_to_recordset(bindparam("lines", type_=JSON)).table_valued(
    *(column(name, EVENTS.c[name].type) for name in LINE)).render_derived(name="line",
                                                                          with_types=True)
_INSERT_EVENTS_FROM_JSON = db.DriverStatement(
    insert(EVENTS).from_select(list(LINE), select(*(_LINES.c[name] for name in LINE))))
"""PostgreSQL: a turn's journal lines as one JSON document, one statement (`events`)."""


def _update(changed: frozenset[str]) -> db.DriverStatement:
    statement = _UPDATES.get(changed)
    if statement is None:
        statement = _UPDATES[changed] = db.DriverStatement(
            update(CALLS).where(CALLS.c.id == bindparam("call_id")), keys=sorted(changed))
    return statement


def lock(session: Session, sid: str) -> CallRow | None:
    """The call Twilio names `sid`, as a row locked until the commit (SELECT ... FOR UPDATE;
    on SQLite the webhook's BEGIN IMMEDIATE, `db.serialise`): a turn's one read."""
    return _row(session, _LOCK.execute(db.connection(session), {"call_sid": sid}))


def open(session: Session, flow: Flow, *, sid: str, from_: str, to: str, now: dt.datetime,
         direction: str = "inbound", variables: dict[str, Any] | None = None) -> CallRow | None:
    """A call the flow answers (or, outbound, that it placed and was answered), created in
    the session's transaction with INSERT ... ON CONFLICT (sid) DO NOTHING RETURNING (one
    round trip), for its first turn to commit with everything else it writes: one commit per
    webhook, each a disk flush the caller waits through (issue 15). None when a row with
    this SID exists: a copy of the webhook, which replays the first delivery's answer (a copy
    at the same moment waits on the unique index until the first commits)."""
    connection = db.connection(session)
    return _row(session, _OPEN[connection.dialect.name].execute(
        connection,
        {"sid": sid, "flow_id": flow.id, "flow_digest": flow.digest, "direction": direction,
         "from_number": from_, "to_number": to, "started_at": now,
         "vars": dict(variables or {})}))


def save(session: Session, call: CallRow) -> None:
    """Write what the turn changed of the call: one UPDATE, or nothing."""
    now = call.columns()
    changed = {name: value for name, value in now.items() if value != call.saved[name]}
    if changed:
        _update(frozenset(changed)).execute(db.connection(session), {"call_id": call.id, **changed})
        call.saved = now


def left_message(session: Session, call_id: int) -> None:
    """A caller left a message after the apology (the fallback's recording): the call's
    outcome, whichever way it was loaded."""
    session.execute(update(CALLS).where(CALLS.c.id == call_id)
                    .values(outcome=CallOutcome.VOICEMAIL))


def current(session: Session, call_id: int) -> CallView | None:
    """The call as this transaction sees it: the turn's own row, with what the turn has
    changed so far, when a turn holds it; else as the database has it."""
    held: CallRow | None = session.info.get(ROWS, {}).get(call_id)
    return held if held is not None else session.get(Call, call_id)


def find(session: Session, sid: str) -> Call | None:
    """The call Twilio names `sid`, to read (or, off the turn path, to change by the ORM)."""
    return session.scalar(select(Call).where(Call.sid == sid))


def of(session: Session, call_id: int | None) -> Call | None:
    return session.get(Call, call_id) if call_id is not None else None


def journal_closed(session: Session, flow: Flow | None, *, sid: str, from_: str, to: str,  # noqa: PLR0913  a call row's fields, by keyword
                   outcome: str, now: dt.datetime, answer: str = "", flagged: str = "") -> Call:
    """Every call leaves a record, even one no flow ran: to a number the line is not set up
    for (the dispatcher should see people dial it), or answered by the fallback URL."""
    call = Call(sid=sid, flow_id=flow.id if flow else "", from_number=from_, to_number=to,
                started_at=now, ended_at=now, outcome=outcome, last_twiml=answer, flagged=flagged)
    session.add(call)
    session.flush()
    return call


def last_event_data(session: Session, call: CallView, kind: str) -> dict[str, Any] | None:
    """The data of the call's latest journal line of `kind` (this turn's included)."""
    session.flush()
    data = session.scalar(select(CallEvent.data).where(CallEvent.call_id == call.id,
                                                       CallEvent.kind == kind)
                          .order_by(CallEvent.id.desc()).limit(1))
    return dict(data) if data is not None else None


def whisper_answered(session: Session, call: CallView, now: dt.datetime, *, state: str,
                     turn: int, member: str, taken: bool) -> None:
    """A staff member who heard a transfer's whisper took the call (1) or passed it on.
    Written for the dial of exchange `turn`, which the dial's result then reads; once, however
    often Twilio repeats the webhook."""
    said = {"turn": turn, "member": member, "taken": taken}
    if said in _whispers(session, call):
        return
    events(session, [line(call, now, EventKind.WHISPER, "taken" if taken else "passed",
                          state=state, **said)])


def whisper_taken(session: Session, call: CallView, turn: int) -> bool:
    """Whether someone pressed 1 on the whisper of exchange `turn`'s dial."""
    return any(d.get("turn") == turn and d.get("taken") for d in _whispers(session, call))


def _whispers(session: Session, call: CallView) -> list[dict[str, Any]]:
    return [dict(d) for d in session.scalars(select(CallEvent.data).where(
        CallEvent.call_id == call.id, CallEvent.kind == EventKind.WHISPER))]


def event(session: Session, call: Call, at: dt.datetime, kind: str, text: str = "",
          state: str | None = None, **data: Any) -> None:
    """One line of the call's path, written during a turn. Set from the event's side, the
    call's event list is not loaded from the database (a query per webhook, growing with the
    call) just to append to it."""
    session.add(CallEvent(call=call, at=at, state=call.state if state is None else state,
                          kind=kind, text=text, data=data))


def line(call: CallView, at: dt.datetime, kind: str, text: str = "", state: str | None = None,
         **data: Any) -> dict[str, Any]:
    """One line of the call's path as a row for `events`."""
    return {"call_id": call.id, "at": at, "state": call.state if state is None else state,
            "kind": kind, "text": text, "data": data}


def events(session: Session, rows: list[dict[str, Any]]) -> None:
    """A turn's journal lines (`call_id`, `at`, `state`, `kind`, `text`, `data`), in one
    round trip. On PostgreSQL one INSERT ... SELECT from the lines sent as one JSON document
    (`json_to_recordset`): psycopg's pipelined executemany of six rows cost a webhook more
    CPU than reading and locking its call (440 against 160 us; issue 15). SQLite, in the
    process, runs the INSERT once per line. An ORM object each cost more than the rest of
    the turn's SQLAlchemy work."""
    if not rows:
        return
    connection = db.connection(session)
    if connection.dialect.name == "postgresql":
        stamp = _AT.process_bind_param
        _INSERT_EVENTS_FROM_JSON.execute(connection, {"lines": [
            {**r, "at": stamp(r["at"], connection.dialect).isoformat()}  # type: ignore[union-attr]
            for r in rows]})
    else:
        _INSERT_EVENTS.execute_many(connection, rows)


def add_event(call: Call, at: dt.datetime, kind: str, text: str, **data: Any) -> None:
    """Something that happened after the call (its voicemail transcribed, a quote answered)
    or a callback's line: added without loading the lines before it. The note the next
    dispatcher reads is written from the lines when it is read (journal.note)."""
    session = object_session(call)
    assert session is not None, "the call is not in a session"
    event(session, call, at, kind, text, **data)


def close(call: CallRow, now: dt.datetime, *, status: str | None,
          duration: int | None = None) -> list[dict[str, Any]]:
    """End the call's journal entry; the line it adds, for `events` (with the turn's). Safe
    to call again (a status callback after the flow hung up): the later call only adds what
    it knows, such as the duration."""
    if status is not None:
        call.status = status
    if duration is not None:
        call.duration = duration
    if call.ended_at is not None:
        return []
    call.ended_at = now
    if call.outcome not in (CallOutcome.IN_PROGRESS, CallOutcome.QUEUED):
        return []
    call.outcome = CallOutcome.ABANDONED
    return [line(call, now, EventKind.END, f"caller hung up in {call.state or 'the greeting'}")]


def status_reported(session: Session, call: CallRow, status: str, now: dt.datetime, *,
                    final: bool, duration: int | None) -> None:
    """Twilio's status callback for the call: a line in its journal; a final status ends it."""
    lines = [line(call, now, EventKind.STATUS, status)]
    if final:
        lines += close(call, now, status=status, duration=duration)
    elif call.ended_at is None:
        call.status = status
    events(session, lines)


def recorded(session: Session, call: Call, recording_sid: str, url: str, duration: int,
             now: dt.datetime) -> None:
    """A whole-call recording (TS-10) belongs to the call's record, not to the voicemails.
    Its line is written once, found by kind (not by loading the call's whole journal)."""
    call.recording_sid, call.recording_url = recording_sid, url
    if session.scalar(select(CallEvent.id).where(CallEvent.call_id == call.id,
                                                 CallEvent.kind == EventKind.CALL_RECORDED)
                      .limit(1)) is None:
        add_event(call, now, EventKind.CALL_RECORDED, f"{duration} s", recording_sid=recording_sid)


def states_entered(session: Session, call: CallView) -> list[str]:
    """The flow states the call has been in so far (this turn's included)."""
    return list(session.scalars(
        select(CallEvent.state).where(CallEvent.call_id == call.id,
                                      CallEvent.kind == EventKind.ENTER).distinct()))


def states_of(session: Session, call: CallView, kind: str) -> list[str]:
    """The states of the call's `kind` lines, newest first: asked of the database, so a
    webhook never loads the call's whole journal."""
    return list(session.scalars(select(CallEvent.state).where(
        CallEvent.call_id == call.id, CallEvent.kind == kind).order_by(CallEvent.id.desc())))


def previous_calls(session: Session, call: CallView, flow_id: str) -> int:
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
def dials(session: Session, wanted: list[dict[str, Any]]) -> list[Dial]:
    """Outbound calls, each written once per its `dedupe_key` before it is placed: the rows
    are the outbox. `wanted` holds a dial's fields (`dedupe_key`, `flow_id`, `entry`,
    `to_number`, `from_number`, `callback_id`, `attempt`, `vars`); a batch of callbacks
    writes its calls with one query for the keys already there and one multi-row INSERT."""
    if not wanted:
        return []
    keys = [w["dedupe_key"] for w in wanted]
    found = {d.dedupe_key: d for d in session.scalars(select(Dial).where(Dial.dedupe_key.in_(keys)))}
    new = [Dial(**w) for w in wanted if w["dedupe_key"] not in found]
    session.add_all(new)
    session.flush()
    found.update((d.dedupe_key, d) for d in new)
    return [found[key] for key in keys]


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
