"""Running callbacks: the job that makes attempts, what an outbound call's end means for its
callback, and the sweep that asks Twilio about calls a crash left half-placed.

Every effect has a dedupe key derived from the callback and its attempt number (the dial,
the SMS, the ticket), so running an attempt again after a crash repeats nothing, and every
change of a callback's state is a conditional update, so a duplicated or late status
callback from Twilio changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.clock import clock
from voicebot.db import rowcount
from voicebot.flows import texts
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.hours import is_open, next_open
from voicebot.flows.model import ASSIGNEE, CallbackAction, CallbackRule, Flow
from voicebot.jobs import job
from voicebot.models import Call, Callback, CallbackStatus, Dial, MessagePurpose, Ticket, utcnow
from voicebot.services import calls, kept_places, messages, tickets
from voicebot.services.callbacks import attempt, bring_forward, journal, local_time
from voicebot.telephony import (
    CALL_ORDER,
    FINAL_CALL_STATUSES,
    TWILIO_ERRORS,
    Telephony,
    forward,
    public_url_or_none,
    telephony,
)

log = logging.getLogger("voicebot.callbacks")


def run_now(app: Flask, callback_id: int) -> bool:
    """Run a scheduled callback at once instead of at its time: the clock's next look queues
    it."""
    with db.session_scope(app) as session:
        return bring_forward(session, callback_id, clock(app).now())


EARLY_TOLERANCE = dt.timedelta(seconds=1)
NOT_REACHED = {"busy", "no-answer", "failed", "canceled"}


@job
def run_callbacks(app: Flask, callback_ids: list[int]) -> None:
    """Make the next attempt of each callback of the batch that is still due.

    The batch is claimed with one statement and its attempts made in one transaction, which
    also claims the calls and SMS they wrote (`dialing`, `sending`): once it commits they are
    this worker's to send, and a worker that dies before it leaves every callback `queued`
    for the engine to run the job again. Then Twilio gets the batch's calls and SMS at once
    (`Telephony.place_claimed`, `send_claimed`) and its answers are written in one more
    commit; a crash in between leaves dials `dialing` and SMS `sending`, which the sweep asks
    Twilio about before placing or sending anything again. A callback another job has moved
    on is not claimed. An attempt that raises rolls the batch back, and the batch is made
    again one callback a transaction: the others go ahead, and the job fails after them so
    the engine runs it again (those done by then are not claimed again)."""
    now = clock(app).now()
    tel = telephony(app)
    failed: list[int] = []
    with db.session_scope(app) as session:
        messages.send_here(session)
        try:
            dials, outbox = _attempts(app, session, callback_ids, now)
        except Exception:
            session.rollback()
            log.warning("callbacks %s: an attempt failed; making them one at a time", callback_ids)
            dials, outbox = [], []
            for callback_id in callback_ids:
                try:
                    one = _attempts(app, session, [callback_id], now)
                except Exception:
                    session.rollback()
                    log.exception("callback %s: the attempt failed", callback_id)
                    failed.append(callback_id)
                    continue
                dials += one[0]
                outbox += one[1]
        for dial in tel.place_claimed(app, session, dials):
            if dial.status in ("failed", "dry-run"):
                # No status callback will ever come: what Twilio refused counts as not
                # reached; a dry run counts as done, nothing having been sent.
                dial_finished(session, dial, dial.status, now)
        tel.send_claimed(session, outbox, public_url_or_none(app, "twilio.sms_status"))
    if failed:
        raise RuntimeError(f"callbacks {failed}: the attempt failed (see above); the job runs again")


def _attempts(app: Flask, session: Session, callback_ids: list[int],
              now: dt.datetime) -> tuple[list[int], list[int]]:
    """Claim those of `callback_ids` still due, make their attempts, claim the dials and SMS
    they wrote, and commit: the dials and SMS this worker now sends."""
    claimed = _claim(session, callback_ids, now)
    # The calls and tickets the attempts read, in two queries rather than one each; `held`
    # keeps them in the session's identity map (it holds rows weakly) for the attempts.
    held: list[Any] = []
    for model, ids in ((Call, {c.call_id for c in claimed}), (Ticket, {c.ticket_id for c in claimed})):
        present = [i for i in ids if i is not None]
        if present:
            held += session.scalars(select(model).where(model.id.in_(present))).all()
    calling = [wanted for callback in claimed if (wanted := _attempt(session, callback, now))]
    written = calls.dials(session, [fields for _, _, fields in calling])
    for (callback, rule, _), dial in zip(calling, written, strict=True):
        journal(session, callback, f"{rule.id}: calling {callback.phone} (attempt {dial.attempt} "
                                   f"of {callback.max_attempts})", now, result="calling",
                dial_id=dial.id)
    tel = telephony(app)
    dials = tel.claim_dials(session, [dial.id for dial in written])
    outbox = tel.claim(session, session.info.pop(messages.OUTBOX_KEY, []))
    session.commit()
    return dials, outbox


def _claim(session: Session, callback_ids: list[int], now: dt.datetime) -> list[Callback]:
    """The callbacks of `callback_ids` still due, claimed with one statement that returns
    their rows. The rows are locked in id order (FOR UPDATE), so two jobs claiming
    overlapping batches never deadlock, and the second waits for the first's commit and
    then finds them claimed. Not SKIP LOCKED: the ids are this job's to run, and a row a
    moment's other writer holds (the clock marking it queued, the desk cancelling it) would
    be skipped with no job left to run it."""
    due = (select(Callback.id)
           .where(Callback.id.in_(callback_ids),
                  Callback.status.in_((CallbackStatus.SCHEDULED, CallbackStatus.QUEUED)),
                  Callback.next_at <= now + EARLY_TOLERANCE)
           .order_by(Callback.id).with_for_update())
    return list(session.scalars(
        update(Callback)
        .where(Callback.id.in_(due),
               Callback.status.in_((CallbackStatus.SCHEDULED, CallbackStatus.QUEUED)))
        .values(status=CallbackStatus.RUNNING, updated_at=now).returning(Callback),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ))


Calling = tuple[Callback, CallbackRule, dict[str, Any]]
"""A callback whose attempt is a call, its rule, and the dial's fields (`calls.dials`)."""


