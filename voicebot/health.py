"""`/healthz`: 200 when the database answers, 503 when it does not, with a few counts.

It is public (a load balancer asks it), so it says nothing of what is inside: no database
error (it can name hosts and users), no flow file's lines or paths. Whoever runs the
service finds the database error in the log, and the flows' problems on the desk's flows
page and in the log.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from voicebot import db
from voicebot.compiler.registry import registry
from voicebot.speech import coverage

bp = Blueprint("health", __name__)
log = logging.getLogger("voicebot.health")


def counts() -> dict[str, int]:
    """What /healthz counts; each entry a number a monitor can alert on."""
    snapshot = registry().snapshot()
    return {
        "flows_loaded": len(snapshot.by_id),
        "flows_with_problems": snapshot.files_with_problems,
    }


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        db.session().execute(text("SELECT 1"))
    except Exception as exc:  # the point is to report it, whatever it is
        log.error("health check: the database does not answer: %s", exc)
        return jsonify(ok=False, database="down", counts=counts()), 503
    return jsonify(ok=True, database="up", counts=counts(), transcription=transcription())


def transcription() -> dict[str, str]:
    """Per language of the loaded lines, 'ready' or 'no recognizer': a line whose voicemails
    nobody transcribes is an outage of the quote feature, so a monitor should see it."""
    return coverage.health(current_app.config, registry().flows())
