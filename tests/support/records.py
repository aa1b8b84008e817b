"""Reading what a call left in the database, as the dispatcher would see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from voicebot import db
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
    (call,) = stored(app, Call, sid=emulator.call_sid)
    return call