def _attempt(session: Session, callback: Callback, now: dt.datetime) -> Calling | None:
    """The callback's next attempt, in the session's transaction; when it is a call, the
    dial to write (the batch writes its dials together)."""
    flow = flow_or_none(callback.flow_id)
    rule = next((r for r in flow.callbacks if r.id == callback.rule_id), None) if flow else None
    if flow is None or rule is None:
        _finish(session, callback, "skipped", now,
                f"rule {callback.rule_id!r} is no longer in flow {callback.flow_id!r}")
        return None
    ticket = session.get(Ticket, callback.ticket_id) if callback.ticket_id else None
    if rule.until is not None and ticket is not None and _ticket_done(ticket, rule.until):
        _finish(session, callback, "done" if callback.attempts_made else "skipped", now,
                f"the ticket is {rule.until}")
        return None
    assert callback.planned_at is not None
    late = now - callback.planned_at
    if rule.max_late is not None and late > rule.max_late:
        _replace_with_ticket(session, flow, rule, callback, now, late)
        return None
    if rule.within is not None and not is_open(rule.within, now):
        _defer(session, flow, rule, callback, now)
        return None
    number = callback.attempts_made + 1
    if rule.action.kind == "call":
        return callback, rule, _call(session, flow, rule, callback, number, now)
    _act(session, flow, rule.action, callback, f"callback{callback.id}:{number}", now,
         ticket=ticket)
    callback.attempts_made = number
    attempt(session, callback, number, now, "done", rule.action.kind)
    if rule.repeat is not None and number < callback.max_attempts:
        _again(callback, now + rule.repeat, now, f"{rule.action.kind} sent")
    else:
        _finish(session, callback, "done", now, f"{rule.action.kind} sent")
    return None


def _ticket_done(ticket: Ticket, until: str) -> bool:
    return ticket.closed_at is not None if until == "closed" else (
        ticket.answered_at is not None or ticket.closed_at is not None)


# -- actions ------------------------------------------------------------------------------
def _values(flow: Flow, callback: Callback, now: dt.datetime) -> dict[str, Any]:
    vals = texts.values(flow, callback.vars, callback.phone, now)
    vals["attempts"] = callback.attempts_made
    return vals


def _act(session: Session, flow: Flow, action: CallbackAction, callback: Callback, key: str,
         now: dt.datetime, *, ticket: Ticket | None) -> None:
    """An SMS, a note to staff or a ticket, written once per `key`."""
    body = texts.render(action.text, _values(flow, callback, now)) if action.text else ""

    def sms(to: str, purpose: MessagePurpose) -> None:
        messages.queue(session, flow, to=to, body=body, purpose=purpose,
                       call_id=callback.call_id, key=f"{key}:{action.kind}:{to}")

    if action.kind == "sms" and action.to == "caller":
        sms(callback.phone, MessagePurpose.CALLER)
        journal(session, callback, f"{callback.rule_id}: SMS to the client: {body}", now,
                result="sms")
    elif action.kind in ("sms", "notify"):
        roles = tuple(ticket.assign_role or "" if r == ASSIGNEE and ticket else r
                      for r in action.roles or (action.to,))
        for role in roles:
            for member in flow.members(role):
                sms(member.phone, MessagePurpose.NOTIFY)
        if action.urgent and ticket is not None:
            ticket.urgent = True
        journal(session, callback, f"{callback.rule_id}: staff notified ({', '.join(roles)}): "
                                   f"{body}", now, result="notify")
    else:
        # A ticket rule's own ticket fires no ticket rules: it would feed the rule that made it.
        row = tickets.open(session, flow, key=key, call_id=callback.call_id,
                           kind=action.ticket_kind, text=body, assign_role=action.assign,
                           urgent=action.urgent, phone=callback.phone, now=now,
                           rules=callback.trigger != "ticket_created")
        if row is not None:
            journal(session, callback, f"{callback.rule_id}: ticket #{row.id} for a person: "
                                       f"{body}", now, result="ticket", ticket_id=row.id)


