"""A guess at the visit confirmation (RT-4) is checked with the client in words addressed to
them: the choices' labels ("клиент ждёт") name the client in the third person and are for
the flow's picture, so the flow gives each choice its own `confirm:` question (issue 11).

Here field_visit's copy asks for a confidence of 0.8, so a single word ("дома", 0.75) is a
guess. The call goes out through the real client to the Twilio double and is answered over
real HTTP.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.seeds.test_seed_field_visit import CALL_TIME, booked, the_visit
from voicebot.jobs import run_due

from support.outbound import answer, placed_calls
from support.twilio_double import TwilioDouble

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(FLOWS / "field_visit.yaml", folder / "field_visit.yaml")
    text = (folder / "field_visit.yaml").read_text(encoding="utf-8")
    (folder / "field_visit.yaml").write_text(
        text.replace("start: confirm\n", "start: confirm\nconfirm_below: 0.8\n", 1), encoding="utf-8")
    return {**settings, "FLOWS_DIR": str(folder), "DRY_RUN": False,
            "TWILIO_API_URL": twilio_double.base_url}


def test_rt4_a_guess_is_confirmed_in_words_addressed_to_the_client(
    app: Flask, live_server: str, twilio_double: TwilioDouble,
    set_clock: Callable[[str], Any],
) -> None:
    app.config["PUBLIC_URL"] = live_server
    set_clock((CALL_TIME - dt.timedelta(hours=15)).isoformat())
    booked(app)
    set_clock(CALL_TIME.isoformat())
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    client = answer(placed, live_server)
    turn = client.say("дома")
    assert "Правильно ли я понимаю: вы будете дома и ждёте мастера?" in turn.text
    assert "клиент ждёт" not in turn.text
    turn = client.say("да")
    assert "Техник приедет 23.11.2026 с 10:00 до 12:00" in turn.text
    assert the_visit(app).status == "confirmed"
