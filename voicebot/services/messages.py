"""SMS in and out. An outbound SMS is a `Message` row written in the transaction of whatever
sends it (a flow's `sms` or `notify` step, a quote, a note to staff, a callback): the row is
the outbox. Once that transaction commits, its messages are handed to the worker, which sends
them through Twilio's REST API; nothing waits on Twilio inside a webhook, where the caller
would hear the silence. Each row is claimed with a conditional update before it is sent
(`Telephony.deliver`), so a job run twice, a sweep and a replayed webhook send it once.

One rule picks the number every SMS goes out from (`line_number`), so a quote's
`{line_number}` is the number the caller sees it come from.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.flows.model import Flow
from voicebot.jobs import enqueue, job
from voicebot.models import (
    Conversation,
    Message,
    MessageDirection,
    MessagePurpose,
    MessageStatus,
    utcnow,
)
from voicebot.phones import mask
from voicebot.services import calls
from voicebot.telephony import telephony

log = logging.getLogger("voicebot.messages")

OUTBOX_KEY = "voicebot.messages.outbox"
"""Session info key: outbound messages stored in the open transaction, handed to the worker
once it commits (and forgotten if it rolls back)."""
SEND_HERE_KEY = "voicebot.messages.send-here"
"""Session info key: this session's job sends its messages itself (`send_here`)."""

ORDER: dict[str, int] = {MessageStatus.PENDING: 0, MessageStatus.SENDING: 1, MessageStatus.ACCEPTED: 2,
         MessageStatus.QUEUED: 3, MessageStatus.SENT: 4, MessageStatus.DELIVERED: 5,
         MessageStatus.UNDELIVERED: 5, MessageStatus.FAILED: 5, MessageStatus.READ: 6}
"""Message statuses only move forward; a late 'sent' must not overwrite 'delivered'."""


def line_number(flow: Flow | None, call: calls.CallView | None = None, texted: str = "") -> str:
    """The number of ours a conversation is on, which every SMS about it comes from: the
    number the caller dialled (or, outbound, that we called from; or, for a conversation by
    SMS, the one they `texted`) while it is still the flow's; else the flow's first number;
    else the call's own line (a default flow with no numbers of its own)."""
    own = texted
    if call is not None:
        own = call.to_number if call.direction == "inbound" else call.from_number
    numbers = flow.numbers if flow is not None else ()
    if own and own in numbers:
        return own
    return numbers[0] if numbers else own


def queue(session: Session, flow: Flow, *, to: str, body: str, purpose: MessagePurpose,  # noqa: PLR0913  an SMS's fields, by keyword
          key: str, call: calls.CallView | None = None, call_id: int | None = None, texted: str = "",
          sent_by: str = "", now: dt.datetime | None = None) -> Message:
    """Store an outbound SMS once per `key` (however often the step, job, webhook or desk
    form that sends it runs, even at the same moment); it goes out after the commit. `call`
    (or `call_id`) is the conversation it belongs to: its journal lists it, and its line is
    the number it is sent from; `texted` is that line for a conversation by SMS alone. `now`:
    the engine's clock, where the SMS joins a thread shown with the texts it answers."""
    existing = session.scalar(select(Message).where(Message.dedupe_key == key))
    if existing is not None:
        return existing
    if call is None and call_id is not None:
        call = calls.current(session, call_id)  # the conversation's line: one rule for all
    sender = line_number(flow, call, texted)
    stopped = opted_out(session, sender, to)
    message = db.create_once(
        session, Message, "dedupe_key", direction=MessageDirection.OUT, purpose=purpose,
        flow_id=flow.id, to_number=to, from_number=sender, body=body,
        call_id=call.id if call else None, dedupe_key=key, sent_by=sent_by,
        status=MessageStatus.FAILED if stopped else MessageStatus.PENDING,
        error=NOT_SENT_OPTED_OUT if stopped else "", created_at=now or utcnow(),
        updated_at=utcnow())
    if message is None:  # a copy of the request stored it meanwhile: that copy sends it
        found = session.scalar(select(Message).where(Message.dedupe_key == key))
        assert found is not None
        return found
    if stopped:
        log.info("SMS %s to %s not sent: they texted STOP to %s", message.id, mask(to), sender)
    else:
        session.info.setdefault(OUTBOX_KEY, []).append(message.id)
    return message


NOT_SENT_OPTED_OUT = "Not sent: the caller asked for no more texts from this number."
"""The error of an SMS kept from a number that texted STOP or СТОП to ours (a quote that
fails so goes to a person, as any failed quote does)."""


def opted_out(session: Session, ours: str, theirs: str) -> bool:
    """Whether `theirs` texted STOP (or СТОП) to our number `ours` and not START since: Twilio
    would refuse the English keywords' numbers (error 21610) and knows nothing of the Russian
    ones, so nothing is sent to either (voicebot.services.conversations keeps the flag)."""
    return session.scalar(select(Conversation.opted_out_at).where(
        Conversation.dedupe_key == f"{ours}:{theirs}")) is not None


