"""An answer that is only a guess is confirmed with the caller, not acted on (issue 11).

The threshold is the flow's `confirm_below` (or an ask's own); here omega's copy asks for a
confidence of 0.8, so a single keyword (0.75) is a guess. Over real HTTP, as Twilio calls.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from voicebot.devtools.emulator import CallEmulator

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA = "+15035550100"
MONDAY_9AM_PACIFIC = "2026-11-23T09:00:00-08:00"


@pytest.fixture
def settings(settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(FLOWS / "omega.yaml", folder / "omega.yaml")
    text = (folder / "omega.yaml").read_text(encoding="utf-8")
    (folder / "omega.yaml").write_text(
        text.replace("start: greeting\n", "start: greeting\nconfirm_below: 0.8\n"), encoding="utf-8")
    return {**settings, "FLOWS_DIR": str(folder)}


@pytest.fixture
def menu(dial: Callable[..., CallEmulator], set_clock: Callable[[str], Any]) -> CallEmulator:
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA, from_="+15035550178")
    assert "If you are calling about an insurance" in caller.start().text
    return caller


def test_a_guess_is_confirmed_by_the_choices_label_and_yes_takes_it(menu: CallEmulator) -> None:
    """OM-3: "warranty" alone is a guess at this threshold: the caller is asked, in the
    choice's label, and a yes puts them in the insurance queue."""
    turn = menu.say("warranty")
    assert "Are you calling about an insurance or home warranty claim?" in turn.text
    assert "Please say yes or no, or press 1 for yes and 2 for no." in turn.text
    assert turn.queue is None
    turn = menu.say("yes, that's right")
    assert "Insurance and warranty calls are answered first." in turn.text


def test_a_no_treats_the_first_answer_as_not_understood(menu: CallEmulator) -> None:
    turn = menu.say("warranty")
    assert "Are you calling about" in turn.text
    turn = menu.press("2")
    assert "Sorry, I didn't catch that." in turn.text and "press 1 or say insurance" in turn.text.lower()


def test_another_answer_instead_of_yes_or_no_is_heard_afresh(menu: CallEmulator) -> None:
    turn = menu.say("warranty")
    assert "Are you calling about" in turn.text
    turn = menu.say("no, how much does a service call cost")
    assert "Are you calling about our prices?" in turn.text
    turn = menu.say("yep")
    assert "The service call is $85." in turn.text


def test_a_sure_answer_is_not_confirmed(menu: CallEmulator) -> None:
    turn = menu.say("I have a home warranty claim")
    assert "Are you calling about" not in turn.text
    assert "Insurance and warranty calls are answered first." in turn.text
