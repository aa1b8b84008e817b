"""A turn works on its call as a row in memory (services.calls.CallRow, issue 15) and writes
it back at the end: a ticket opened in the middle of the turn still fires its rules with the
variables the same turn set (services.calls.current), on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from voicebot.devtools.emulator import CallEmulator
from voicebot.jobs import run_due
from voicebot.models import Message

from support.records import stored

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA, SUPERVISOR, CALLER = "+15035550100", "+15035550112", "+15035550184"
MONDAY_MORNING = "2026-11-23T10:25:00-08:00"
RULE = """
  - id: insisting_caller
    on: ticket_created
    kind: note
    notify: [supervisor]
    text: "Ticket {ticket_id}: the caller insists ({insists})."
"""


@pytest.fixture
def settings(settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(FLOWS / "omega.yaml", folder / "omega.yaml")
    text = (folder / "omega.yaml").read_text(encoding="utf-8")
    marker = "\n# The dispatcher watches the dispatch mailbox"
    assert marker in text
    (folder / "omega.yaml").write_text(text.replace(marker, RULE + marker, 1), encoding="utf-8")
    return {**settings, "FLOWS_DIR": str(folder)}


def test_a_ticket_rule_reads_the_answer_given_in_the_same_turn(
        app: Flask, dial_inprocess: Callable[..., CallEmulator],
        set_clock: Callable[[str], Any]) -> None:
    """OM-8: the caller insists on another technician; in that one turn the answer is kept
    (`insists`), the supervisor's note ticket opened and its rule fired. The supervisor's SMS
    says what the caller answered, not a blank from the row as the turn began."""
    set_clock(MONDAY_MORNING)
    caller = dial_inprocess(OMEGA, from_=CALLER)
    caller.start()
    caller.say("I'd rather have a different fella come out, me and the last guy didn't see "
               "eye to eye")
    heard = caller.say("I'm sure, go ahead and put me through")
    assert "Connecting you to our supervisor." in heard.text
    run_due(app, raise_errors=True)
    told = [m.body for m in stored(app, Message, to_number=SUPERVISOR)]
    assert len(told) == 1 and told[0].endswith("the caller insists (yes)."), told
