"""Reading what a call left in the database, as the dispatcher would see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voicebot import db, journal
from voicebot.devtools.emulator import CallEmulator
from voicebot.models import Call

Dial = Callable[..., CallEmulator]


def stored(app: Flask, model: type, **where: object) -> list[Any]:
    """Rows of `model` matching `where`, detached so they can be read after the session."""
    with db.session_scope(app) as s:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def the_call(app: Flask, emulator: CallEmulator) -> Call:
    """The call's row, detached, with its note as `voicebot journal` shows it (written from
    the call's events when read)."""
    return noted(app, Call.sid == emulator.call_sid)


def noted(app: Flask, *where: Any) -> Call:
    """The one call matching `where`, detached, its note as `voicebot journal` shows it."""
    with db.session_scope(app) as s:
        call = s.scalars(select(Call).options(selectinload(Call.events)).where(*where)).one()
        s.expunge_all()
    call.note = journal.note(call, app.extensions["voicebot.flows"])
    return call
