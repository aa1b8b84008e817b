"""`voicebot voicemail analyze`: what a voicemail is understood to ask for and the quote it
would get (OM-4), printed for an admin tuning the catalogue. Nothing is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from voicebot.cli import main

REPO = Path(__file__).resolve().parents[1]


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


def test_audio_is_refused_plainly_not_faked(tmp_path: Path) -> None:
    wav = tmp_path / "message.wav"
    wav.write_bytes(b"RIFF")
    result = analyze(str(wav), "--flow", "omega")
    assert result.exit_code == 1
    assert "audio transcription is not available yet" in result.output
    assert "sms" not in result.output


def test_needs_a_transcript_and_a_known_flow() -> None:
    missing = analyze("--flow", "omega")
    assert missing.exit_code == 2 and "--text" in missing.output
    unknown = analyze("--flow", "nosuch", "--text", "fridge")
    assert unknown.exit_code == 1 and "no flow 'nosuch'" in unknown.output