def _call(session: Session, flow: Flow, rule: CallbackRule, callback: Callback, number: int,
          now: dt.datetime) -> dict[str, Any]:
    """The attempt is a call: the callback waits for its end; the dial's fields."""
    callback.attempts_made = number
    callback.status, callback.updated_at = CallbackStatus.WAITING, now
    return {"dedupe_key": f"callback{callback.id}:call{number}", "flow_id": flow.id,
            "entry": rule.action.state, "to_number": callback.phone,
            "from_number": messages.line_number(flow, calls.of(session, callback.call_id)),
            "callback_id": callback.id, "attempt": number,
            "vars": {**callback.vars, "attempt": str(number)}}


# -- outcomes -----------------------------------------------------------------------------
def dial_finished(session: Session, dial: Dial, status: str, now: dt.datetime) -> None:
    """An outbound call of a callback ended: reached, try again, or give up (RT-3, HL-9).
    Safe to call for every copy of every status callback: only the first final one counts."""
    if dial.callback_id is None:  # not a rule's call: a kept place's call back, or nothing
        kept_places.dial_finished(session, dial, status, now)
        return
    callback = session.get(Callback, dial.callback_id)
    if callback is None or callback.status != "waiting" or callback.attempts_made != dial.attempt:
        return
    machine = dial.answered_by.startswith(("machine", "fax"))
    if status == "dry-run":
        result = "dry-run"
    elif status == "completed" and not machine:
        result = "reached"
    else:
        result = "machine" if machine else status
    flow = flow_or_none(callback.flow_id)
    rule = next((r for r in flow.callbacks if r.id == callback.rule_id), None) if flow else None
    following = "done" if result in ("reached", "dry-run") else (
        "scheduled" if rule is not None and callback.attempts_made < callback.max_attempts
        else "not-reached")
    moved = rowcount(session.execute(
        update(Callback)
        .where(Callback.id == callback.id, Callback.status == "waiting",
               Callback.attempts_made == dial.attempt)
        .values(status="running" if following != "done" else "done", updated_at=now)
    ))
    if not moved:
        return
    session.refresh(callback)
    attempt(session, callback, dial.attempt, now, result, f"call {dial.call_sid or '-'}",
                 dial_id=dial.id)
    journal(session, callback, f"{callback.rule_id}: attempt {dial.attempt}: {result}", now,
            result=result, dial_id=dial.id)
    if following == "done":
        _finish(session, callback, "done", now,
                "reached" if result == "reached" else "dry-run: the call was not placed")
    elif following == "scheduled":
        assert rule is not None
        _again(callback, now + rule.spacing, now, f"attempt {dial.attempt}: {result}")
    else:
        _give_up(session, flow, rule, callback, now, result)
    # The SMS its follow-ups wrote go out from the worker after this commit: this runs on
    # Twilio's status webhook too, which must not wait on Twilio's REST API.
    session.commit()


def _give_up(session: Session, flow: Flow | None, rule: CallbackRule | None, callback: Callback,
             now: dt.datetime, result: str) -> None:
    """The last attempt did not reach the client: the rule's follow-ups, once each (RT-3)."""
    if flow is not None and rule is not None:
        for index, action in enumerate(rule.then):
            _act(session, flow, action, callback, f"callback{callback.id}:then{index}", now,
                 ticket=None)
    _finish(session, callback, "not-reached", now,
            f"not reached after {callback.attempts_made} attempt(s); last: {result}")


# -- state changes ------------------------------------------------------------------------
def _finish(session: Session, callback: Callback, status: str, now: dt.datetime, outcome: str) -> None:
    callback.status, callback.outcome = status, outcome
    callback.finished_at, callback.updated_at = now, now
    callback.next_at = None
    journal(session, callback, f"{callback.rule_id}: {status} ({outcome})", now, result=status)


