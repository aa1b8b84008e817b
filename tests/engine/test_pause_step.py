"""The `pause` step through a whole call: the caller hears the first sentence, a silence of
the given length, then the next; the journal says so and the flow picture draws it."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db, notes
from voicebot.compiler.graph import to_mermaid
from voicebot.compiler.loader import load_flow
from voicebot.devtools.emulator import CallEmulator
from voicebot.models import Call, CallEvent

LINE = "+15555550177"
FLOW = f"""\
flow: reference
name: Parcel desk
language: en-US
numbers: ["{LINE}"]
timezone: UTC
start: lead_in
fallback: bye
states:
  lead_in:
    say: "Your reference number follows. Have a pen ready."
    next: beat
  beat:
    pause: 3
    next: number
  number:
    say: "It is 4 2 7."
    next: menu
  menu:
    ask: "Press 1 to hear it again."
    input: [dtmf]
    retries: 0
    choices:
      - digits: ["1"]
        goto: beat
    no_input: bye
    no_match: bye
  bye:
    hangup: "Goodbye."
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    path = folder / "reference.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return path


@pytest.fixture
def settings(settings: dict[str, Any], flow_file: Path) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flow_file.parent)}


def verbs(twiml: str) -> list[tuple[str, str]]:
    """The response's verbs in order, each with what the caller gets from it."""
    return [(verb.tag, verb.get("length") or (verb.text or "").strip())
            for verb in ET.fromstring(twiml)]


def test_the_caller_hears_a_silence_between_two_sentences(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], flow_file: Path
) -> None:
    call = dial_inprocess(LINE)
    first = call.start()
    assert first.heard == ["Your reference number follows. Have a pen ready.", "It is 4 2 7.",
                           "Press 1 to hear it again."]
    assert verbs(first.twiml[-1])[:3] == [
        ("Say", "Your reference number follows. Have a pen ready."),
        ("Pause", "3"),
        ("Say", "It is 4 2 7."),
    ]

    again = call.press("1")
    assert verbs(again.twiml[-1])[:2] == [("Pause", "3"), ("Say", "It is 4 2 7.")]
    assert call.silence().ended

    with db.session_scope(app) as session:
        stored = session.scalars(select(Call).where(Call.sid == call.call_sid)).one()
        flow = load_flow(flow_file)
        note = notes.compose(stored, flow, flow.language)  # as `voicebot journal` writes it
    assert note.count("The caller was given 3 s of silence.") == 2
    assert "Outcome: the flow finished the call" in note


def test_the_flow_picture_draws_the_pause(flow_file: Path) -> None:
    picture = to_mermaid(load_flow(flow_file))
    assert '["beat<br/>(pause)"]' in picture
    # lead_in (s0) -> beat (s1) -> number (s2), and the menu's key 1 back to the pause.
    assert 's0 -->|"next"| s1' in picture and 's1 -->|"next"| s2' in picture
    assert 's3 -->|"1"| s1' in picture


def test_a_russian_note_words_the_pause_in_russian() -> None:
    call = Call(sid="CA" + "1" * 32, flow_id="reference", direction="inbound",
                from_number="+79005550177", to_number="+74955550100",
                started_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), outcome="completed",
                vars={}, flagged="", state="bye")
    call.events = [CallEvent(at=call.started_at, state="beat", kind="pause", text="3 s",
                             data={"seconds": 3})]
    note = notes.compose(call, None, "ru")
    assert "Абоненту дали паузу 3 с." in note and " s" not in note
