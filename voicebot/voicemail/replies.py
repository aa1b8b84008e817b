"""A caller's SMS answer to a quote (OM-4): YES approves their latest open quote, NO declines
it, anything else waits for a person in the caller's conversation on the desk
(voicebot.services.conversations). STOP, START and the other carrier keywords are Twilio's to
act on (it blocks or unblocks the number itself, and tells the caller); we record them, so the
desk does not write to a caller who opted out. Twilio knows no Russian keywords: СТОП and
СТАРТ are ours alone, so we confirm them to the caller ourselves.

Only a plain answer counts: "yes", "Yes please!", "да, подтверждаю". "Yes but not on Monday"
is a question for a person, not an approval.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot.flows import words
from voicebot.flows.model import Flow
from voicebot.models import Call, EventKind, Message, MessagePurpose, Quote, Voicemail
from voicebot.phones import mask
from voicebot.services import callbacks, calls, conversations, messages, tickets
from voicebot.voicemail import staff, wording

log = logging.getLogger("voicebot.voicemail")

Answer = Literal["yes", "no", "opt-out", "opt-in"]

YES = frozenset({
    "yes", "y", "yeah", "yep", "yup", "yea", "ok", "okay", "k", "sure", "approve", "approved",
    "confirm", "confirmed", "accept", "accepted", "agree",
    "да", "ага", "угу", "ок", "хорошо", "конечно", "подтверждаю", "подтверждаем", "согласен",
    "согласна", "согласны", "давайте", "можно", "устраивает",
})
NO = frozenset({
    "no", "n", "nope", "nah", "decline", "declined", "reject",
    "нет", "неа", "не", "отказ", "отказываюсь", "откажусь",
})
POLITE = frozenset({
    "please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "go", "ahead", "i", "do",
    "it", "the", "quote", "sounds", "good", "great", "that", "s", "fine", "will",
    "спасибо", "пожалуйста", "я", "мы", "это", "так", "ну", "вот",
})
"""Words a plain yes may carry without becoming something else."""
NO_TAIL = frozenset({
    "thanks", "thank", "you", "thx", "please", "not", "interested", "i", "m", "am",
    "спасибо", "пожалуйста", "надо", "нужно", "интересно", "не",
})
"""Words a plain no may carry: "no thanks", "не надо", "нет, спасибо"."""
OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "стоп"})
OPT_IN = frozenset({"start", "unstop", "старт"})
"""Twilio's default keywords, and the Russian ones we keep ourselves (OURS); Twilio also
treats a plain YES as opt-in, and we read it as approval too."""
OURS = frozenset({"стоп", "старт"})
OPEN_FOR = dt.timedelta(days=30)
"""A quote older than this is no longer open: a YES then goes to a person."""


def classify(body: str) -> Answer | None:
    said = words.tokens(body)
    if len(said) == 1 and said[0] in OPT_OUT:
        return "opt-out"
    if len(said) == 1 and said[0] in OPT_IN:
        return "opt-in"
    if not said:
        return None
    first = said[0]
    rest = said[1:]
    if first in NO and all(w in NO or w in NO_TAIL for w in rest):
        return "no"
    if first in YES and all(w in YES or w in POLITE for w in rest):
        return "yes"
    return None


def open_quote(session: Session, flow: Flow, phone: str, now: dt.datetime) -> Quote | None:
    return session.scalar(
        select(Quote)
        .where(Quote.flow_id == flow.id, Quote.phone == phone, Quote.status == "sent",
               Quote.created_at >= now - OPEN_FOR)
        .order_by(Quote.created_at.desc(), Quote.id.desc())
        .limit(1)
    )


def reply_text(quote: Quote, flow: Flow, call: Call | None) -> str | None:
    if quote.status == "approved":
        return wording.text("approved_reply", flow.language)
    if quote.status == "declined":
        return wording.text("declined_reply", flow.language, line=messages.line_number(flow, call))
    return None


def _quote_call(session: Session, quote: Quote) -> Call | None:
    voicemail = session.get(Voicemail, quote.voicemail_id)
    return session.get(Call, voicemail.call_id) if voicemail and voicemail.call_id else None


def replayed(session: Session, message: Message, flow: Flow | None) -> str | None:
    """The answer already given to this SMS, for a webhook Twilio delivers again."""
    kept = session.scalar(select(Message.body).where(
        Message.dedupe_key == messages.auto_reply_key(message)))
    if kept is not None:
        return kept
    quote = session.scalar(select(Quote).where(Quote.reply_message_id == message.id))
    if quote is None or flow is None:
        return None
    return reply_text(quote, flow, _quote_call(session, quote))


def handle(session: Session, message: Message, flow: Flow | None,
           now: dt.datetime) -> str | None:
    """Act on a new incoming SMS: the reply to send back, or None. What it tells staff goes
    to the outbox, sent by the worker after the commit; the text joins the caller's
    conversation, and so does the reply."""
    answer = _handle(session, message, flow, now)
    if answer and flow is not None:
        messages.auto_reply(session, flow, message, answer)
    return answer


def _handle(session: Session, message: Message, flow: Flow | None,
            now: dt.datetime) -> str | None:
    answer = classify(message.body)
    conversation = conversations.received(session, flow, message) if flow else None
    if answer in ("opt-out", "opt-in"):
        message.purpose = MessagePurpose(answer)
        log.info("SMS %s from %s: %s keyword", message.sid, mask(message.from_number), answer)
        if conversation is None or flow is None:
            return None
        if answer == "opt-out":
            conversations.opted_out(conversation, now)
        else:
            conversations.opted_in(conversation)
        keyword = words.tokens(message.body)[0]
        return wording.text(answer, flow.language) if keyword in OURS else None
    if flow is None or conversation is None:
        return None
    if answer == "yes" and words.tokens(message.body) == ("yes",):
        conversations.opted_in(conversation)  # Twilio's opt-in keyword too
    quote = open_quote(session, flow, message.from_number, now)
    call = _quote_call(session, quote) if quote else None
    if call is not None:
        message.call_id = call.id  # on the conversation the quote belongs to
    if quote is None or answer is None:
        conversations.needs_person(
            session, flow, conversation, message, call, now,
            assign_role=flow.quotes.notify[0] if flow.quotes and flow.quotes.notify else None)
        log.info("SMS %s from %s kept for a person", message.sid, mask(message.from_number))
        return None
    quote.status = "approved" if answer == "yes" else "declined"
    quote.reply_message_id, quote.decided_at = message.id, now
    if call is not None:
        calls.add_event(call, now, EventKind.QUOTE_ANSWER, quote.status, quote_id=quote.id)
    log.info("quote %s %s by SMS from %s", quote.id, quote.status, mask(message.from_number))
    if quote.status == "approved":
        caller_name = _caller_name(session, quote)
        text = wording.text("staff_approved", flow.language, caller=message.from_number,
                            name=f" ({caller_name})" if caller_name else "",
                            service=quote.service_name)
        notify = flow.quotes.notify if flow.quotes else ()
        tickets.open(session, flow, key=f"quote-{quote.id}-approved",
                     call_id=call.id if call else None, kind="quote-approved", text=text,
                     phone=message.from_number, assign_role=notify[0] if notify else None,
                     fields={"service": quote.service_name, "quote_id": str(quote.id)}, now=now)
        staff.notify(session, flow, body=text, call=call, key=f"quote-{quote.id}-approved")
        callbacks.quote_approved(session, flow, quote, now,
                                 values={"caller_name": caller_name or "",
                                         "callback_number": message.from_number})
    return reply_text(quote, flow, call)


def _caller_name(session: Session, quote: Quote) -> str | None:
    voicemail = session.get(Voicemail, quote.voicemail_id)
    name = voicemail.understanding.get("caller_name") if voicemail else None
    return str(name) if name else None