def _again(callback: Callback, when: dt.datetime, now: dt.datetime,
           outcome: str) -> None:
    callback.status, callback.outcome = "scheduled", outcome
    callback.next_at = callback.planned_at = when
    callback.updated_at = now


def _defer(session: Session, flow: Flow, rule: CallbackRule, callback: Callback,
           now: dt.datetime) -> None:
    """Outside the hours clients may be called or texted: wait for the next opening."""
    assert rule.within is not None
    opening = next_open(rule.within, now)
    if opening is None:
        _replace_with_ticket(session, flow, rule, callback, now, dt.timedelta(0),
                             why="the rule's hours never open in the next three weeks")
        return
    attempt(session, callback, callback.attempts_made + 1, now, "deferred",
                 f"outside hours; moved to {local_time(flow, opening)}")
    journal(session, callback, f"{rule.id}: outside hours, moved to {local_time(flow, opening)}",
            now, result="deferred")
    _again(callback, opening, now, "waiting for business hours")


def _replace_with_ticket(session: Session, flow: Flow, rule: CallbackRule, callback: Callback,
                         now: dt.datetime, late: dt.timedelta, why: str = "") -> None:
    """Too late to do it unattended (the worker was down): a person decides instead."""
    reason = why or f"{int(late.total_seconds() // 60)} min late, more than the rule allows"
    what = {"call": "call back", "sms": "send an SMS to", "notify": "notify staff about",
            "ticket": "open a ticket for"}[rule.action.kind]
    text = (f"Callback rule {rule.id} was due at "
            f"{local_time(flow, callback.planned_at) if callback.planned_at else '?'} "
            f"to {what} {callback.phone}; not done automatically: {reason}.")
    tickets.open(session, flow, key=f"callback{callback.id}:late", call_id=callback.call_id,
                 kind="callback", text=text, phone=callback.phone, now=now, due_at=now,
                 rules=callback.trigger != "ticket_created")
    _finish(session, callback, "replaced", now, f"a ticket for a person instead: {reason}")


# -- recovery -----------------------------------------------------------------------------
PENDING_GRACE = dt.timedelta(seconds=30)
STUCK_CALL = dt.timedelta(hours=2)
"""A placed call not reported ended by then: ask Twilio how it ended (a lost status callback)."""


def stuck_after(app: Flask) -> dt.timedelta:
    return dt.timedelta(seconds=float(app.config["STUCK_AFTER"]))


def sweep(app: Flask, now: dt.datetime) -> None:
    """Calls a crash left unplaced or half-placed, and calls whose end was never reported.
    Callbacks falling due are the clock's (`voicebot.jobs.scheduler.due_callbacks`), and an
    attempt cut off by a dead worker is run again by the engine."""
    _reconcile_dials(app, now)


def _reconcile_dials(app: Flask, now: dt.datetime) -> None:
    """Dials a crash left unplaced or half-placed, and calls whose end was never reported.
    How long a dial has been stuck is real time, whatever the engine's clock says."""
    tel = telephony(app)
    real = utcnow()
    stuck = stuck_after(app)
    with db.session_scope(app) as session:
        stale = session.scalars(select(Dial).where(
            # A pending dial is placed by the attempt that wrote it, right after its commit.
            ((Dial.status == "pending") & (Dial.updated_at < real - min(stuck, PENDING_GRACE)))
            | ((Dial.status == "dialing") & (Dial.updated_at < real - stuck))
            | (Dial.status.in_(("queued", "initiated", "ringing", "in-progress"))
               & (Dial.updated_at < real - STUCK_CALL))
        ).limit(200)).all()
        for dial in stale:
            try:
                _reconcile(app, session, tel, dial, now)
            except TWILIO_ERRORS as exc:
                log.warning("dial %s: cannot ask Twilio about it now (%s)", dial.id, exc)
                session.rollback()


def _reconcile(app: Flask, session: Session, tel: Telephony, dial: Dial, now: dt.datetime) -> None:
    if dial.status == "dialing":
        found = None if tel.dry_run else tel.find_call(dial)
        if found is None:
            log.info("dial %s: Twilio never got it; placing it again", dial.id)
            dial.status = "pending"
            session.commit()
        else:
            log.info("dial %s: placed before a crash as %s; adopted", dial.id, found[0])
            dial.call_sid, dial.status = found[0], forward(dial.status, found[1], CALL_ORDER)
            session.commit()
            return
    if dial.status == "pending":
        placed = tel.place_call(app, session, dial.id)
        if placed.status in ("failed", "dry-run"):
            dial_finished(session, placed, placed.status, now)
        return
    if dial.call_sid:
        status = tel.call_status(dial.call_sid)
        dial.status = forward(dial.status, status, CALL_ORDER)
        session.commit()
        if status in FINAL_CALL_STATUSES:
            dial_finished(session, dial, status, now)

