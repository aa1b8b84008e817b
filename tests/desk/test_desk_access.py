"""Who can reach the desk: nothing under /admin, and no recording, without logging in; no form
without its CSRF token; no password, no desk."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, PathConverter
from werkzeug.security import check_password_hash

from voicebot import create_app
from voicebot.admin.auth import MAX_FAILURES
from voicebot.admin.blueprint import PUBLIC_ENDPOINTS
from voicebot.cli import main
from voicebot.models import Ticket, TicketComment

from support.desk import PASSWORD, PASSWORD_HASH, csrf_token, login, ticket, voicemail, wav
from support.records import stored

NOW = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH}


def desk_urls(app: Flask) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every route under /admin, from the app's own url_map: a
    route added later is covered without touching this test."""
    out = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values: dict[str, Any] = {}
        for arg in rule.arguments:
            converter = rule._converters[arg]
            values[arg] = (1 if isinstance(converter, IntegerConverter)
                           else "0001/message.wav" if isinstance(converter, PathConverter)
                           else "omega")
        url = adapter.build(rule.endpoint, values, force_external=False)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, url, rule.endpoint))
    return out


def recording_urls(app: Flask) -> list[str]:
    """A real file under RECORDINGS_DIR, and ways out of it."""
    root = Path(app.config["RECORDINGS_DIR"])
    wav(root / "0001" / "message.wav")
    return ["/admin/recordings/0001/message.wav", "/admin/recordings/../voicebot.db",
            "/admin/recordings/%2e%2e/%2e%2e/etc/passwd", "/admin/recordings//etc/passwd"]


def test_every_desk_route_and_recording_needs_a_session(app: Flask, client: FlaskClient) -> None:
    urls = desk_urls(app)
    endpoints = {endpoint for _, _, endpoint in urls}
    # The list is long enough to mean something: every page of the desk is in it.
    assert {"admin.handoff", "admin.tickets", "admin.ticket", "admin.close", "admin.callbacks",
            "admin.flows", "admin.flow_picture", "admin.recording", "admin.logout"} <= endpoints
    checked = 0
    for method, url, endpoint in urls:
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        reply = client.open(url, method=method)
        assert reply.status_code in (302, 401), f"{method} {url} answered {reply.status_code}"
        if reply.status_code == 302:
            assert reply.location.startswith("/admin/login"), (url, reply.location)
        assert b"omega" not in reply.data.lower() or reply.status_code == 302
        checked += 1
    assert checked >= 15
    for url in recording_urls(app):
        reply = client.get(url, follow_redirects=True)  # "//" is merged by a redirect first
        assert reply.status_code == 401, url
        assert b"RIFF" not in reply.data


@pytest.mark.usefixtures("app")
def test_the_public_endpoints_are_only_the_login_and_its_stylesheet(
    client: FlaskClient
) -> None:
    assert client.get("/admin/login").status_code == 200
    assert client.get("/admin/static/desk.css").status_code == 200
    assert {"admin.login", "admin.static"} == PUBLIC_ENDPOINTS


def test_every_form_without_its_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    ticket_id = ticket(app, text="Сообщение для директора")
    assert ticket_id == 1  # the urls below name ticket 1
    # The login form itself: a page elsewhere cannot log a browser in.
    assert client.post("/admin/login", data={"name": "Dana", "password": PASSWORD}).status_code == 400
    login(client)
    posts = [(url, endpoint) for method, url, endpoint in desk_urls(app) if method == "POST"]
    assert len(posts) >= 8
    for url, endpoint in posts:
        if endpoint == "admin.login":
            continue
        reply = client.post(url, data={"comment": "Принято", "answer": "Да", "text": "Проверка",
                                       "assigned_to": "Eve", "line": "omega"})
        assert reply.status_code == 400, f"POST {url} without a token answered {reply.status_code}"
        assert "The form has expired" in reply.text
        wrong = client.post(url, data={"csrf_token": "forged", "comment": "Принято"})
        assert wrong.status_code == 400
    (row,) = stored(app, Ticket)
    assert row.status == "open" and row.assigned_to == "" and row.answer == ""
    assert stored(app, TicketComment) == []


def test_login_logout_and_the_next_page(client: FlaskClient) -> None:
    first = client.get("/admin/tickets?status=closed")
    assert first.location == "/admin/login?next=/admin/tickets?status%3Dclosed"
    page = client.get(first.location)
    token = csrf_token(page.text)
    reply = client.post("/admin/login", data={"csrf_token": token, "name": "Dana",
                                              "password": PASSWORD,
                                              "next": "/admin/tickets?status=closed"})
    assert reply.location == "/admin/tickets?status=closed"
    assert "Signed in as Dana" in client.get("/admin/").text
    token = csrf_token(client.get("/admin/").text)
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin",
                                    "/twilio/voice", "/\\evil.example"])
def test_login_never_redirects_off_the_desk(client: FlaskClient, target: str) -> None:
    token = csrf_token(client.get("/admin/login").text)
    reply = client.post("/admin/login", data={"csrf_token": token, "name": "Dana",
                                              "password": PASSWORD, "next": target})
    assert reply.location == "/admin/"


