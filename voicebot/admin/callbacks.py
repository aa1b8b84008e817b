"""Callbacks on the desk: the promised call backs still to run, and the finished ones with
every attempt; staff can cancel one, or run it now instead of at its time. Kept places
(callers who hung up keeping their place in a queue) are listed with them: their place in
line, the calls made, and how it went."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voicebot import db
from voicebot.admin.blueprint import bp
from voicebot.admin.i18n import gettext as _
from voicebot.callbacks.runner import run_now
from voicebot.clock import clock
from voicebot.models import Callback
from voicebot.services import callbacks as callback_rules
from voicebot.services import kept_places

PAGE = 50


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    show = "finished" if request.args.get("show") == "finished" else "pending"
    before = request.args.get("before", "")
    query = select(Callback).options(selectinload(Callback.attempts))
    if show == "pending":
        query = query.where(Callback.status.in_(callback_rules.OPEN)).order_by(
            Callback.next_at.is_(None), Callback.next_at, Callback.id)
    else:
        query = query.where(Callback.status.not_in(callback_rules.OPEN)).order_by(
            Callback.id.desc())
        if before.isdigit():
            query = query.where(Callback.id < int(before))
    rows = list(db.session().scalars(query.limit(PAGE + 1)))
    older = rows[PAGE - 1].id if show == "finished" and len(rows) > PAGE else None
    kept = kept_places.listing(db.session(), pending=show == "pending")
    return render_template("admin/callbacks.html", callbacks=rows[:PAGE], show=show, older=older,
                           kept=kept)


def _back() -> ResponseReturnValue:
    if request.form.get("back") == "handoff":
        return redirect(url_for("admin.handoff"))
    return redirect(url_for("admin.callbacks"))


@bp.post("/callbacks/<int:callback_id>/cancel")
def cancel_callback(callback_id: int) -> ResponseReturnValue:
    session = db.session()
    if callback_rules.cancel(session, callback_id, g.desk_user, clock().now()):
        session.commit()
        current_app.logger.info("desk: %s canceled callback #%s", g.desk_user, callback_id)
        flash(_("Callback canceled."))
    else:
        flash(_("That callback cannot be canceled any more."))
    return _back()


@bp.post("/callbacks/<int:callback_id>/run")
def run_callback_now(callback_id: int) -> ResponseReturnValue:
    if run_now(current_app._get_current_object(),  # type: ignore[attr-defined]
                              callback_id):
        current_app.logger.info("desk: %s ran callback #%s now", g.desk_user, callback_id)
        flash(_("Callback started."))
    else:
        flash(_("That callback cannot run now."))
    return _back()
