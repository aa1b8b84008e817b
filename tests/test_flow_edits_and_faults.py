"""Flow files edited while the line is live, and steps that fail mid-call: the caller never
hears silence, and a broken edit never takes the line down."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db
from voicebot.emulator import CallEmulator, WsgiTransport
from voicebot.models import Call

from support.twilio_double import TEST_AUTH_TOKEN

FLOWS = Path(__file__).resolve().parents[1] / "flows"
OMEGA = "+15035550100"
MONDAY_9AM_PACIFIC = "2026-11-23T09:00:00-08:00"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(FLOWS / "omega.yaml", folder / "omega.yaml")
    return folder


@pytest.fixture
def settings(settings: dict[str, Any], flows_dir: Path) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flows_dir)}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_good_edit_is_served_to_the_next_call_without_restart(
    dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any], flows_dir: Path
) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    assert "Thank you for calling Omega Tech Service." in dial(OMEGA).start().heard
    edit(flows_dir / "omega.yaml", 'say: "Thank you for calling {name}."',
         'say: "Good morning, this is {name}."')
    assert "Good morning, this is Omega Tech Service." in dial(OMEGA).start().heard


def test_a_broken_edit_is_refused_and_the_last_good_version_keeps_serving(
    dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any], flows_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    dial(OMEGA).start()
    edit(flows_dir / "omega.yaml", "goto: insurance_queue", "goto: insurence_queue")
    turn = dial(OMEGA).start()
    assert "Thank you for calling Omega Tech Service." in turn.heard
    assert turn.waiting == "gather"
    assert "omega.yaml:" in caplog.text and "unknown state 'insurence_queue'" in caplog.text


def test_a_call_whose_state_vanished_hears_the_apology_and_can_leave_a_message(
    app: Flask, dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any],
    flows_dir: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """The flow is edited while a caller sits in the menu, and the menu is renamed: the
    caller's next answer cannot run, so they hear the flow's apology and go to voicemail."""
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    assert caller.start().waiting == "gather"
    path = flows_dir / "omega.yaml"
    path.write_text(path.read_text().replace("menu", "main_menu"))
    turn = caller.press("4")
    assert "We're sorry, something went wrong on our side." in turn.text
    assert turn.waiting == "record"
    assert "flow 'omega' state 'menu' given '4'" in caplog.text
    with db.session_scope(app) as s:
        call = s.scalars(select(Call).where(Call.sid == caller.call_sid)).one()
        assert call.flagged == "runtime error"
        assert [e.kind for e in call.events if e.kind == "error"] == ["error"]


def test_a_deleted_flow_file_stops_answering_its_number(
    dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any], flows_dir: Path
) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    (flows_dir / "omega.yaml").unlink()
    turn = dial(OMEGA).start()
    assert "this number is not in service" in turn.text


def test_default_flow_answers_numbers_no_flow_declares(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEFAULT_FLOW="omega")
    app.extensions["voicebot.clock"].set(dt.datetime.fromisoformat(MONDAY_9AM_PACIFIC))
    caller = CallEmulator(WsgiTransport(app), auth_token=TEST_AUTH_TOKEN,
                          public_url="http://localhost", to="+15035550999")
    assert "Thank you for calling Omega Tech Service." in caller.start().heard
