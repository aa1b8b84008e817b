"""Tickets on the desk: list, create, assign, comment, answer, close. What staff type is held
to the dry official language of tickets (TS-5): refused with the reason and a suggested
wording, and the typed text comes back in the form, so nothing is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from voicebot import db, phones, ticket_language
from voicebot.admin import conversations as desk_texts
from voicebot.admin.blueprint import bp
from voicebot.admin.formatting import desk_zone
from voicebot.admin.i18n import gettext as _
from voicebot.clock import clock
from voicebot.compiler.registry import registry
from voicebot.flows.catalog import flow_or_none
from voicebot.models import Ticket
from voicebot.services import conversations as text_work
from voicebot.services import messages
from voicebot.services import tickets as ticket_work
from voicebot.services.tickets import TicketError

KINDS = ("callback", "question", "message", "request", "note", "disconnect")
STATUSES = ("open", "closed", "all")
NOT_CLOSED = ("open", "answered")
"""An answered ticket still waits for its call back: it stays on the desk until closed."""
PAGE = 50
MAX_TEXT = 4000
PROBLEM_WORDS = {
    "brackets": "brackets {found}",
    "exclamation": "exclamation marks {found}",
    "emoticon": "emoticons {found}",
    "repeated-punctuation": "repeated punctuation {found}",
}


@dataclass
class Typed:
    """A text field as staff typed it, and why it was refused, if it was."""

    name: str
    value: str = ""
    problems: list[str] = field(default_factory=list)
    suggestion: str = ""
    error: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.problems or self.error)


def dry_text(name: str) -> Typed:
    """Read a text field: with `wording=suggested` the suggested wording is what is saved."""
    typed = Typed(name, request.form.get(name, "").strip())
    text = typed.value
    if request.form.get("wording") == "suggested":
        text = ticket_language.normalise(text)
    if not text:
        typed.error = "Write the text."
        return typed
    problems = ticket_language.check(text)
    if problems:
        typed.problems = [_(PROBLEM_WORDS[p.code], found=p.found) for p in problems]
        typed.suggestion = ticket_language.normalise(text)
        return typed
    typed.value = text[:MAX_TEXT]
    return typed


def is_official(ticket: Ticket) -> bool:
    """A message from a state body (TS-7): marked by staff, or by the flow's own wording."""
    return bool(ticket.fields.get("official")) or "официальн" in ticket.text.lower()


def _ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id, options=[selectinload(Ticket.comments)])
    if ticket is None:
        abort(404)
    return ticket


def _note(ticket: Ticket, text: str) -> None:
    ticket_work.note(ticket, g.desk_user, text, clock().now())
    ticket.updated_at = clock().now()


def _lines() -> list[str]:
    return [flow.id for flow in registry().flows()]


@bp.get("/tickets")
def tickets() -> ResponseReturnValue:
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    line = request.args.get("line", "")
    before = request.args.get("before", "")
    query = select(Ticket).order_by(Ticket.id.desc())
    if status == "open":
        query = query.where(Ticket.status.in_(NOT_CLOSED))
    elif status == "closed":
        query = query.where(Ticket.status == "closed")
    if line:
        query = query.where(Ticket.flow_id == line)
    if before.isdigit():
        query = query.where(Ticket.id < int(before))
    rows = list(db.session().scalars(query.limit(PAGE + 1)))
    return render_template("admin/tickets.html", tickets=rows[:PAGE], status=status, line=line,
                           lines=_lines(), older=rows[PAGE - 1].id if len(rows) > PAGE else None,
                           statuses=STATUSES, now=clock().now())


