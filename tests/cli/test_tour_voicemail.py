"""The tour's voicemail (issue 17 item 1): a message left in `voicebot call` in dry-run is
transcribed and quoted within the call, from typed words spoken by espeak-ng or from a WAV
file, and without either the emulator says so at the beep instead of leaving a message that
can never be heard. OM-4, OM-7: a voicemail that asks for a service gets the quote by SMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from voicebot import db
from voicebot.cli import main
from voicebot.devtools.emulator import CallEmulator, silence
from voicebot.jobs import pending, run_due
from voicebot.journal import entries
from voicebot.voicemail.pipeline import job_key

from support.speech import phone_call, require_tools
from support.voicemails import OMEGA, SATURDAY_EVENING, the_voicemail

REPO = Path(__file__).resolve().parents[2]
SATURDAY_MORNING_PACIFIC = "2026-11-28T10:00:00-08:00"
"""Omega is closed: the call goes straight to its voicemail (OM-1)."""
CALLER = "+15035550177"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {"VOICEBOT_FLOWS_DIR": str(REPO / "flows"),
                        "VOICEBOT_INSTANCE_DIR": str(tmp_path / "instance"),
                        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'voicebot.db'}",
                        "VOICEBOT_LOG_LEVEL": "ERROR"}.items():
        monkeypatch.setenv(name, value)
    for name in ("VOICEBOT_TWILIO_ACCOUNT_SID", "VOICEBOT_TWILIO_AUTH_TOKEN", "VOICEBOT_DRY_RUN",
                 "VOICEBOT_RECORDINGS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)
    return tmp_path


def call_omega(*options: str, typed: str) -> Result:
    return CliRunner().invoke(main, ["call", "omega", "--at", SATURDAY_MORNING_PACIFIC,
                                     "--from", CALLER, *options], input=typed)


@pytest.mark.usefixtures("env")
@pytest.mark.slow
def test_om4_om7_typed_words_at_the_beep_become_a_transcript_and_a_quote() -> None:
    require_tools()
    result = call_omega(typed="Hi, this is Pat. Our dishwasher is leaking water all over the "
                              "floor. Please call me back.\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "type your message (it is spoken)" in out
    assert "cannot be transcribed" not in out
    transcript = next(line for line in out.splitlines() if line.startswith("  transcript: "))
    assert "dishwasher" in transcript.lower()
    assert "  understood: dishwasher\n" in out
    assert (f"  quote SMS to {CALLER}: Hi, this is Omega Tech Service. We got your message about "
            "dishwasher repair. The service call is $85;") in out
    assert "for a person" not in out


@pytest.mark.slow
def test_om4_om7_a_wav_file_given_with_voicemail_is_the_message(env: Path) -> None:
    message = env / "message.wav"
    message.write_bytes(phone_call("Hello, my refrigerator is not cooling at all. Please send "
                                   "somebody to fix it.", "en-us", 150))
    result = call_omega("--voicemail", str(message), typed="\n")
    assert result.exit_code == 0, result.output
    assert "Enter = leave the --voicemail file" in result.stdout
    assert "  understood: refrigerator\n" in result.stdout
    assert "We got your message about refrigerator repair." in result.stdout


def test_without_espeak_the_beep_says_the_message_cannot_be_transcribed_and_how_to_fix_it(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / "bin").mkdir()
    monkeypatch.setenv("PATH", str(env / "bin"))  # no espeak-ng, no sox
    result = call_omega(typed="my fridge is broken\n\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("(note: this message cannot be transcribed in the tour: espeak-ng and sox not "
            "installed, so typed words cannot be spoken. Install espeak-ng and sox (apt install "
            "espeak-ng sox), or pass --voicemail FILE.wav)") in out
    assert "?? words cannot be spoken here: type a number of seconds" in out
    # Enter leaves 12 s of silence, as Twilio would record it: a person gets it, told why.
    assert "  transcript: (no words heard)" in out
    assert "  for a person: " in out
    assert "quote SMS" not in out


def test_a_voicemail_file_that_is_not_a_wav_is_refused_before_the_call(env: Path) -> None:
    text = env / "message.txt"
    text.write_text("not audio")
    result = call_omega("--voicemail", str(text), typed="\n")
    assert result.exit_code == 2
    assert "message.txt is not a WAV file" in result.output
    assert "Calling" not in result.output


def test_a_dry_run_voicemail_whose_audio_nobody_handed_over_goes_to_a_person_at_once(
        app: Flask, dial_inprocess: Callable[..., CallEmulator],
        set_clock: Callable[[str], dt.datetime]) -> None:
    """Dry-run fetches nothing from Twilio: a message the emulator was not given the audio of
    (no `recordings` folder) is a person's at once, not after eight tries over ten minutes."""
    set_clock(SATURDAY_EVENING)
    caller = dial_inprocess(OMEGA, from_=CALLER, account_sid=app.config["TWILIO_ACCOUNT_SID"])
    assert caller.start().waiting == "record"
    caller.record(8)
    run_due(app, raise_errors=True, limit=20)
    row = the_voicemail(app)
    assert (row.status, row.error, row.fetch_attempts) == ("failed", "fetch_failed", 0)
    assert job_key(row.id) not in pending(app)
    with db.session_scope(app) as session:
        (entry,) = entries(session, app.extensions["voicebot.flows"])
    assert "The voicemail needs a person." in entry["note"]


def test_voicemail_file_is_refused_where_the_server_fetches_recordings_from_twilio(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEBOT_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("VOICEBOT_TWILIO_AUTH_TOKEN", "a-real-looking-token")
    message = env / "message.wav"
    message.write_bytes(silence(3))
    result = call_omega("--live", "--voicemail", str(message), typed="\n")
    assert result.exit_code == 2
    assert ("--voicemail is for a dry-run installation: with Twilio credentials the server "
            "fetches every recording from Twilio") in result.output
    assert "Calling" not in result.output
