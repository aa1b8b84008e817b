"""SMS conversations (issue 18 item 5): a caller's texts with one of our numbers, worked by
staff on the desk. A text that is not a plain answer to a quote waits for a person: the
conversation is marked as needing a reply and opens one ticket (kind `sms`, so the flow's
`ticket_created` rules fire) until staff mark it done; more texts join it, not new tickets.

The thread is not copied anywhere: it is every `Message` between the caller's number and the
line's, in and out (quotes, flow SMS, our automatic answers, staff replies), read in the order
they were stored. A staff reply is one more outbound `Message` through `messages.queue`, from
the number the caller texted, sent by the worker after the commit; its key comes from the
form, so a double submit stores it once.

Opt-out: a caller who texts STOP (or СТОП) to a number gets nothing more from the desk on it
until they text START (or СТАРТ, or Twilio's YES): Twilio would refuse the English ones
anyway (error 21610), and keeps no list of the Russian words, so we keep our own. An SMS
Twilio refuses with 21610, when asked to send it or later in its status callback, sets the
same flag (`refused`): the STOP reached Twilio and not us (sent before this service, or to
Twilio's number while ours was elsewhere).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.flows.model import Flow
from voicebot.language.tags import language_family
from voicebot.models import (
    Call,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    MessagePurpose,
    MessageStatus,
    Ticket,
    TicketStatus,
)
from voicebot.services import messages, tickets
from voicebot.telephony import UNSUBSCRIBED

Refusal = Literal["opted-out", "empty", "too-long", "no-line", "not-failed", "retried"]
FAILED = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED})
TICKET_TEXT = {"en": "SMS from {phone}: {body}", "ru": "SMS от абонента {phone}: {body}"}
"""The ticket a text opens, in the line's language, as its other tickets are."""
THREAD_LIMIT = 500
"""The newest texts a thread shows; a conversation longer than that is a correspondence."""