def auto_reply(session: Session, flow: Flow, incoming: Message, body: str) -> None:
    """Keep the TwiML answer to `incoming` on its conversation. Twilio sends it with the
    webhook's reply, so it is stored as handed over, never queued; once per incoming SMS."""
    db.insert_once(session, Message, "dedupe_key", direction=MessageDirection.OUT,
                   purpose=MessagePurpose.AUTO_REPLY, flow_id=flow.id,
                   to_number=incoming.from_number, from_number=incoming.to_number, body=body,
                   call_id=incoming.call_id, dedupe_key=auto_reply_key(incoming),
                   status=MessageStatus.ACCEPTED, created_at=incoming.created_at or utcnow(),
                   updated_at=utcnow())


def auto_reply_key(incoming: Message) -> str:
    return f"auto-reply-{incoming.sid}"


GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
"""GSM 03.38: the alphabet of a plain SMS; an extended character takes two places."""
MAX_BODY = 1600
"""Twilio's limit for one message's body."""


def segments(body: str) -> int:
    """How many SMS a text goes as, each billed: 160 GSM characters in one (153 a part when
    split), or 70 UTF-16 units (67 a part) once a character outside GSM (Cyrillic) is in it."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in body):
        units, one, part = len(body) + sum(c in GSM_EXTENDED for c in body), 160, 153
    else:
        units, one, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= one else -(-units // part)


def received(session: Session, flow: Flow | None, *, sid: str, from_: str, to: str, body: str,
             now: dt.datetime) -> Message | None:
    """Store an incoming SMS; None when a copy of the same webhook stored it at the same
    moment (the session is then rolled back: nothing else was in its transaction)."""
    message = Message(sid=sid, direction=MessageDirection.IN, purpose=MessagePurpose.REPLY,
                      from_number=from_, to_number=to, body=body, status=MessageStatus.RECEIVED,
                      flow_id=flow.id if flow else "", created_at=now)
    session.add(message)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return message


def by_sid(session: Session, sid: str) -> Message | None:
    return session.scalar(select(Message).where(Message.sid == sid))


def status_reported(message: Message, status: str, error: str) -> bool:
    """Twilio's delivery status; False when it is older news than what the row says, or the
    same news again (Twilio repeats a callback it thinks was lost)."""
    if ORDER.get(status, 0) < ORDER.get(message.status, 0):
        return False
    before = (message.status, message.error)
    message.status = status
    message.error = error or message.error
    return (message.status, message.error) != before


# -- handing the outbox to the worker --------------------------------------------------------
def init_app(app: Flask) -> None:
    factory = db.sessions(app)

    def after_commit(session: Session) -> None:
        if session.info.get(SEND_HERE_KEY):
            return  # kept for `send_now`
        ids: list[int] = session.info.pop(OUTBOX_KEY, [])
        if ids:
            hand_off(app, ids, _status_url(app))

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _t: s.info.pop(OUTBOX_KEY, None))


def _status_url(app: Flask) -> str | None:
    """Where Twilio reports delivery: at the public URL, or at the one this request came in
    on; without either (a job, no VOICEBOT_PUBLIC_URL) we go without delivery reports."""
    base = app.config.get("PUBLIC_URL") or (request.url_root if has_request_context() else "")
    if not base:
        return None
    return str(base).rstrip("/") + app.url_map.bind("localhost").build("twilio.sms_status")


def hand_off(app: Flask, message_ids: list[int], status_callback: str | None) -> None:
    """The seam between storing an SMS and sending it: a job for the worker. Never raises:
    what does not make it into the job store is sent by the worker's outbox sweep
    (`voicebot.telephony.sweep`), the row being the truth."""
    try:
        enqueue(app, send, message_ids, status_callback, key=f"sms-{message_ids[0]}")
    except Exception:
        log.exception("SMS %s: could not hand them to the worker; its sweep will send them",
                      message_ids)


@job
def send(app: Flask, message_ids: list[int], status_callback: str | None = None) -> None:
    """The worker's job: send the messages still pending (each claimed first)."""
    with db.session_scope(app) as session:
        telephony(app).deliver(session, message_ids, status_callback)


def send_here(session: Session) -> None:
    """Mark a worker job's session as sending its own messages with `send_now`, because
    what it does next depends on whether Twilio took them (a quote that failed goes to a
    person). Never for a webhook's session."""
    session.info[SEND_HERE_KEY] = True


def send_now(app: Flask, session: Session) -> None:
    """Send what this session stored and committed (see `send_here`)."""
    ids: list[int] = session.info.pop(OUTBOX_KEY, [])
    if ids:
        telephony(app).deliver(session, ids, _status_url(app))
