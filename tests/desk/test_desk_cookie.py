"""The desk's session cookie as a browser receives it: the Set-Cookie header of a real login
over HTTP, not Flask's config."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask

from voicebot.admin import DeskSessions

from support.desk import PASSWORD, PASSWORD_HASH, csrf_token
from support.signed import CALLER, OMEGA, post


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH}


def login_cookie(base: str) -> tuple[str, dt.timedelta]:
    """The raw Set-Cookie header of a successful login, and how long the cookie lives."""
    browser = requests.Session()
    token = csrf_token(browser.get(base + "/admin/login", timeout=10).text)
    reply = browser.post(base + "/admin/login", timeout=10, allow_redirects=False,
                         data={"csrf_token": token, "name": "Dana", "password": PASSWORD})
    assert reply.status_code == 302, reply.text
    header = reply.headers["Set-Cookie"]
    expires = next(part.split("=", 1)[1] for part in header.split("; ")
                   if part.lower().startswith("expires="))
    sent = email.utils.parsedate_to_datetime(reply.headers["Date"])
    return header, email.utils.parsedate_to_datetime(expires) - sent


def attributes(header: str) -> set[str]:
    """The cookie's flags, lower case: {"httponly", "samesite=lax", ...} (not its dates)."""
    flags = set()
    for part in header.split(";")[1:]:
        key, _, value = part.strip().lower().partition("=")
        if key not in ("expires", "max-age", "path"):
            flags.add(f"{key}={value}" if value else key)
    return flags


def test_a_desk_session_lasts_one_shift_and_stays_on_this_site(live_server: str) -> None:
    header, lifetime = login_cookie(live_server)
    assert dt.timedelta(hours=11, minutes=59) <= lifetime <= dt.timedelta(hours=12, minutes=1)
    flags = attributes(header)
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # plain http on loopback: a Secure cookie would never come back


def test_behind_an_https_public_url_the_cookie_is_secure(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="https://desk.example.com")
    browser, site = app.test_client(), "https://desk.example.com"
    token = csrf_token(browser.get("/admin/login", base_url=site).text)
    # Over https Flask-WTF also checks that the form came from this site.
    answer = browser.post("/admin/login", base_url=site, headers={"Referer": site + "/admin/login"},
                          data={"csrf_token": token, "name": "Dana", "password": PASSWORD})
    assert answer.status_code == 302, answer.text
    flags = attributes(answer.headers["Set-Cookie"])
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_a_webhook_touches_no_part_of_the_desk_session(app: Flask,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Twilio sends no cookie: its webhooks get an empty session, never read and never saved
    (no Set-Cookie, no Vary), without the cookie settings or signer (issue 15: that work cost
    a webhook more than its signature check)."""
    def untouchable(*_: object) -> None:
        raise AssertionError("the desk session's machinery ran for a webhook")

    for name in ("get_signing_serializer", "get_cookie_domain", "get_cookie_path"):
        monkeypatch.setattr(DeskSessions, name, untouchable)
    status, body = post(app.test_client(), "/twilio/voice",
                        {"CallSid": "CA" + "7" * 32, "From": CALLER, "To": OMEGA})
    assert status == 200 and "<Response>" in body
    reply = app.test_client().get("/healthz")
    assert "Set-Cookie" not in reply.headers and "Vary" not in reply.headers


def test_other_cookies_without_the_session_get_a_new_one(app: Flask) -> None:
    browser = app.test_client()
    browser.set_cookie("analytics", "x1")
    page = browser.get("/admin/login")
    assert page.status_code == 200 and csrf_token(page.get_data(as_text=True))
    assert "session=" in page.headers["Set-Cookie"]  # the form's CSRF token lives in it
