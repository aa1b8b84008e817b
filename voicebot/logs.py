"""Logging: a line per request, and JSON lines for a log collector when asked for.

`LOG_FORMAT=json` writes one JSON object per line. Every line written while a request is being
answered carries its request id, method, path and call SID; the line that closes a request
adds its status and duration. Phone numbers in messages are masked (`phones.mask`), so a log
shows enough to tell callers apart, not enough to dial them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.ctx import _AppCtxGlobals

from voicebot.phones import mask

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("voicebot.request")
slow_log = logging.getLogger("voicebot.slow")
"""Answers near Twilio's limit: a logger of their own, to alert on (and apart from the request
lines a log reader counts)."""

SLOW_REQUEST_SECONDS = 5.0
"""An answer this slow is a third of the way to Twilio's 15 s limit: the server is past what
it can take (README: how many calls the embedded server is for), and says so in the log."""

# E.164 as Twilio writes it; the lookbehind keeps hex runs inside SIDs and ids untouched.
_PHONE = re.compile(r"(?<![\w+])\+\d{6,15}\b")
# A request id from the load balancer is kept only if it is short and plain: it goes into logs.
_REQUEST_ID = re.compile(r"^[\w.:-]{1,64}$")
# Fields a record may carry (from `extra=` or the request); they keep this order in the line.
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "call_sid", "from")


def mask_numbers(text: str) -> str:
    return _PHONE.sub(lambda m: mask(m.group()), text)


def request_fields() -> Mapping[str, Any]:
    """What identifies the request being answered, if any (empty outside one). Worked out
    once a request: every line of it carries them, and reading them through Flask's proxies
    each time cost a line about as much as formatting it (issue 15)."""
    if not has_request_context():
        return {}
    app_globals: _AppCtxGlobals = g._get_current_object()  # one proxy lookup
    fields: dict[str, Any] | None = app_globals.get(_FIELDS)
    if fields is None:
        fields = _fields_now()
        if "request_id" in app_globals:  # `_start` has run: nothing in them changes from here on
            setattr(app_globals, _FIELDS, fields)
    return fields


_FIELDS = "log_fields"
"""`g` key of the request's fields."""


def _fields_now() -> dict[str, Any]:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    fields: dict[str, Any] = {"request_id": g.get("request_id", ""), "method": req.method,
                              "path": req.path}
    if req.mimetype == "application/x-www-form-urlencoded" \
            and (req.content_length or 0) <= (req.max_content_length or sys.maxsize):
        # Twilio's webhooks: the form is parsed anyway, for the signature check. (A body over
        # the limit is never read: the line of its 413 says so without the form's fields.)
        form = req.form
        if call_sid := form.get("CallSid"):
            fields["call_sid"] = call_sid
        if caller := form.get("From"):
            fields["from"] = mask(caller)
    return fields


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""`json.dumps(entry, ensure_ascii=False)`'s encoder, made once rather than for each line."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_numbers(record.getMessage()),
        }
        fields = request_fields()
        for k in FIELDS:  # the record's own (from `extra=`) over the request's
            if k in record.__dict__:
                entry[k] = record.__dict__[k]
            elif k in fields:
                entry[k] = fields[k]
        if record.exc_info:
            entry["error"] = mask_numbers(self.formatException(record.exc_info))
        return _ENCODER.encode(entry)


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"VOICEBOT_LOG_FORMAT: expected {' or '.join(FORMATS)} (got {fmt!r})")
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, fmt: str) -> None:
    """Like `logging.basicConfig`: does nothing where logging is already set up (a test runner,
    a host application), so it is safe to call from every `create_app`."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    logging.basicConfig(level=level, handlers=[handler])
    # The twilio client logs every request's headers at INFO: noise, not news.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def slow_request_advice(seconds: float, app: Flask) -> str:
    """What to change when answers take this long, for the server that is running."""
    threads = app.config["WEB_THREADS"]
    if app.config["DATABASE_URL"].startswith("sqlite"):
        fix = (f"the embedded server on SQLite is for a few dozen calls at once: run "
               f"`voicebot serve --production` on PostgreSQL (VOICEBOT_DATABASE_URL, "
               f"VOICEBOT_PRODUCTION), or raise VOICEBOT_WEB_THREADS (now {threads})")
    else:
        fix = (f"add web processes or hosts (VOICEBOT_WEB_WORKERS), raise VOICEBOT_WEB_THREADS "
               f"(now {threads}) if the database has room, or check the database")
    return (f"slow answer: {request.method} {request.path} took {seconds:.1f} s; Twilio gives up "
            f"after 15 s. This server has more calls than it can take: {fix}")


def init_app(app: Flask) -> None:
    """A request id for every request (the load balancer's `X-Request-Id`, or a new one),
    echoed in the response, and one log line when the request is answered."""

    # Flask's proxies are looked up once in each (a few thousand instructions each; issue 15).
    @app.before_request
    def _start() -> None:
        given = request.environ.get("HTTP_X_REQUEST_ID", "")
        app_globals: _AppCtxGlobals = g._get_current_object()
        app_globals.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
        app_globals.request_started = time.perf_counter()

    @app.after_request
    def _done(response: Response) -> Response:
        app_globals: _AppCtxGlobals = g._get_current_object()
        started = app_globals.get("request_started")
        if started is None:  # a failure before _start ran: nothing to time
            return response
        ms = round((time.perf_counter() - started) * 1000, 1)
        response.headers["X-Request-Id"] = app_globals.request_id
        req = request._get_current_object()  # type: ignore[attr-defined]
        # The fields ride on the record too, for handlers that format it after the request.
        log.info("%s %s %s %.1f ms", req.method, req.path, response.status_code, ms,
                 extra={**request_fields(), "status": response.status_code, "duration_ms": ms})
        if ms >= SLOW_REQUEST_SECONDS * 1000:
            slow_log.warning(slow_request_advice(ms / 1000, app),
                             extra={**request_fields(), "status": response.status_code,
                                    "duration_ms": ms})
        return response
