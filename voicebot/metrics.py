"""`GET /metrics`: the desk's figures in Prometheus' text exposition format, per line.

The figures say how busy each line is, which is the office's business: the endpoint answers
only with `Authorization: Bearer <VOICEBOT_METRICS_TOKEN>`. Without the setting it does not
exist (404); with it, a missing or wrong token gets 401 and nothing else.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.orm import Session

from voicebot import db, stats

bp = Blueprint("metrics", __name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WAIT_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600)
"""Seconds; 20 is the service level's threshold, 300 the longest wait the shipped flows allow."""

COUNTERS = (
    ("calls_total", "Inbound calls", "calls"),
    ("calls_answered_total", "Inbound calls a person answered (from the queue, a transfer or "
     "a kept place's call back)", "answered"),
    ("calls_abandoned_total", "Callers who hung up while waiting in a queue", "abandoned"),
    ("voicemails_total", "Voicemails left", "voicemails"),
    ("quotes_sent_total", "Price quotes sent by SMS", "quotes_sent"),
    ("quotes_approved_total", "Price quotes the caller approved", "quotes_approved"),
    ("kept_places_offered_total", "Queued callers offered to keep their place for a call back",
     "kept_offered"),
    ("kept_places_taken_total", "Queued callers who kept their place for a call back",
     "kept_taken"),
    ("kept_places_reached_total", "Kept places called back and reached", "kept_reached"),
    ("kept_places_not_reached_total",
     "Kept places not reached after the last call back, each left as a ticket",
     "kept_not_reached"),
)


@bp.get("/metrics")
def metrics() -> Response:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        content_type="text/plain")
    return Response("".join(exposition(db.session())), content_type=CONTENT_TYPE)


def exposition(session: Session) -> Iterable[str]:
    """Every figure since the first call, per line (`flow` label)."""
    per_line = {line: figures for (line, _), figures in stats.collect(session).items()}
    lines = sorted(per_line)
    for name, help_text, attribute in COUNTERS:
        yield f"# HELP voicebot_{name} {help_text}.\n# TYPE voicebot_{name} counter\n"
        for line in lines:
            yield f'voicebot_{name}{{flow="{_label(line)}"}} {getattr(per_line[line], attribute)}\n'
    yield ("# HELP voicebot_queue_wait_seconds How long answered callers waited in the queue.\n"
           "# TYPE voicebot_queue_wait_seconds histogram\n")
    for line in lines:
        waits, flow = per_line[line].waits, _label(line)
        for bound in WAIT_BUCKETS:
            below = sum(n for seconds, n in waits.items() if seconds <= bound)
            yield f'voicebot_queue_wait_seconds_bucket{{flow="{flow}",le="{bound}"}} {below}\n'
        total = sum(waits.values())
        yield f'voicebot_queue_wait_seconds_bucket{{flow="{flow}",le="+Inf"}} {total}\n'
        yield f'voicebot_queue_wait_seconds_sum{{flow="{flow}"}} {sum(s * n for s, n in waits.items())}\n'
        yield f'voicebot_queue_wait_seconds_count{{flow="{flow}"}} {total}\n'
    yield ("# HELP voicebot_callbacks_total Callback rule firings by how they ended (or stand).\n"
           "# TYPE voicebot_callbacks_total counter\n")
    for (line, outcome), n in sorted(stats.callback_outcomes(session).items()):
        yield f'voicebot_callbacks_total{{flow="{_label(line)}",outcome="{_label(outcome)}"}} {n}\n'


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
