"""The `voicebot` command from any folder: it finds its installation (VOICEBOT_HOME, else the
nearest folder upward holding `.env` or flows/ + instance/), reads only what is there, and
says in one line what is missing instead of a traceback or a new empty database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import select

from voicebot import db
from voicebot.cli import main
from voicebot.models import Call, Conversation, Voicemail

from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

REPO = Path(__file__).resolve().parents[2]
SUNDAY_NIGHT = "2026-11-22T23:00:00-08:00"  # omega is closed: the call goes to voicemail


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VOICEBOT_* setting from the developer's shell: only what the folders hold."""
    for name in list(os.environ):
        if name.startswith("VOICEBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VOICEBOT_LOG_LEVEL", "WARNING")


@pytest.fixture
def install(tmp_path: Path, bare_env: None) -> Path:  # noqa: ARG001  for its environment
    """An installation as a user has it: its flows and a `.env`, in a folder of its own."""
    home = tmp_path / "phone-line"
    shutil.copytree(REPO / "flows", home / "flows", ignore=shutil.ignore_patterns("calls"))
    (home / ".env").write_text("VOICEBOT_DESK_TIMEZONE=America/Los_Angeles\n")
    return home


def voicebot(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def one_line_error(result: Result) -> str:
    """The failure a person sees: exit 1, one line, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    return line


def test_commands_run_from_a_subfolder_use_the_installation(install: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    deep = install / "notes" / "2026"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    listed = voicebot("flows", "list")
    assert listed.exit_code == 0, listed.output
    assert f"omega            en-US  +15035550100  {install / 'flows' / 'omega.yaml'}" in listed.stdout

    # Nothing was served here yet: the journal says so instead of making an empty database.
    database = install / "instance" / "voicebot.db"
    error = one_line_error(voicebot("journal"))
    assert error.startswith(f"Error: no voicebot database at {database}; run voicebot in its "
                            "installation folder")
    assert not database.exists() and not (deep / "instance").exists()

    assert voicebot("db", "upgrade").exit_code == 0
    assert database.is_file()
    assert voicebot("journal").stdout.strip() == "no calls"
    assert os.listdir(deep) == []


def test_voicebot_home_names_the_installation_from_anywhere(install: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("VOICEBOT_HOME", str(install))
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", "flows")  # relative settings are the home's
    result = voicebot("call", "omega", input="/hangup\n")
    assert result.exit_code == 0, result.output
    assert "  bot: Thank you for calling Omega Tech Service." in result.stdout
    assert os.listdir(elsewhere) == []

    monkeypatch.setenv("VOICEBOT_HOME", str(tmp_path / "typo"))
    assert one_line_error(voicebot("flows", "list")) == \
        f"Error: VOICEBOT_HOME names {tmp_path / 'typo'}, which is not a folder"


@pytest.mark.usefixtures("bare_env")
@pytest.mark.parametrize("args", [
    ("flows", "list"), ("flows", "graph", "omega"), ("call", "omega"), ("serve", "--port", "0"),
    ("journal",), ("callbacks",), ("tickets", "list"), ("bookings",),
    ("tickets", "close", "1"), ("tickets", "answer", "1", "Yes."), ("worker", "--once"),
    ("visits", "add", "--flow", "field_visit", "--phone", "+79005550301", "--window",
     "2030-01-15 10:00-12:00"),
])
def test_outside_any_installation_commands_say_so_and_create_nothing(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    error = one_line_error(voicebot(*args))
    assert f"at {tmp_path}" in error
    assert error.endswith("run voicebot in its installation folder (the one holding .env, or flows/ "
                          "and instance/), or set VOICEBOT_HOME to it")
    assert os.listdir(tmp_path) == []  # no instance folder, secrets or database


# -------------------------------------------------------------------- call --url


@pytest.fixture
def after_hours_server(app: Flask, live_server: str) -> str:
    """A server with real credentials (the double's account and token), closed for the night."""
    app.extensions["voicebot.clock"].set(dt.datetime.fromisoformat(SUNDAY_NIGHT))
    return live_server


def test_call_url_signs_with_the_installations_token_and_account(
    after_hours_server: str, app: Flask, install: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A voicemail left through `voicebot call --url` names the configured account in its
    recording URL, as Twilio would: a server with real credentials accepts it as its own."""
    (install / ".env").write_text(f"VOICEBOT_TWILIO_ACCOUNT_SID={TEST_ACCOUNT_SID}\n"
                                  f"VOICEBOT_TWILIO_AUTH_TOKEN={TEST_AUTH_TOKEN}\n")
    monkeypatch.chdir(install)
    result = voicebot("call", "omega", "--url", after_hours_server, "--from", "+15035550177",
                      input="5\n")
    assert result.exit_code == 0, result.output
    assert "!!" not in result.stdout
    with db.session_scope(app) as session:
        (voicemail,) = session.scalars(select(Voicemail)).all()
    assert voicemail.from_number == "+15035550177"
    assert f"/Accounts/{TEST_ACCOUNT_SID}/Recordings/" in voicemail.recording_url


def test_call_url_refused_by_the_server_fails_and_says_why(
    after_hours_server: str, app: Flask, install: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(install)
    unsigned = one_line_error(voicebot("call", "omega", "--url", after_hours_server, input="/hangup\n"))
    assert unsigned.startswith("Error: no auth token to sign the call with")
    assert not (install / "instance").exists()  # no token was made up to be refused

    monkeypatch.setenv("VOICEBOT_TWILIO_AUTH_TOKEN", "not-the-servers-token")
    result = voicebot("call", "omega", "--url", after_hours_server, input="/hangup\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: the server at {after_hours_server} refused the call (403): its signature check "
        f"failed, so it uses another auth token than this installation ({install}); run voicebot "
        "call from the server's installation folder, or set VOICEBOT_HOME or "
        "VOICEBOT_TWILIO_AUTH_TOKEN to match")
    with db.session_scope(app) as session:
        assert session.scalars(select(Call)).all() == []


# -------------------------------------------------------------------- in-process calls


def test_an_in_process_call_keeps_nothing_unless_live(install: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Trying the daytime menu must not file tickets or text the supervisor for real."""
    monkeypatch.chdir(install)
    assert voicebot("db", "upgrade").exit_code == 0
    tried = voicebot("call", "omega", "--at", "2026-11-23T09:00-08:00", "--from", "+15035550178",
                     input="4\nno\n")
    assert tried.exit_code == 0, tried.output
    assert "The service call is $85." in tried.stdout
    assert tried.stdout.rstrip().endswith("(a trial call on a scratch database: nothing was kept or "
                                          "sent; with --live it goes into the journal)")
    assert voicebot("journal").stdout.strip() == "no calls"

    kept = voicebot("call", "omega", "--live", "--at", "2026-11-23T09:00-08:00", "--from",
                    "+15035550178", input="4\nno\n")
    assert kept.exit_code == 0, kept.output
    assert "scratch" not in kept.stdout
    journal = voicebot("journal")
    assert "+15035550178" in journal.stdout
    with sqlite3.connect(install / "instance" / "voicebot.db") as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone() == (1,)


def test_live_and_at_are_for_in_process_calls(install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(install)
    remote = voicebot("call", "omega", "--live", "--url", "http://127.0.0.1:9")
    assert remote.exit_code == 2 and "--live is for in-process calls" in remote.output


def test_text_url_delivers_a_signed_sms_that_waits_on_the_desk(
    after_hours_server: str, app: Flask, install: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`voicebot text` plays the caller's phone for issue 18 item 5: the server takes the
    signed SMS and keeps it for staff; СТОП is answered in the line's language."""
    (install / ".env").write_text(f"VOICEBOT_TWILIO_ACCOUNT_SID={TEST_ACCOUNT_SID}\n"
                                  f"VOICEBOT_TWILIO_AUTH_TOKEN={TEST_AUTH_TOKEN}\n")
    monkeypatch.chdir(install)
    result = voicebot("text", "omega", "Do you fix ice makers?", "--url", after_hours_server,
                      "--from", "+15035550177")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("Stored (no automatic answer): the desk shows it under "
                                     "Texts, from +15035550177.")
    with db.session_scope(app) as session:
        (talk,) = session.scalars(select(Conversation)).all()
        assert (talk.phone, talk.status, talk.unread) == ("+15035550177", "needs-reply", 1)
    stop = voicebot("text", "car_service", "СТОП", "--url", after_hours_server)
    assert stop.stdout.strip() == ("<< Хорошо, мы больше не будем присылать вам SMS с этого "
                                   "номера. Чтобы снова получать их, отправьте СТАРТ.")
