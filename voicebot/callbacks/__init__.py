"""Callback rules at run time. The rows are made by `voicebot.services.callbacks` in the
transaction of the event that fired them; this package enqueues their jobs once that
transaction commits, and runs them (`voicebot.callbacks.runner`).

The row is the truth and the job only a timer: a job lost between the commit and the
enqueue, or in a crash, is found again by the worker's sweep, and a job run twice finds its
callback already claimed.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.callbacks.runner import schedule
from voicebot.services import callbacks


def init_app(app: Flask) -> None:
    factory = db.sessions(app)

    def after_commit(session: Session) -> None:
        for callback_id, when in callbacks.committed(session):
            schedule(app, callback_id, when)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _t: callbacks.rolled_back(s))