@bp.route("/tickets/new", methods=["GET", "POST"])
def new_ticket() -> ResponseReturnValue:
    form: dict[str, Any] = {"line": request.values.get("line", ""), "kind": "callback",
                            "phone": request.values.get("phone", ""), "urgent": False,
                            "official": False, "assign_role": "", "assigned_to": "", "due": ""}
    text = Typed("text")
    errors: list[str] = []
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in
                     ("line", "kind", "phone", "assign_role", "assigned_to", "due")})
        form["urgent"] = bool(request.form.get("urgent"))
        form["official"] = bool(request.form.get("official"))
        text = dry_text("text")
        # Read as the line's country writes numbers: '8 916 555-01-23' on a Russian line.
        own = messages.line_number(flow_or_none(form["line"]))
        phone = phones.read(form["phone"], own) if form["phone"] else ""
        due = None
        if form["line"] not in _lines():
            errors.append(_("Choose a line."))
        if form["phone"] and not phone:
            errors.append(
                _("{typed} is not a phone number: type it as numbers are written where {line} "
                  "is, or with the country code (+...).", typed=form["phone"], line=own) if own
                else _("{typed} is not a phone number; give it with the country code, "
                       "e.g. +15035550100.", typed=form["phone"]))
        if form["due"]:
            try:
                due = dt.datetime.fromisoformat(form["due"]).replace(tzinfo=desk_zone())
            except ValueError:
                errors.append(_("The due time was not understood."))
        if not errors and not text.refused:
            now = clock().now()
            session = db.session()
            # The flow's rules for new tickets apply to the desk's too.
            ticket = ticket_work.open(
                session, flow_or_none(form["line"]), flow_id=form["line"],
                kind=form["kind"] if form["kind"] in KINDS else "note", text=text.value,
                phone=phone, urgent=form["urgent"],
                fields={"official": "yes"} if form["official"] else {},
                assign_role=form["assign_role"] or None, assigned_to=form["assigned_to"],
                due_at=due, now=now,
            )
            assert ticket is not None  # no key: always a new one
            session.commit()
            current_app.logger.info("desk: %s created ticket #%s", g.desk_user, ticket.id)
            return redirect(url_for("admin.ticket", ticket_id=ticket.id))
    status = 400 if errors or text.refused else 200
    return render_template("admin/ticket_new.html", form=form, text=text, errors=errors,
                           lines=_lines(), kinds=KINDS), status


@bp.get("/tickets/<int:ticket_id>")
def ticket(ticket_id: int, refused: Typed | None = None, status: int = 200) -> ResponseReturnValue:
    session = db.session()
    item = _ticket(session, ticket_id)
    conversation = text_work.for_ticket(session, item)
    return render_template("admin/ticket.html", ticket=item, refused=refused, now=clock().now(),
                           conversation=conversation,
                           thread=text_work.thread(session, conversation) if conversation else [],
                           delivery=desk_texts.delivery, segments=messages.segments), status


@bp.post("/tickets/<int:ticket_id>/assign")
def assign(ticket_id: int) -> ResponseReturnValue:
    session = db.session()
    item = _ticket(session, ticket_id)
    who = request.form.get("assigned_to", "").strip()[:64]
    item.assigned_to = who
    _note(item, f"{_('Assigned to')}: {who or '-'}")
    session.commit()
    flash(_("Saved."))
    return redirect(url_for("admin.ticket", ticket_id=ticket_id))


def _save_text(ticket_id: int, name: str, save: Callable[[str], object],
               anchor: str = "") -> ResponseReturnValue:
    """A text staff typed into a ticket: saved when dry, else the page again with why not."""
    typed = dry_text(name)
    if not typed.refused:
        try:
            save(typed.value)
        except TicketError as exc:
            typed.error = str(exc)
    if typed.refused:
        return ticket(ticket_id, refused=typed, status=400)
    flash(_("Saved."))
    return redirect(url_for("admin.ticket", ticket_id=ticket_id) + anchor)


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@bp.post("/tickets/<int:ticket_id>/comment")
def comment(ticket_id: int) -> ResponseReturnValue:
    return _save_text(ticket_id, "comment",
                      lambda text: ticket_work.comment(_app(), ticket_id, text, g.desk_user),
                      "#comments")


@bp.post("/tickets/<int:ticket_id>/answer")
def answer(ticket_id: int) -> ResponseReturnValue:
    """Management's answer (TS-4): the flow's `ticket_answered` rules call the caller back."""
    return _save_text(ticket_id, "answer",
                      lambda text: ticket_work.answer(_app(), ticket_id, text, g.desk_user))


def _back_to(ticket_id: int) -> ResponseReturnValue:
    if request.form.get("back") == "handoff":
        return redirect(url_for("admin.handoff"))
    return redirect(url_for("admin.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/close")
def close(ticket_id: int) -> ResponseReturnValue:
    try:
        ticket_work.close(_app(), ticket_id, g.desk_user)
    except TicketError as exc:
        flash(str(exc))
    else:
        # The SMS conversation the ticket stands for is answered too.
        text_work.ticket_closed(db.session(), ticket_id, by=g.desk_user, now=clock().now())
        db.session().commit()
        current_app.logger.info("desk: %s closed ticket #%s", g.desk_user, ticket_id)
        flash(_("Ticket closed."))
    return _back_to(ticket_id)


@bp.post("/tickets/<int:ticket_id>/reopen")
def reopen(ticket_id: int) -> ResponseReturnValue:
    """A ticket closed by mistake: open again (answered, if it had its answer)."""
    session = db.session()
    item = _ticket(session, ticket_id)
    if ticket_work.reopen(item):
        _note(item, _("Ticket reopened."))
        session.commit()
    flash(_("Ticket reopened."))
    return _back_to(ticket_id)