class ConversationError(ValueError):
    """Why staff cannot send this text; `reason` is what the desk words for them."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason: Refusal = reason


def key(line: str, phone: str) -> str:
    return f"{line}:{phone}"  # messages.opted_out reads it too


def of(session: Session, flow_id: str, line: str, phone: str) -> Conversation:
    """The conversation between `phone` and our number `line`, made once however many
    copies of a webhook (or texts of one new caller) arrive at the same moment. A new one has
    nothing for staff to do (done) until a text needs a person."""
    db.insert_once(session, Conversation, "dedupe_key", dedupe_key=key(line, phone),
                   flow_id=flow_id, line=line, phone=phone,
                   status=ConversationStatus.DONE, unread=0, done_by="")
    # Locked (PostgreSQL; SQLite's writers already queue): two texts at once must not both
    # find it without an open ticket and open one each.
    found = session.scalar(select(Conversation).where(
        Conversation.dedupe_key == key(line, phone)).with_for_update())
    assert found is not None
    return found


def received(session: Session, flow: Flow, message: Message) -> Conversation:
    """An incoming text joins its conversation (which it may open)."""
    conversation = of(session, flow.id, message.to_number, message.from_number)
    conversation.flow_id = flow.id  # the number may have moved to another line
    conversation.last_in_at = message.created_at
    return conversation


def needs_person(session: Session, flow: Flow, conversation: Conversation, message: Message,
                 call: Call | None, now: dt.datetime, assign_role: str | None) -> None:
    """A text only a person can answer: the conversation waits for a reply, and has an open
    ticket (a new one when it had none, or staff closed it)."""
    conversation.status = ConversationStatus.NEEDS_REPLY
    conversation.done_by, conversation.done_at = "", None
    session.execute(update(Conversation).where(Conversation.id == conversation.id)
                    .values(unread=Conversation.unread + 1)  # in SQL: texts at once all count
                    .execution_options(synchronize_session=False))
    session.expire(conversation, ["unread"])
    ticket = session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        return
    opened = tickets.open(session, flow, key=f"sms-{message.sid}",
                          call_id=call.id if call else None, kind="sms",
                          text=TICKET_TEXT[language_family(flow.language)].format(
                              phone=message.from_number, body=message.body),
                          phone=message.from_number, now=message.created_at or now,
                          assign_role=assign_role)
    if opened is not None:
        conversation.ticket_id = opened.id


def opted_out(conversation: Conversation, now: dt.datetime) -> None:
    conversation.opted_out_at = conversation.opted_out_at or now


def refused(session: Session, message: Message, error_code: str, now: dt.datetime) -> None:
    """Twilio refused our SMS with `error_code`, answering the request to send it or in its
    status callback (call once per refusal). Its number unsubscribed from our line (error
    21610) is opted out here too, so nothing more is tried on that line and the desk shows it,
    until the caller texts START."""
    if error_code == str(UNSUBSCRIBED):
        opted_out(of(session, message.flow_id, message.from_number, message.to_number), now)


def opted_in(conversation: Conversation) -> None:
    conversation.opted_out_at = None


def thread(session: Session, conversation: Conversation) -> list[Message]:
    """Every SMS between the caller and the line, oldest first (in the order stored: the
    caller's clock is not in Twilio's webhook, and ids never go back)."""
    line, phone = conversation.line, conversation.phone
    query = (select(Message)
             .where(or_(and_(Message.from_number == phone, Message.to_number == line),
                        and_(Message.from_number == line, Message.to_number == phone)))
             .order_by(Message.id.desc()).limit(THREAD_LIMIT))
    return list(reversed(session.scalars(query).all()))


def reply(session: Session, flow: Flow | None, conversation: Conversation, body: str, *,
          by: str, form_key: str, now: dt.datetime) -> Message:
    """Staff's reply, stored for the worker to send from the number the caller texted; once
    per `form_key` (the form's own, so a double submit sends one SMS)."""
    text = body.strip()
    _may_text(flow, conversation)
    if not text:
        raise ConversationError("empty")
    if len(text) > messages.MAX_BODY:
        raise ConversationError("too-long")
    assert flow is not None
    message = messages.queue(session, flow, to=conversation.phone, body=text,
                             purpose=MessagePurpose.DESK, key=f"desk-{conversation.id}-{form_key}",
                             texted=conversation.line, sent_by=by, now=now)
    conversation.status = ConversationStatus.REPLIED
    conversation.unread = 0
    return message


def start(session: Session, flow: Flow, line: str, phone: str, body: str, *, by: str,
          form_key: str, now: dt.datetime) -> tuple[Conversation, Message]:
    """Staff text `phone` first, from our number `line` of `flow`: the conversation between
    them (new, or the one they had) and the SMS, refused and sent as a reply is (`reply`)."""
    conversation = of(session, flow.id, line, phone)
    return conversation, reply(session, flow, conversation, body, by=by, form_key=form_key,
                               now=now)


def retry(session: Session, flow: Flow | None, conversation: Conversation, message_id: int, *,
          by: str, now: dt.datetime) -> Message:
    """Send again an SMS of the thread that failed; once, however often the button is
    pressed. The failed one stays in the thread as it was."""
    _may_text(flow, conversation)
    failed = session.get(Message, message_id)
    if failed is None or failed.direction != MessageDirection.OUT or failed.status not in FAILED \
            or {failed.from_number, failed.to_number} != {conversation.line, conversation.phone}:
        raise ConversationError("not-failed")
    if retried(session, [failed.id]):
        raise ConversationError("retried")
    assert flow is not None
    return messages.queue(session, flow, to=conversation.phone, body=failed.body,
                          purpose=MessagePurpose(failed.purpose), key=f"retry-{failed.id}",
                          texted=conversation.line, sent_by=by, now=now)


def retried(session: Session, message_ids: list[int]) -> set[int]:
    """Which of these failed SMS were sent again already."""
    keys = {f"retry-{i}": i for i in message_ids}
    if not keys:
        return set()
    return {keys[k] for k in session.scalars(select(Message.dedupe_key).where(
        Message.dedupe_key.in_(list(keys)))) if k}


def _may_text(flow: Flow | None, conversation: Conversation) -> None:
    if conversation.opted_out_at is not None:
        raise ConversationError("opted-out")
    if flow is None:
        raise ConversationError("no-line")


def read(conversation: Conversation) -> None:
    conversation.unread = 0


def done(session: Session, conversation: Conversation, *, by: str, now: dt.datetime) -> None:
    """Nothing more to answer: off the open list, its ticket closed. A new text opens both
    again."""
    conversation.status = ConversationStatus.DONE
    conversation.unread = 0
    conversation.done_by, conversation.done_at = by, now
    ticket = session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    if ticket is not None and ticket.status != TicketStatus.CLOSED:
        tickets.close_in(ticket, by, now, "Conversation marked done.")


def ticket_closed(session: Session, ticket_id: int, *, by: str, now: dt.datetime) -> None:
    """Its ticket was closed: the conversation it stands for is done too."""
    for conversation in session.scalars(select(Conversation).where(
            Conversation.ticket_id == ticket_id, Conversation.status != ConversationStatus.DONE)):
        conversation.status, conversation.unread = ConversationStatus.DONE, 0
        conversation.done_by, conversation.done_at = by, now


def reopen(conversation: Conversation) -> None:
    conversation.status = ConversationStatus.NEEDS_REPLY
    conversation.done_by, conversation.done_at = "", None


def waiting(session: Session) -> int:
    """Conversations waiting for a reply: the count in the desk's menu."""
    return session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.status == ConversationStatus.NEEDS_REPLY)) or 0


def listing(session: Session, *, status: str, line: str = "", phone: str = "",
            limit: int = 100) -> list[tuple[Conversation, Message | None]]:
    """Conversations with each one's latest incoming text: those waiting for a reply first,
    then by their latest text. `status`: open (not done), done or all."""
    query = select(Conversation)
    if status == "open":
        query = query.where(Conversation.status != ConversationStatus.DONE)
    elif status == "done":
        query = query.where(Conversation.status == ConversationStatus.DONE)
    if line:
        query = query.where(Conversation.flow_id == line)
    if phone:
        query = query.where(Conversation.phone == phone)
    query = query.order_by((Conversation.status == ConversationStatus.NEEDS_REPLY).desc(),
                           Conversation.last_in_at.desc(), Conversation.id.desc())
    rows = list(session.scalars(query.limit(limit)))
    latest = (select(func.max(Message.id))
              .where(Message.direction == MessageDirection.IN,
                     Message.from_number.in_({c.phone for c in rows}))
              .group_by(Message.from_number, Message.to_number))
    last = {(m.from_number, m.to_number): m
            for m in session.scalars(select(Message).where(Message.id.in_(latest)))} if rows else {}
    return [(c, last.get((c.phone, c.line))) for c in rows]


def for_ticket(session: Session, ticket: Ticket) -> Conversation | None:
    """The conversation a ticket came from, else the caller's latest on the ticket's line."""
    found = session.scalar(select(Conversation).where(Conversation.ticket_id == ticket.id))
    if found is not None or not ticket.phone:
        return found
    return session.scalar(select(Conversation).where(
        Conversation.phone == ticket.phone, Conversation.flow_id == ticket.flow_id)
        .order_by(Conversation.last_in_at.desc()).limit(1))
