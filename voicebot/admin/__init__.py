"""The dispatcher's desk at /admin: hand-off view, tickets, callbacks, flows (issue 6).

Every request passes one guard: the language switch, then the login check, then the CSRF
check of any form. Flask-WTF's CSRFProtect makes and checks the tokens; it is told to check
only where the guard asks, so Twilio's signed webhooks are left to their own check.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Request, Response, g, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from typing_extensions import override

from voicebot import db
from voicebot.admin import (
    auth,
    callbacks,
    conversations,
    flows,
    formatting,
    handoff,
    i18n,
    jobs,
    naming,
    recordings,
    reports,
    speech_banner,
    tickets,
)
from voicebot.admin.blueprint import bp
from voicebot.services import conversations as text_work

SESSION_HOURS = 12
"""A working shift: a desk left logged in overnight asks for the password again."""

csrf = CSRFProtect()

__all__ = ["bp", "callbacks", "conversations", "flows", "handoff", "init_app", "jobs", "recordings",
           "reports", "speech_banner", "tickets"]


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A form may stay open on the desk for a whole shift; the token is bound to the session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", SESSION_HOURS * 3600)
    # Set, not defaulted: Flask defines these keys itself (31 days, no SameSite, not Secure).
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=SESSION_HOURS)
    # Lax, not Strict: a link to a ticket pasted into a chat opens the desk logged in; the
    # forms carry CSRF tokens, so a cross-site POST gets nothing from the cookie.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    # Behind an https public URL the browser must never send the session over plain http.
    app.config["SESSION_COOKIE_SECURE"] = str(app.config.get("PUBLIC_URL") or "").startswith("https://")
    auth.init_app(app)
    flows.init_app(app)
    app.extensions["voicebot.desk_zone"] = formatting.choose_zone(app)
    csrf.init_app(app)
    app.session_interface = DeskSessions()
    app.register_blueprint(bp)


class DeskSessions(SecureCookieSessionInterface):
    """The desk's signed cookie session, as Flask's. A request without the cookie (every
    Twilio webhook) gets the same new empty session without the cookie signer being built
    first, which cost each webhook more than its signature check (issue 15); a request with
    no Cookie header at all without its cookies being parsed either; and a session nobody
    read or wrote is not saved, which sets no cookie and no header either way."""

    @override
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and ("HTTP_COOKIE" not in request.environ
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    @override
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Flask's would read seven settings, then return: no Vary (never accessed), no cookie
        # to delete (never modified), none to set (empty).
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


@bp.before_request
def guard() -> ResponseReturnValue | None:
    switched = i18n.switch_language()
    if switched is not None:
        return switched
    denied = auth.require_login()
    if denied is not None:
        return denied
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@bp.after_request
def desk_headers(response: Response) -> Response:
    # Pages hold callers' numbers and words: not cached on a shared computer, not framed,
    # no script or style from anywhere else.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> ResponseReturnValue:  # noqa: ARG001  Flask passes it
    return render_template("admin/message.html", message="The form has expired or was not sent "
                           "by this desk. Reload the page and try again.", status=400), 400


@bp.app_template_global("csrf_token")
def _csrf_token() -> str:
    return str(generate_csrf())


@bp.app_context_processor
def _desk_context() -> dict[str, object]:
    if request.blueprint != "admin":
        return {}
    return {"_": i18n.gettext, "lang": i18n.language(), "lang_url": i18n.switch_url,
            "user": g.get("desk_user"), "is_official": tickets.is_official,
            "when": formatting.when, "zone": str(formatting.desk_zone()),
            "line_name": naming.line_name, "role_name": naming.role_name,
            "shown_fields": naming.shown_fields, "stored_text": naming.stored_text,
            "texts_waiting": lambda: text_work.waiting(db.session())}