def test_a_wrong_password_is_refused_and_guessing_is_slowed(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = csrf_token(client.get("/admin/login").text)
    for _ in range(MAX_FAILURES):
        reply = client.post("/admin/login", data={"csrf_token": token, "name": "Dana",
                                                  "password": "guess"})
        assert reply.status_code == 403 and "Wrong password." in reply.text
        assert 'value="Dana"' in reply.text  # what was typed stays in the form
    blocked = client.post("/admin/login", data={"csrf_token": token, "name": "Dana",
                                                "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many wrong passwords" in blocked.text
    assert client.get("/admin/").status_code == 302
    assert PASSWORD not in caplog.text and "guess" not in caplog.text


def test_a_session_ends_when_the_password_changes(app: Flask, client: FlaskClient) -> None:
    login(client)
    assert client.get("/admin/").status_code == 200
    app.config["ADMIN_PASSWORD_HASH"] = PASSWORD_HASH.replace("$", "$x", 1)
    assert client.get("/admin/").status_code == 302


def test_without_a_password_the_desk_is_closed(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client.get("/admin/login").text)
    app.config["ADMIN_PASSWORD_HASH"] = None  # as if started without VOICEBOT_ADMIN_PASSWORD_HASH
    page = client.get("/admin/login")
    assert "The desk is closed: no password is set." in page.text
    assert "voicebot admin password" in page.text and 'type="password"' not in page.text
    for password in ("", PASSWORD):
        reply = client.post("/admin/login", data={"csrf_token": token, "name": "Dana",
                                                  "password": password})
        assert reply.status_code == 403 and "The desk is closed" in reply.text
    assert client.get("/admin/").status_code == 302


def test_a_plain_password_in_the_hash_setting_stops_the_start(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not a password hash"):
        create_app({**settings, "ADMIN_PASSWORD_HASH": "hunter2hunter2"})


def test_admin_password_command_prints_a_hash_of_the_password() -> None:
    result = CliRunner().invoke(main, ["admin", "password"],
                                input="a long desk password\na long desk password\n")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("VOICEBOT_ADMIN_PASSWORD_HASH="))
    made = line.split("=", 1)[1].strip("'")
    assert check_password_hash(made, "a long desk password")
    assert "a long desk password" not in result.stdout


def test_admin_password_states_its_rule_before_asking_and_checks_the_first_entry() -> None:
    result = CliRunner().invoke(main, ["admin", "password"],
                                input="short\na long desk password\na long desk password\n")
    assert result.exit_code == 0, result.output
    said = result.stderr
    rule = said.index("Choose the desk password: at least 10 characters. You type it twice.")
    first = said.index("Desk password:")
    refused = said.index("Error: that is 5 characters; use at least 10")
    again = said.index("Desk password:", refused)
    confirm = said.index("Repeat for confirmation:")
    assert rule < first < refused < again < confirm


def test_recordings_are_served_only_from_inside_the_recordings_folder(
    app: Flask, client: FlaskClient
) -> None:
    root = Path(app.config["RECORDINGS_DIR"])
    wav(root / "0001" / "message.wav")
    secret = root.parent / "secret.wav"
    wav(secret)
    (root / "link.wav").symlink_to(secret)
    login(client)
    good = client.get("/admin/recordings/0001/message.wav")
    assert good.status_code == 200 and good.data[:4] == b"RIFF"
    assert good.mimetype in ("audio/wav", "audio/x-wav")
    ranged = client.get("/admin/recordings/0001/message.wav", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100
    for url in ["/admin/recordings/../secret.wav", "/admin/recordings/%2e%2e/secret.wav",
                f"/admin/recordings/{secret}", "/admin/recordings/link.wav",
                "/admin/recordings/0001", "/admin/recordings/0001/missing.wav"]:
        reply = client.get(url, follow_redirects=True)
        assert reply.status_code == 404, url
        assert b"RIFF" not in reply.data


def test_desk_pages_are_not_cached_framed_or_open_to_other_scripts(client: FlaskClient) -> None:
    login(client)
    reply = client.get("/admin/")
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "script-src" not in reply.headers["Content-Security-Policy"]  # none at all
    assert "default-src 'none'" in reply.headers["Content-Security-Policy"]


def test_desk_logs_show_who_did_what_with_numbers_masked(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    voicemail(app, phone="+15035550142", at=NOW)
    login(client, name="Dana")
    assert client.get("/admin/?number=%2B15035550142").status_code == 200
    assert "desk login: Dana" in caplog.text
    assert "Dana looked up +15*****0142" in caplog.text
    assert "+15035550142" not in caplog.text and PASSWORD not in caplog.text


def test_a_recording_name_no_file_can_have_is_not_found(app: Flask, client: FlaskClient) -> None:
    """NUL bytes, names longer than the file system allows, undecodable bytes: 404, like any
    other missing recording, never a 500."""
    wav(Path(app.config["RECORDINGS_DIR"]) / "0001" / "message.wav")
    login(client)
    for url in ["/admin/recordings/%00", "/admin/recordings/0001/message.wav%00.txt",
                "/admin/recordings/" + "a" * 300 + ".wav", "/admin/recordings/" + "d/" * 3000 + "x",
                "/admin/recordings/%ff%fe.wav", "/admin/recordings/%ED%A0%80.wav",
                "/admin/recordings/0001/message.wav/..", "/admin/recordings/~/.bashrc"]:
        reply = client.get(url, follow_redirects=True)
        assert reply.status_code == 404, url
        assert b"Traceback" not in reply.data and b"RIFF" not in reply.data
