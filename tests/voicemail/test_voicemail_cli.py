"""`voicebot voicemail analyze`: what a voicemail is understood to ask for and the quote it
would get (OM-4), printed for an admin tuning the catalogue. Nothing is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from voicebot.cli import main

from support.speech import spoken

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", str(REPO / "flows"))
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("VOICEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'voicebot.db'}")
    monkeypatch.chdir(REPO)


def analyze(*args: str) -> Result:
    return CliRunner().invoke(main, ["voicemail", "analyze", *args])


def test_prints_the_transcript_the_understanding_and_the_sms() -> None:
    said = ("hi this is john smith my fridge is not cooling "
            "call me at five oh three five five five oh one two three")
    result = analyze("--flow", "omega", "--text", said, "--from", "+15035550177")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"transcript: {said}"
    assert "service:    refrigerator (refrigerator repair)" in lines
    assert "request:    yes" in lines
    assert "caller:     John Smith" in lines
    assert "callback:   +15035550123" in lines
    assert "sms to +15035550177 (not sent):" in lines
    assert "The service call is $85" in result.output


def test_json_has_every_key() -> None:
    result = analyze("--flow", "omega", "--json", "--text",
                     "this is urgent my washing machine is flooding my name is ann")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: data[k] for k in ("service", "caller_name", "callback_number", "urgency",
                                 "is_service_request", "reason")} == {
        "service": "washer", "caller_name": "Ann", "callback_number": None, "urgency": "urgent",
        "is_service_request": True, "reason": None,
    }
    assert data["transcript"].startswith("this is urgent")
    assert data["sms"].startswith("Hi Ann, this is Omega Tech Service.")


def test_a_supplier_gets_no_sms_in_russian_too() -> None:
    """OM-4: a parts supplier naming brake pads goes to a person, not a quote."""
    result = analyze("--flow", "car_service", "--json", "--text",
                     "это поставщик по поводу накладной на тормозные колодки")
    data = json.loads(result.output)
    assert (data["is_service_request"], data["reason"], data["sms"], data["service"]) == (
        False, "supplier", None, None)
    assert "колодки" in data["matched_words"]
    plain = analyze("--flow", "car_service", "--text", "это поставщик по поводу накладной")
    assert "request:    no (supplier)" in plain.output
    assert "sms:        none; the message goes to a person" in plain.output


def test_a_flow_without_a_catalogue_says_so() -> None:
    result = analyze("--flow", "telesputnik", "--text", "нужен ремонт")
    assert result.exit_code == 0
    assert "flow 'telesputnik' has no `quotes:` section" in result.output


def test_a_recording_is_transcribed_and_analyzed(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps 3 to 6 on a WAV file: real speech, the recognizer the line would use."""
    monkeypatch.setenv("VOICEBOT_TRANSCRIBERS", "pocketsphinx")
    wav = tmp_path / "message.wav"
    wav.write_bytes(spoken("Hello, my dishwasher is broken. Please send a technician."))
    result = analyze(str(wav), "--flow", "omega", "--json", "--from", "+15035550177")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["transcriber"] == "pocketsphinx"
    assert "dishwasher" in data["transcript"].split()
    assert (data["service"], data["is_service_request"]) == ("dishwasher", True)
    assert "The service call is $85" in data["sms"]
    assert [w["word"] for w in data["words"]] == data["transcript"].split()
    assert {"caller_name", "callback_number", "urgency", "reason"} <= set(data)


def test_a_broken_recording_or_a_missing_recognizer_is_said_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wav = tmp_path / "message.wav"
    wav.write_bytes(b"RIFF")
    broken = analyze(str(wav), "--flow", "omega")
    assert broken.exit_code == 1
    assert "not a WAV audio file" in broken.output and "sms" not in broken.output
    monkeypatch.setenv("VOICEBOT_VOSK_MODEL_RU", "")
    wav.write_bytes(spoken("Добрый день, у меня стучит подвеска", voice="ru"))
    russian = analyze(str(wav), "--flow", "car_service")
    assert russian.exit_code == 1
    assert "no speech recognizer for ru-RU: vosk: no Vosk model for ru-RU" in russian.output


def test_needs_a_transcript_and_a_known_flow() -> None:
    missing = analyze("--flow", "omega")
    assert missing.exit_code == 2 and "--text" in missing.output
    both = analyze("message.wav", "--flow", "omega", "--text", "fridge")
    assert both.exit_code == 2 and "either a recording" in both.output
    unknown = analyze("--flow", "nosuch", "--text", "fridge")
    assert unknown.exit_code == 1 and "no flow 'nosuch'" in unknown.output
