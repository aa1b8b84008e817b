"""A voicemail that could not be handled reaches people as a sentence in their language, on the
desk's card, in the call's note and in `voicebot journal`; the exception text and its URLs stay
in the log. Rows stored before the reason codes (raw exception text) get a general sentence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from voicebot import db
from voicebot.cli import main
from voicebot.language import failures
from voicebot.models import Call, Voicemail
from voicebot.services.calls import add_event
from voicebot.voicemail import pipeline

from support.desk import PASSWORD_HASH, login
from support.records import Dial, noted, the_call

CALLER = "+15035550161"
# What the worker stored before the codes: Python's exception text with Twilio's long URL.
RAW = ("the recording could not be fetched in 8 tries: HTTP 404 for https://api.twilio.com/"
       "2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/"
       "RE0123456789abcdef0123456789abcdef.wav?RequestedChannels=1&Download=true")
FETCH_FAILED_EN = ("The recording could not be downloaded from Twilio; listen to it in the Twilio "
                   "console.")
FETCH_FAILED_RU = "Не удалось скачать запись из Twilio; прослушайте её в консоли Twilio."


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH, "DESK_TIMEZONE": "UTC"}


def test_every_reason_code_has_an_english_and_a_russian_sentence() -> None:
    assert set(failures.SENTENCES) == {"fetch_failed", "no_recognizer", "transcription_failed",
                                       "wrong_language", "empty_recording", "flow_missing"}
    # The codes the pipeline stores itself all have their sentence.
    assert {pipeline.FETCH_FAILED, pipeline.EMPTY_RECORDING, pipeline.FLOW_MISSING} <= set(failures.SENTENCES)
    for code, by_language in failures.SENTENCES.items():
        assert failures.sentence(code, "en-US") == by_language["en"]
        assert failures.sentence(code, "ru") == by_language["ru"]
        for text in by_language.values():
            assert text[0].isupper() and text.endswith(".") and "_" not in text, (code, text)
    assert failures.sentence("fetch_failed", "ru-RU") == FETCH_FAILED_RU
    assert failures.sentence(RAW, "en") == failures.GENERIC["en"]
    assert "http" not in failures.sentence(RAW, "ru")
    assert failures.sentence("", "en") == ""


def test_a_voicemail_still_being_fetched_shows_no_failure() -> None:
    assert set(pipeline.WORKING) == failures.WORKING
    for status in pipeline.WORKING:
        assert failures.shown(status, "fetch try 2: HTTP 404; trying again in 10 s", "en") == ""
    assert failures.shown(pipeline.FAILED, "fetch_failed", "en") == FETCH_FAILED_EN


def failed_voicemail(app: Flask, dial: Dial, set_clock: Any, stored: str) -> Call:
    """A real after-hours call that left a voicemail, which the worker then gave up on."""
    set_clock("2026-11-23T15:10:00-08:00")
    caller = dial("+15035550100", from_=CALLER)
    caller.start()
    caller.record(duration=14, finish="#")
    call_id = the_call(app, caller).id
    with db.session_scope(app) as session:
        vm = session.scalars(select(Voicemail).where(Voicemail.call_id == call_id)).one()
        vm.status, vm.error = pipeline.FAILED, stored
        call = session.get(Call, call_id)
        assert call is not None
        add_event(call, dt.datetime(2026, 11, 23, 23, 20, tzinfo=dt.UTC), "for-person",
                  stored, status=pipeline.FAILED, voicemail_id=vm.id)
    return call


@pytest.mark.parametrize(("stored", "english", "russian"), [
    ("fetch_failed", FETCH_FAILED_EN, FETCH_FAILED_RU),
    (RAW, failures.GENERIC["en"], failures.GENERIC["ru"]),
])
def test_the_desk_card_and_the_note_say_a_sentence_never_the_exception(
    app: Flask, client: FlaskClient, dial_inprocess: Dial, set_clock: Any, stored: str,
    english: str, russian: str,
) -> None:
    call = failed_voicemail(app, dial_inprocess, set_clock, stored)
    desk = login(client)
    page = desk.get("/admin/?hours=72").text
    assert f"Needs a person: {english}" in page.replace("&#39;", "'")
    assert "api.twilio.com" not in page and "HTTP 404" not in page

    russian_page = desk.get("/admin/?hours=72&lang=ru", follow_redirects=True).text
    assert f"{russian}" in russian_page.replace("&#39;", "'")
    assert "api.twilio.com" not in russian_page

    note = noted(app, Call.id == call.id).note
    assert f"The voicemail needs a person. {english}" in note
    assert "api.twilio.com" not in note and "(failed)" not in note


def test_voicebot_journal_shows_the_sentence(
    app: Flask, dial_inprocess: Dial, set_clock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    failed_voicemail(app, dial_inprocess, set_clock, RAW)
    monkeypatch.setenv("VOICEBOT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", app.config["FLOWS_DIR"])
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "cli-instance"))
    for name in ("text", "json"):
        result = CliRunner().invoke(main, ["journal", "--since", "2026-11-01"]
                                    + (["--json"] if name == "json" else []))
        assert result.exit_code == 0, result.output
        assert "api.twilio.com" not in result.stdout and "HTTP 404" not in result.stdout
        assert "The voicemail needs a person. This voicemail could not be handled automatically" \
            in result.stdout
