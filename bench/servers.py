"""The servers the webhook benchmark compares, on the same production settings
(`voicebot.serving`: gunicorn, WEB_WORKERS x WEB_THREADS, the request log line):

- `voicebot`: the app itself, its clock set to the scripted call's moment so the call takes
  the same path at any hour (as `voicebot flows test` does in-process);
- `bare`: a Flask app that answers every webhook with one fixed TwiML document, built once;
- `handwritten`: the stateful handler of bench.handwritten (signature check, one transaction
  of lock, update and insert per webhook, `VoiceResponse`) on voicebot's PostgreSQL database;
- `embedded`: the app as `voicebot serve` runs it by default (waitress, WEB_THREADS threads,
  the job worker in the same process), for bench.embedded.

    python -m bench.servers voicebot|bare|handwritten|embedded --port PORT [--at ISO-TIME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
from collections.abc import Callable

import waitress
from flask import Flask, Response
from sqlalchemy import make_url
from twilio.twiml.voice_response import VoiceResponse

from bench.handwritten import create_schema, handwritten_app
from voicebot import create_app, db, logs, serving
from voicebot.config import load_settings
from voicebot.jobs.worker import Worker

HOST = "127.0.0.1"


def _fixed_twiml() -> str:
    reply = VoiceResponse()
    gather = reply.gather(input="dtmf speech", action="/bare/gather", method="POST", timeout=5,
                          language="en-US", action_on_empty_result=False)
    gather.say("For prices, press 4. To speak with a dispatcher, press 0.", voice="Polly.Joanna",
               language="en-US")
    return str(reply)


TWIML = _fixed_twiml()


def bare_app() -> Flask:
    app = Flask("bare")
    logs.init_app(app)

    @app.post("/<path:_path>")
    def answer(_path: str) -> Response:
        return Response(TWIML, mimetype="application/xml")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def voicebot_app(at: dt.datetime | None) -> Flask:
    app = create_app({"AUTO_MIGRATE": False})
    app.extensions["voicebot.clock"].set(at)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument("kind", choices=["voicebot", "bare", "handwritten", "embedded"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--at", type=dt.datetime.fromisoformat)
    args = parser.parse_args()
    settings = load_settings()
    logs.configure(settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    if args.kind == "embedded":
        db.upgrade(settings["DATABASE_URL"])
        app = voicebot_app(args.at)
        worker = Worker(app).start()
        try:
            waitress.serve(app, host=HOST, port=args.port, threads=int(app.config["WEB_THREADS"]),
                           ident="voicebot")
        finally:
            worker.stop()
        return
    factory: Callable[[], Flask] = bare_app
    if args.kind == "voicebot":
        db.upgrade(settings["DATABASE_URL"])  # once, before the workers fork
        factory = functools.partial(voicebot_app, args.at)
    elif args.kind == "handwritten":
        dsn = make_url(settings["DATABASE_URL"]).set(drivername="postgresql") \
            .render_as_string(hide_password=False)
        if not settings["DB_SYNCHRONOUS_COMMIT"]:  # the same durability as voicebot's, for fairness
            dsn += "?options=-c%20synchronous_commit%3Doff"
        create_schema(dsn)
        factory = functools.partial(handwritten_app, dsn, settings["TWILIO_AUTH_TOKEN"])
    serving.run(factory, serving.options(settings, HOST, args.port))


if __name__ == "__main__":
    main()
