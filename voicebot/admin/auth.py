"""Who may use the desk: one password from settings, kept only as a hash, and a signed
session cookie per person. Without a password set the desk is closed, not open."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from voicebot import db
from voicebot.admin.blueprint import PUBLIC_ENDPOINTS, bp
from voicebot.models import utcnow
from voicebot.services import logins

log = logging.getLogger("voicebot.desk")

HASH_METHODS = ("scrypt:", "pbkdf2:")
MIN_PASSWORD = 10
MAX_FAILURES = 5
"""Wrong passwords for one name from one address: one person's mistakes block only them, not
everyone behind the same office address."""
MAX_ADDRESS_FAILURES = 20
"""Wrong passwords from one address under any names: the name is free text, so a guesser
could otherwise try five passwords under each of endless names."""
FAILURE_WINDOW = 600.0
"""Seconds over which wrong passwords count; a blocked name or address waits out the rest."""


def _throttled(by_name: int, by_address: int) -> bool:
    return by_name >= MAX_FAILURES or by_address >= MAX_ADDRESS_FAILURES


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_hash_setting(value: str | None) -> None:
    """A plain password put where its hash belongs must stop the start, not sit in the env."""
    if value and not (value.startswith(HASH_METHODS) and value.count("$") == 2):
        raise ValueError("VOICEBOT_ADMIN_PASSWORD_HASH is not a password hash; make one with "
                         "`voicebot admin password`")


def _password_hash() -> str | None:
    value: str | None = current_app.config.get("ADMIN_PASSWORD_HASH")
    return value or None


def _session_key() -> str:
    """Ties a session to the current password: changing the password logs everyone out."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, (_password_hash() or "").encode(), hashlib.sha256).hexdigest()[:32]


def current_user() -> str | None:
    name = session.get("desk_user")
    if not name or _password_hash() is None:
        return None
    if not hmac.compare_digest(str(session.get("desk_key", "")), _session_key()):
        return None
    return str(name)


def _recent_failures(name: str, address: str) -> tuple[int, int]:
    """Wrong passwords in the last FAILURE_WINDOW: for this name from this address, and from
    this address under any name. In the database, so every web process counts the same."""
    return logins.recent(db.session(), name, address,
                         utcnow() - dt.timedelta(seconds=FAILURE_WINDOW))


def _failed(name: str, address: str) -> None:
    session = db.session()
    logins.failed(session, name, address, utcnow(), dt.timedelta(seconds=FAILURE_WINDOW))
    session.commit()


def _forget(name: str, address: str) -> None:
    session = db.session()
    logins.forget(session, name, address)
    session.commit()


def init_app(app: Flask) -> None:
    check_hash_setting(app.config.get("ADMIN_PASSWORD_HASH"))


def require_login() -> ResponseReturnValue | None:
    """None when the request may go on; else where to send it (the login) or 401."""
    g.desk_user = current_user()
    if g.desk_user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.method in ("GET", "HEAD") and request.endpoint != "admin.recording":
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    abort(401)


def _safe_next(target: str | None) -> str:
    """Only a path on the desk itself: never another host (an open redirect)."""
    default = url_for("admin.handoff")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    closed = _password_hash() is None
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.desk_user is not None:
            return redirect(next_url)
        return render_template("admin/login.html", closed=closed, next=next_url, name="")
    # The client's address as the trusted proxies report it (VOICEBOT_TRUSTED_PROXIES), else
    # the peer's: a client cannot choose its own by writing X-Forwarded-For.
    who = (request.remote_addr or "?")[:64]
    name = request.form.get("name", "").strip()[:64]
    key = name.casefold()  # "Dana" and "dana" are one person's tries
    password = request.form.get("password", "")
    error = None
    if closed:
        error = "closed"
    elif not name:
        error = "name"
    elif _throttled(*_recent_failures(key, who)):
        log.warning("desk login refused for %s: too many wrong passwords", who)
        error = "throttled"
    elif not check_password_hash(_password_hash() or "", password):
        _failed(key, who)
        log.warning("desk login failed from %s", who)
        error = "password"
    if error:
        status = 429 if error == "throttled" else 400 if error == "name" else 403
        return render_template("admin/login.html", closed=closed, next=next_url, name=name,
                               error=error), status
    _forget(key, who)
    lang = session.get("lang")
    session.clear()  # a fresh session (and CSRF token) for the person who just logged in
    session.permanent = True
    session.update(desk_user=name, desk_key=_session_key())
    if lang:
        session["lang"] = lang
    log.info("desk login: %s from %s", name, who)
    return redirect(next_url)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("admin.login"))
