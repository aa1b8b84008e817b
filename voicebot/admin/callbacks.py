"""Callbacks on the desk: the promised call backs still to run, and the finished ones with
every attempt."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voicebot import db
from voicebot.admin.blueprint import bp
from voicebot.admin.handoff import PENDING_CALLBACKS
from voicebot.models import Callback

PAGE = 50


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    show = "finished" if request.args.get("show") == "finished" else "pending"
    before = request.args.get("before", "")
    query = select(Callback).options(selectinload(Callback.attempts))
    if show == "pending":
        query = query.where(Callback.status.in_(PENDING_CALLBACKS)).order_by(
            Callback.next_at.is_(None), Callback.next_at, Callback.id)
    else:
        query = query.where(Callback.status.not_in(PENDING_CALLBACKS)).order_by(Callback.id.desc())
        if before.isdigit():
            query = query.where(Callback.id < int(before))
    rows = list(db.session().scalars(query.limit(PAGE + 1)))
    older = rows[PAGE - 1].id if show == "finished" and len(rows) > PAGE else None
    return render_template("admin/callbacks.html", callbacks=rows[:PAGE], show=show, older=older)
