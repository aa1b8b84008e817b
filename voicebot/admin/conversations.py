"""Texts on the desk (issue 18 item 5): the callers' SMS conversations, those waiting for a
reply first; one conversation's thread, in and out, with each SMS's delivery as Twilio
reported it; the reply form (sent from the number the caller texted, by the worker); a new
text to a number, from a line staff choose; sending a failed SMS again; marking a
conversation done.

A reply form carries a key of its own, made when the page is drawn: the same form posted twice
(a double click, a browser resending) stores one SMS (`services.conversations.reply`).
"""

from __future__ import annotations

import re
import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from voicebot import db, phones
from voicebot.admin.blueprint import bp
from voicebot.admin.formatting import when
from voicebot.admin.i18n import gettext as _
from voicebot.clock import clock
from voicebot.compiler.registry import registry
from voicebot.flows.catalog import flow_or_none
from voicebot.models import Conversation, Message
from voicebot.phones import mask
from voicebot.services import conversations as work
from voicebot.services import messages
from voicebot.services.conversations import ConversationError

STATUSES = ("open", "done", "all")
FORM_KEY = re.compile(r"[0-9a-f]{32}")
TWILIO_ERRORS = {
    "21610": "The caller has opted out of texts from this number (they texted STOP).",
    "21211": "The number is not a valid phone number.",
    "21614": "The number is not a mobile number.",
    "21408": "This account may not text that country.",
    "30003": "The phone was off or out of reach.",
    "30005": "The number does not exist or is no longer in service.",
    "30006": "The number is a landline or its carrier takes no texts.",
    "30007": "The carrier filtered the text as spam.",
    "30008": "The carrier did not say why.",
}
"""Twilio's error codes staff meet most, in words (https://www.twilio.com/docs/api/errors)."""


def refusal(error: ConversationError, conversation: Conversation, typed: str = "") -> str:
    """Why the desk did not send, in the desk's language."""
    if error.reason == "opted-out":
        return opted_out(conversation)
    if error.reason == "empty":
        return _("Write the reply first: an empty SMS is not sent.")
    if error.reason == "too-long":
        return _("The reply has {n} characters; an SMS can carry at most {max}. Shorten it or "
                 "send it in two replies.", n=len(typed.strip()), max=messages.MAX_BODY)
    if error.reason == "no-line":
        return _("The line {line} is no longer loaded, so there is no number to reply from.",
                 line=conversation.flow_id)
    if error.reason == "retried":
        return _("That SMS has already been sent again.")
    return _("Only an SMS that failed can be sent again.")


def opted_out(conversation: Conversation) -> str:
    return _("{phone} asked for no more texts from {line} ({when}): nothing can be sent until "
             "they text START. Call them instead.", phone=conversation.phone,
             line=conversation.line, when=when(conversation.opted_out_at))


def delivery(message: Message) -> str:
    """What became of an SMS, with Twilio's reason for a failure when it gave one."""
    if message.status not in work.FAILED:
        return ""
    if message.error == messages.NOT_SENT_OPTED_OUT:
        return _(messages.NOT_SENT_OPTED_OUT)
    error = message.error.strip()
    found = re.match(r"(\d{5})\b", error)  # Twilio's code: all of a status report's error
    code = found.group(1) if found else ""
    if code in TWILIO_ERRORS:
        return f"{_(TWILIO_ERRORS[code])} ({_('Twilio error {code}', code=code)})"
    return _("Twilio error {code}", code=code) if code else _("Not delivered.")


def segments_note(body: str) -> str:
    n = messages.segments(body)
    if n <= 1:
        return _("Fits in one SMS.")
    return _("Goes as {n} SMS, each billed.", n=n)


def _conversation(session: Session, conversation_id: int) -> Conversation:
    found = session.get(Conversation, conversation_id)
    if found is None:
        abort(404)
    return found


@bp.get("/texts")
def texts(typed: dict[str, str] | None = None, problem: str = "",
          status: int = 200) -> ResponseReturnValue:
    shown = request.args.get("status", "open")
    shown = shown if shown in STATUSES else "open"
    line = request.args.get("line", "")
    rows = work.listing(db.session(), status=shown, line=line)
    flows = registry().flows()
    return render_template("admin/texts.html", rows=rows, status=shown, statuses=STATUSES,
                           line=line, lines=[flow.id for flow in flows],
                           senders=[(flow, number) for flow in flows for number in flow.numbers],
                           typed=typed or {}, problem=problem,
                           form_key=secrets.token_hex(16)), status


