"""`/healthz`: answers 200 when the database answers, with the flows' state."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from voicebot import db
from voicebot.speech import coverage

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        db.session().execute(text("SELECT 1"))
    except Exception as exc:  # the point is to report it, whatever it is
        return jsonify(ok=False, database=str(exc)[:200]), 503
    registry = current_app.extensions["voicebot.flows"]
    return jsonify(ok=True, flows=[f.id for f in registry.flows()],
                   broken=[str(p) for p in registry.problems()],
                   transcription=coverage.health(current_app.config, registry.flows()))
