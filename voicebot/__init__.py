"""voicebot: a phone line that runs itself."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

__version__ = "0.1.0"


MAX_BODY = 1 << 20
"""The largest request body the service reads, in bytes."""


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory: settings from defaults, then VOICEBOT_* variables, then `test_config`."""
    from voicebot import (
        admin,
        clock,
        db,
        health,
        jobs,
        logs,
        metrics,
        services,
        spool,
        telephony,
    )
    from voicebot.compiler.registry import FlowRegistry, registry
    from voicebot.config import load_settings
    from voicebot.flows.catalog import EXTENSION
    from voicebot.language import forms
    from voicebot.web import audio, voice
    from voicebot.web.forms import WebhookRequest

    settings = load_settings(test_config)
    app = Flask(__name__, instance_path=settings["INSTANCE_DIR"], instance_relative_config=True)
    app.request_class = WebhookRequest
    app.config.from_mapping(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"]
    # Twilio's webhooks and the desk's forms are a few kilobytes; a larger body is refused
    # (413) before anything reads it, so no client can make a request hold memory it wants.
    app.config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY
    logs.configure(settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    if settings["INSECURE_SKIP_SIGNATURE"]:
        app.logger.warning("VOICEBOT_INSECURE_SKIP_SIGNATURE is on: webhooks are NOT verified")

    proxies = int(settings["TRUSTED_PROXIES"])
    if proxies < 0:
        raise ValueError(f"VOICEBOT_TRUSTED_PROXIES must be 0 or more (got {proxies})")
    if proxies:
        # Each trusted proxy appends one address: the client's is that many from the end.
        # Anything a client writes into the headers itself lies further left and is ignored.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logs.init_app(app)
    clock.init_app(app)
    db.init_app(app)
    telephony.init_app(app)
    jobs.init_app(app)
    services.init_app(app)
    spool.init_app(app)
    app.extensions[EXTENSION] = FlowRegistry(
        Path(settings["FLOWS_DIR"]), check_interval=float(settings["FLOW_CHECK_INTERVAL"])
    )
    if any(flow.stem_language == "russian" for flow in registry(app).flows()):
        forms.warm_in_background()  # Russian names and cases: not in the first caller's turn
    app.register_blueprint(voice.bp)
    app.register_blueprint(audio.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    admin.init_app(app)
    db.answer_again_if_dropped(app)
    return app


def close_app(app: Flask) -> None:
    """Release what `create_app` started, for an app that ends before its process does (a
    test, a scratch app, a benchmark, the production master before it forks): the job
    store's adder thread, Twilio's request threads, the flow watcher and the database pool."""
    from voicebot import db
    from voicebot.compiler.registry import registry

    app.extensions["voicebot.jobs"].close()
    app.extensions["voicebot.telephony"].close()
    registry(app).close()
    db.engine(app).dispose()