@bp.post("/texts/new")
def new_text() -> ResponseReturnValue:
    """Staff text a number first: read as the chosen line's country writes numbers, sent from
    that line through the outbox like any reply; the conversation opens."""
    typed = {k: request.form.get(k, "") for k in ("line", "phone", "body")}
    form_key = request.form.get("form_key", "")
    if not FORM_KEY.fullmatch(form_key):
        abort(400)
    flow = registry().for_number(typed["line"])
    if flow is None or typed["line"] not in flow.numbers:
        return texts(typed, _("Choose the line the SMS goes from."), 400)
    phone = phones.read(typed["phone"], typed["line"])
    if not phone:
        return texts(typed, _("{typed} is not a phone number: type it as numbers are written "
                              "where {line} is, or with the country code (+...).",
                              typed=typed["phone"].strip() or "—", line=typed["line"]), 400)
    session = db.session()
    try:
        conversation, message = work.start(session, flow, typed["line"], phone, typed["body"],
                                           by=g.desk_user, form_key=form_key, now=clock().now())
    except ConversationError as exc:
        problem = refusal(exc, work.of(session, flow.id, typed["line"], phone), typed["body"])
        session.rollback()
        return texts(typed, problem, 400)
    session.commit()  # the worker sends it once this commits
    current_app.logger.info("desk: %s texted %s first (message %s)", g.desk_user, mask(phone),
                            message.id)
    flash(_("SMS to {phone} queued from {line}: {note}", phone=phone, line=message.from_number,
            note=segments_note(message.body)))
    return redirect(url_for("admin.text_thread", conversation_id=conversation.id))


@bp.get("/texts/<int:conversation_id>")
def text_thread(conversation_id: int, typed: str = "", problem: str = "", note: str = "",
                status: int = 200) -> ResponseReturnValue:
    session = db.session()
    conversation = _conversation(session, conversation_id)
    if conversation.unread and request.method == "GET":
        work.read(conversation)  # opened: what it said has been seen
        session.commit()
    thread = work.thread(session, conversation)
    failed = [m.id for m in thread if m.status in work.FAILED]
    return render_template(
        "admin/text.html", c=conversation, thread=thread, retried=work.retried(session, failed),
        typed=typed, problem=problem, note=note, form_key=secrets.token_hex(16),
        opted_out=opted_out(conversation) if conversation.opted_out_at else "",
        delivery=delivery, segments=messages.segments), status


@bp.post("/texts/<int:conversation_id>/reply")
def reply(conversation_id: int) -> ResponseReturnValue:
    session = db.session()
    conversation = _conversation(session, conversation_id)
    typed = request.form.get("body", "")
    form_key = request.form.get("form_key", "")
    if request.form.get("action") == "count":  # how many SMS it would take; nothing is sent
        return text_thread(conversation_id, typed=typed, note=segments_note(typed.strip()))
    if not FORM_KEY.fullmatch(form_key):
        abort(400)
    try:
        message = work.reply(session, flow_or_none(conversation.flow_id), conversation, typed,
                             by=g.desk_user, form_key=form_key, now=clock().now())
    except ConversationError as exc:
        session.rollback()
        return text_thread(conversation_id, typed=typed,
                           problem=refusal(exc, conversation, typed), status=400)
    session.commit()  # the worker sends it once this commits
    current_app.logger.info("desk: %s replied by SMS to %s (message %s)", g.desk_user,
                            mask(conversation.phone), message.id)
    flash(_("Reply queued from {line}: {note}", line=message.from_number,
            note=segments_note(message.body)))
    return redirect(url_for("admin.text_thread", conversation_id=conversation_id) + "#reply")


@bp.post("/texts/<int:conversation_id>/retry/<int:message_id>")
def retry_text(conversation_id: int, message_id: int) -> ResponseReturnValue:
    session = db.session()
    conversation = _conversation(session, conversation_id)
    try:
        work.retry(session, flow_or_none(conversation.flow_id), conversation, message_id,
                   by=g.desk_user, now=clock().now())
    except ConversationError as exc:
        session.rollback()
        flash(refusal(exc, conversation))
    else:
        session.commit()
        flash(_("The SMS is queued to be sent again."))
    return redirect(url_for("admin.text_thread", conversation_id=conversation_id))


@bp.post("/texts/<int:conversation_id>/done")
def text_done(conversation_id: int) -> ResponseReturnValue:
    session = db.session()
    conversation = _conversation(session, conversation_id)
    work.done(session, conversation, by=g.desk_user, now=clock().now())
    session.commit()
    flash(_("Conversation marked done."))
    if request.form.get("back") == "list":
        return redirect(url_for("admin.texts"))
    return redirect(url_for("admin.text_thread", conversation_id=conversation_id))


@bp.post("/texts/<int:conversation_id>/reopen")
def text_reopen(conversation_id: int) -> ResponseReturnValue:
    session = db.session()
    work.reopen(_conversation(session, conversation_id))
    session.commit()
    flash(_("Conversation reopened."))
    return redirect(url_for("admin.text_thread", conversation_id=conversation_id))
