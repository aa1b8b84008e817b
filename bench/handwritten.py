"""The floor bench.webhooks measures voicebot against: a stateful Twilio webhook written by hand,
as a quickstart would. Each webhook checks Twilio's signature, then in one transaction on its
thread's own psycopg connection locks and loads the call's row, updates it, inserts an event,
commits once, and answers with `VoiceResponse`. Same gunicorn settings and PostgreSQL as
voicebot; its two tables live beside voicebot's in the benchmark's scratch database.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from flask import Flask, Response, abort, request
from psycopg.types.json import Jsonb
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from voicebot import logs

SCHEMA = """
CREATE TABLE IF NOT EXISTS hw_calls (
    id bigserial PRIMARY KEY, sid text NOT NULL UNIQUE, from_number text NOT NULL,
    to_number text NOT NULL, status text NOT NULL, turn integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS hw_events (
    id bigserial PRIMARY KEY, call_id bigint NOT NULL REFERENCES hw_calls (id),
    at timestamptz NOT NULL DEFAULT now(), kind text NOT NULL, data jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS hw_events_call ON hw_events (call_id);
"""


def create_schema(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(SCHEMA)


def handwritten_app(dsn: str, auth_token: str) -> Flask:
    app = Flask("handwritten")
    logs.init_app(app)  # the same JSON line per request as the servers beside it, timed alike
    validator, local = RequestValidator(auth_token), threading.local()

    def connection() -> psycopg.Connection[Any]:
        if getattr(local, "conn", None) is None or local.conn.closed:
            local.conn = psycopg.connect(dsn)  # one per gunicorn thread, kept
        conn: psycopg.Connection[Any] = local.conn
        return conn

    @app.before_request
    def signed() -> None:
        if request.method == "POST" and not validator.validate(
                request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)

    def record(kind: str, status: str) -> None:
        """BEGIN, lock and load the call, update it, insert the event, COMMIT: 5 round trips."""
        form, conn = request.form, connection()
        with conn.transaction(), conn.cursor() as cur:
            if kind == "incoming":  # the row is created locked
                cur.execute("INSERT INTO hw_calls (sid, from_number, to_number, status) "
                            "VALUES (%s, %s, %s, %s) ON CONFLICT (sid) DO UPDATE SET status = "
                            "EXCLUDED.status RETURNING id, turn",
                            (form["CallSid"], form["From"], form["To"], status))
            else:
                cur.execute("SELECT id, turn FROM hw_calls WHERE sid = %s FOR UPDATE",
                            (form["CallSid"],))
            row = cur.fetchone()
            if row is None:
                abort(404)
            cur.execute("UPDATE hw_calls SET turn = %s, status = %s, updated_at = now() "
                        "WHERE id = %s", (row[1] + 1, status, row[0]))
            cur.execute("INSERT INTO hw_events (call_id, kind, data) VALUES (%s, %s, %s)",
                        (row[0], kind, Jsonb(form.to_dict())))

    def ask(words: str) -> Response:
        reply = VoiceResponse()
        gather = reply.gather(input="dtmf speech", action="/twilio/voice/step", method="POST",
                              timeout=5, language="en-US", action_on_empty_result=False)
        gather.say(words, voice="Polly.Joanna", language="en-US")
        return Response(str(reply), mimetype="application/xml")

    @app.post("/twilio/voice")
    def voice() -> Response:
        record("incoming", "in-progress")
        return ask("Thank you for calling. For prices, press 4. For a dispatcher, press 0.")

    @app.post("/twilio/voice/step")
    def step() -> Response:
        record("input", "in-progress")
        if request.form.get("Digits") == "4":
            return ask("The service call is $85. Is there anything else?")
        reply = VoiceResponse()
        reply.say("Thank you for calling. Goodbye.", voice="Polly.Joanna", language="en-US")
        reply.hangup()
        return Response(str(reply), mimetype="application/xml")

    @app.post("/twilio/voice/status")
    def status() -> Response:
        record("status", request.form["CallStatus"])
        return Response(status=204)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app
