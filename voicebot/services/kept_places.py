"""Kept places (issue 18, item 2; Amazon Connect's queued callback): a caller in a long queue
presses the `keep_place` key and hangs up; their queue row keeps its place, so callers who
came later do not go ahead. When a staff member takes the next caller (`answer_queue`) and
that is the kept place, the staff member is held and voicebot calls the caller back; when
the caller answers, they hear why we call and are put through to the staff member waiting.

Not reached (no answer, busy, a machine, a failed call): the place waits `spacing`, outside
the quiet hours, for the next staff member, up to `attempts` calls; then a ticket for a
person. Every call is a `Dial` row keyed by the place and its attempt, and every change of
the place is a conditional update, so two staff members, a job run twice, and duplicate or
late status callbacks never dial twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.clock import clock
from voicebot.db import rowcount
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.model import Flow, KeepPlace
from voicebot.jobs import enqueue, job
from voicebot.language import inflect
from voicebot.models import Call, Dial, EventKind, QueueEntry, Ticket
from voicebot.services import calls, messages, queue, tickets
from voicebot.telephony import telephony

log = logging.getLogger("voicebot.kept_places")

KEPT, CALLING, CONNECTING = "kept", "calling", "connecting"
CALLED_BACK, NOT_REACHED, DRY_RUN = "called-back", "not-reached", "dry-run"
PLACE_VAR = "kept_place"
"""The variable an outbound call back carries: the id of the place it is for."""
CONNECTED = "connected"
"""The journal line (`KEPT_CALL`, `what`) of a caller put through to the staff member by the
call back; one who answered and hung up before that is `answered`. The reports read it."""
DIALS_KEY = "voicebot.kept_places.dials"
"""Session info key: call backs written in the open transaction, placed once it commits."""


def settings(flow: Flow | None, entry: QueueEntry) -> KeepPlace | None:
    """The `keep_place` of the queue state the place was kept in (read when acted on, as
    callback rules are: an edited flow's attempts and quiet hours apply)."""
    step = flow.states.get(entry.kept_state) if flow is not None else None
    found = getattr(step, "keep_place", None)
    return found if isinstance(found, KeepPlace) else None


def hold_queue(entry: QueueEntry) -> str:
    """The Twilio queue the staff member waits in while their caller is called back."""
    return f"{entry.flow_id}.{entry.queue}.kept{entry.id}"


# -- the caller keeps their place ------------------------------------------------------------
def keep(session: Session, call: calls.CallView, state: str, now: dt.datetime) -> bool:
    """The caller pressed the key: their place is kept for a call back to their number.
    False when they are no longer waiting (a staff member took them a moment before)."""
    kept = rowcount(session.execute(
        update(QueueEntry)
        .where(QueueEntry.call_id == call.id, QueueEntry.left_at.is_(None),
               QueueEntry.kept_at.is_(None))
        .values(kept_at=now, kept_number=call.from_number, kept_state=state, result=KEPT,
                attempts=0)
    ))
    if kept:
        calls.events(session, [calls.line(call, now, EventKind.QUEUE_KEPT, call.from_number,
                                          state=state)])
    return bool(kept)


def kept_number(session: Session, call_id: int) -> str | None:
    """The number a kept place is to be called back at; None if the call kept no place."""
    return session.scalar(select(QueueEntry.kept_number).where(
        QueueEntry.call_id == call_id, QueueEntry.kept_at.is_not(None)))


# -- a staff member takes the next caller ---------------------------------------------------
@dataclass(frozen=True)
class Taken:
    entry: QueueEntry
    dial: Dial | None
    """The call back placed for a kept place; None for a caller on the line."""


def take_next(session: Session, flow: Flow, queue: str, now: dt.datetime,
              staff: calls.CallView) -> Taken | None:
    """The caller a staff member takes next: highest priority, then arrival, whether on the
    line or a kept place. A kept place is passed over while its next call is not due or the
    quiet hours hold; taking it claims it (one statement, so a second staff member taking at
    the same moment goes on to the next) and writes its call back."""
    q = QueueEntry
    candidates = session.scalars(
        select(q).where(q.flow_id == flow.id, q.queue == queue, q.left_at.is_(None),
                        q.result.not_in((CALLING, CONNECTING)))
        .order_by(q.priority.desc(), q.enqueued_at, q.id).limit(50)
    ).all()
    for entry in candidates:
        if entry.kept_at is None:
            if rowcount(session.execute(
                    update(q).where(q.id == entry.id, q.left_at.is_(None))
                    .values(left_at=now, result="answering"))):
                session.refresh(entry)
                return Taken(entry, None)
            continue
        keep_place = settings(flow, entry)
        if keep_place is None or (entry.next_try_at is not None and entry.next_try_at > now) \
                or keep_place.quiet(flow.timezone, now):
            continue
        number = entry.attempts + 1
        if rowcount(session.execute(
                update(q).where(q.id == entry.id, q.result == KEPT, q.attempts == entry.attempts)
                .values(result=CALLING, attempts=number, held_by=staff.id, next_try_at=None))):
            session.refresh(entry)
            return Taken(entry, _call_back(session, flow, entry, keep_place, number, now))
    return None


def _call_back(session: Session, flow: Flow, entry: QueueEntry, keep_place: KeepPlace,
               number: int, now: dt.datetime) -> Dial:
    caller = calls.of(session, entry.call_id)
    [dial] = calls.dials(session, [{
        "dedupe_key": f"kept{entry.id}:call{number}", "flow_id": flow.id,
        "entry": entry.kept_state, "to_number": entry.kept_number,
        "from_number": messages.line_number(flow, caller), "callback_id": None,
        "attempt": number, "vars": {PLACE_VAR: str(entry.id)}}])
    if caller is not None:
        _journal(caller, now, "calling", attempt=number, of=keep_place.attempts,
                 when=now.isoformat())
    session.info.setdefault(DIALS_KEY, []).append(dial.id)
    return dial


def held_for(session: Session, staff_call_id: int) -> QueueEntry | None:
    """The kept place a staff member's call is on hold for, while it is being called back."""
    return session.scalar(select(QueueEntry).where(
        QueueEntry.held_by == staff_call_id, QueueEntry.result.in_((CALLING, CONNECTING)))
        .order_by(QueueEntry.id.desc()).limit(1))


def last_held(session: Session, staff_call_id: int) -> QueueEntry | None:
    """The kept place a staff member's call was last held for, whatever came of it."""
    return session.scalar(select(QueueEntry).where(QueueEntry.held_by == staff_call_id)
                          .order_by(QueueEntry.id.desc()).limit(1))


def staff_left(session: Session, staff_call_id: int) -> None:
    """The staff member hung up while on hold: nobody waits for the caller any more."""
    session.execute(update(QueueEntry).where(QueueEntry.held_by == staff_call_id,
                                             QueueEntry.result.in_((CALLING, CONNECTING)))
                    .values(held_by=None))


# -- the caller answers the call back -------------------------------------------------------
def answered(session: Session, entry_id: int) -> str | None:
    """The caller picked up: the Twilio queue their staff member waits in, or None when the
    staff member is gone (or the place is no longer being called)."""
    moved = rowcount(session.execute(
        update(QueueEntry).where(QueueEntry.id == entry_id, QueueEntry.result == CALLING,
                                 QueueEntry.held_by.is_not(None))
        .values(result=CONNECTING)))
    entry = session.get(QueueEntry, entry_id)
    if not moved or entry is None:
        return None
    session.refresh(entry)
    return hold_queue(entry)


def connected(session: Session, entry_id: int, now: dt.datetime, *,
              put_through: bool = True) -> None:
    """Caller and staff member were put through (or the caller answered and hung up before
    that): the place is served. Once, whichever leg reports it first."""
    if rowcount(session.execute(
            update(QueueEntry).where(QueueEntry.id == entry_id,
                                     QueueEntry.result.in_((CALLING, CONNECTING)))
            .values(result=CALLED_BACK, left_at=now))):
        entry = session.get(QueueEntry, entry_id)
        caller = calls.of(session, entry.call_id) if entry is not None else None
        if caller is not None:
            _journal(caller, now, CONNECTED if put_through else "answered")


def not_put_through(session: Session, entry_id: int) -> None:
    """The caller answered, but nobody was there to put them through (the staff member hung
    up on hold): the call counts as not reaching them, so they are called again."""
    session.execute(update(QueueEntry).where(QueueEntry.id == entry_id,
                                             QueueEntry.result == CONNECTING)
                    .values(result=CALLING))


# -- how a call back ended ------------------------------------------------------------------
def dial_finished(session: Session, dial: Dial, status: str, now: dt.datetime) -> None:
    """A call back ended. Reached means answered by a person who heard why we call (put
    through, `connected`, as the call itself reports); anything else is a try that did not
    reach them: the next one `spacing` later,
    out of the quiet hours, or after the last a ticket. Acts once per attempt, whatever
    Twilio repeats or reports late."""
    place = dial.vars.get(PLACE_VAR)
    entry = session.get(QueueEntry, int(place)) if place else None
    if entry is None or entry.result not in (CALLING, CONNECTING) \
            or entry.attempts != dial.attempt:
        return
    machine = dial.answered_by.startswith(("machine", "fax"))
    if status == "completed" and not machine and entry.result == CONNECTING:
        # They answered and heard why we call: reached, even if they hung up before the
        # staff member was on (and even if this report overtook the call's own).
        connected(session, entry.id, now, put_through=False)
        session.commit()
        return
    flow = flow_or_none(entry.flow_id)
    keep_place = settings(flow, entry)
    caller = calls.of(session, entry.call_id)
    why = "machine" if machine else status
    if status == DRY_RUN:
        result, following = DRY_RUN, None
    elif flow is not None and keep_place is not None and dial.attempt < keep_place.attempts:
        result = KEPT
        following = keep_place.after_quiet(flow.timezone, now + keep_place.spacing)
    else:
        result, following = NOT_REACHED, None
    moved = rowcount(session.execute(
        update(QueueEntry).where(QueueEntry.id == entry.id,
                                 QueueEntry.result.in_((CALLING, CONNECTING)),
                                 QueueEntry.attempts == dial.attempt)
        .values(result=result, next_try_at=following,
                left_at=None if result == KEPT else now)))
    if not moved:
        return
    session.refresh(entry)
    if caller is not None:
        if result == KEPT:
            _journal(caller, now, "retry", status=why, next=following.isoformat()
                     if following else None)
        elif result == DRY_RUN:
            _journal(caller, now, "dry-run")
        else:
            ticket = _ticket(session, flow, entry, caller, now)
            _journal(caller, now, "ticket", status=why, of=dial.attempt,
                     ticket=ticket.id if ticket else None)
    session.commit()


TICKET_TEXT = {
    "en": "Call back {number}: they kept their place in the queue and did not answer our "
          "{calls}.",
    "ru": "Перезвонить абоненту {number}. Абонент сохранил место в очереди и не ответил на "
          "{calls}.",
}


def calls_said(count: int, lang: str) -> str:
    """"our call", "our 2 calls"; Russian after «на» in the accusative: "1 звонок",
    "2 звонка", "5 звонков"."""
    if lang != "ru":
        return "call" if count == 1 else f"{count} calls"
    return f"{count} {inflect.count_form(count, 'звонок', 'звонка', 'звонков')}"


def _ticket(session: Session, flow: Flow | None, entry: QueueEntry, caller: Call,
            now: dt.datetime) -> Ticket | None:
    keep_place = settings(flow, entry)
    lang = "ru" if flow is not None and flow.language.lower().startswith("ru") else "en"
    text = TICKET_TEXT[lang].format(number=entry.kept_number,
                                    calls=calls_said(entry.attempts, lang))
    return tickets.open(session, flow, flow_id=entry.flow_id, key=f"kept{entry.id}:ticket",
                        kind="callback", text=text, phone=entry.kept_number, call_id=caller.id,
                        assign_role=(keep_place.assign or None) if keep_place else None,
                        due_at=now, now=now)


def _journal(caller: Call, now: dt.datetime, what: str, **data: object) -> None:
    """A line in the journal of the call that kept the place: the dispatcher reading it
    sees when it was called back and how that went."""
    calls.add_event(caller, now, EventKind.KEPT_CALL, what, what=what, **data)


# -- the desk -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listed:
    entry: QueueEntry
    position: int | None
    """Its place in line while it waits; None once it is over."""
    attempts_allowed: int


def listing(session: Session, *, pending: bool, limit: int = 50) -> list[Listed]:
    """Kept places for the desk: those still waiting for their call back, by place, or the
    finished ones, newest first."""
    q = QueueEntry
    query = select(q).where(q.kept_at.is_not(None))
    query = (query.where(q.left_at.is_(None)).order_by(q.flow_id, q.queue, q.priority.desc(),
                                                       q.enqueued_at)
             if pending else query.where(q.left_at.is_not(None)).order_by(q.left_at.desc()))
    rows = []
    for entry in session.scalars(query.limit(limit)):
        keep_place = settings(flow_or_none(entry.flow_id), entry)
        rows.append(Listed(entry, queue.position(session, entry) if pending else None,
                           keep_place.attempts if keep_place else entry.attempts))
    return rows


# -- placing the calls ----------------------------------------------------------------------
def init_app(app: Flask) -> None:
    factory = db.sessions(app)

    def after_commit(session: Session) -> None:
        ids: list[int] = session.info.pop(DIALS_KEY, [])
        if ids:
            try:
                enqueue(app, place, ids, key=f"kept-dial-{ids[0]}")
            except Exception:
                # The row is the outbox: the callbacks sweep places a pending dial it finds.
                log.exception("call backs %s: could not hand them to the worker", ids)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _t: s.info.pop(DIALS_KEY, None))


@job
def place(app: Flask, dial_ids: list[int]) -> None:
    """The worker's job: place each call back still pending (claimed first, so it is placed
    once however often this runs). A call Twilio refused, or a dry run, ends here."""
    tel = telephony(app)
    now = clock(app).now()
    with db.session_scope(app) as session:
        for dial_id in dial_ids:
            dial = tel.place_call(app, session, dial_id)
            if dial.status in ("failed", DRY_RUN):
                dial_finished(session, dial, dial.status, now)
