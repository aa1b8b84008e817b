"""Whisper on transfer through whole calls: the staff member who answers hears who is calling
and why before the caller is connected; 1 takes the call, 2 or nothing sends it on to the
next available person, and after the last one to the voicemail fallback, so the caller is
never left in silence. The staff leg runs Twilio's `<Number url>` in the emulator, signed
like every webhook."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from voicebot import db, notes
from voicebot.compiler.graph import to_mermaid
from voicebot.compiler.loader import load_flow
from voicebot.devtools.emulator import CallEmulator
from voicebot.models import Call, CallEvent
from voicebot.services import calls

LINE = "+15555550181"
CALLER = "+15035550142"
FIRST, SECOND = "+15035550111", "+15035550112"
VOICEMAIL = "Please leave your claim number and we will call you back."
FLOW = f"""\
flow: claims
name: Claims desk
language: en-US
numbers: ["{LINE}"]
timezone: UTC
start: menu
fallback: message
staff:
  - {{id: adj-1, role: adjuster, name: Dana, phone: "{FIRST}"}}
  - {{id: adj-2, role: adjuster, name: Lee, phone: "{SECOND}"}}
states:
  menu:
    ask: "For a new insurance claim press 1."
    input: [dtmf]
    retries: 0
    choices:
      - digits: ["1"]
        goto: mark_claim
    no_input: message
    no_match: message
  mark_claim:
    set: {{topic: "a new insurance claim"}}
    next: to_adjuster
  to_adjuster:
    transfer: [adjuster]
    announce: "Connecting you to an adjuster."
    whisper: "Call about {{topic}} from {{caller}}."
    timeout: 15
    next: done
  done:
    hangup: "Thank you for calling."
  message:
    voicemail: "{VOICEMAIL}"
    next: hangup
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    path = folder / "claims.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return path


@pytest.fixture
def settings(settings: dict[str, Any], flow_file: Path) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flow_file.parent)}


def dialled(twiml: str) -> list[tuple[str, str]]:
    """Each `<Number>` of the response's `<Dial>`: the phone and its whisper URL."""
    dial = ET.fromstring(twiml).find("Dial")
    assert dial is not None
    return [(n.text or "", n.get("url", "")) for n in dial.findall("Number")]


def note_of(app: Flask, call: CallEmulator, flow_file: Path) -> tuple[str, str]:
    with db.session_scope(app) as session:
        row = session.scalars(select(Call).where(Call.sid == call.call_sid)).one()
        return row.outcome, notes.compose(row, load_flow(flow_file))


def test_the_adjuster_hears_who_and_why_then_takes_the_call_with_1(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], flow_file: Path,
) -> None:
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    turn = call.press("1")
    assert turn.heard == ["Connecting you to an adjuster."]
    ((number, url),) = dialled(turn.twiml[-1])  # one at a time, so "next" means someone
    assert number == FIRST and "/twilio/voice/whisper?" in url

    staff, after = call.staff_answers(press="1")
    assert staff.heard == [f"Call about a new insurance claim from {CALLER}.",
                           "Press 1 to take the call, or 2 to pass it on."]
    assert staff.connected
    assert after.heard == ["Thank you for calling."]
    outcome, note = note_of(app, call, flow_file)
    assert outcome == "transferred"
    assert "Offered to Dana (adjuster)." in note and "Dana took the call." in note


def test_2_passes_the_call_on_and_nobody_taking_it_ends_in_the_voicemail(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], flow_file: Path,
) -> None:
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    call.press("1")

    staff, turn = call.staff_answers(press="2")
    assert staff.heard[-1] == "Passing the call on. Goodbye." and not staff.connected
    assert turn.heard == ["Please hold, I am trying someone else."]
    ((number, _url),) = dialled(turn.twiml[-1])
    assert number == SECOND

    # Lee answers but presses nothing: also passed on, and nobody is left.
    staff, turn = call.staff_answers(press=None)
    assert staff.heard[0] == f"Call about a new insurance claim from {CALLER}."
    assert not staff.connected
    assert turn.heard == ["Sorry, nobody is free to take your call right now.", VOICEMAIL,
                          "[beep]"]
    outcome, note = note_of(app, call, flow_file)
    assert outcome != "transferred"
    assert "Dana passed the call on." in note and "Lee passed the call on." in note


@pytest.mark.usefixtures("app")
def test_an_unanswered_phone_goes_on_to_the_next_person(
    dial_inprocess: Callable[..., CallEmulator],
) -> None:
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    call.press("1")
    turn = call.dial_result("no-answer")
    assert dialled(turn.twiml[-1])[0][0] == SECOND
    staff, after = call.staff_answers(press="1")
    assert staff.connected and after.heard == ["Thank you for calling."]


def test_a_repeated_whisper_answer_is_journalled_once(app: Flask, flow_file: Path) -> None:
    """Twilio retries a webhook it got no answer to: the member's 1 still counts once."""
    flow = load_flow(flow_file)
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with db.session_scope(app) as session:
        call = calls.open(session, flow, sid="CA" + "5" * 32, from_=CALLER, to=LINE, now=at)
        for _ in range(2):
            calls.whisper_answered(session, call, at, state="to_adjuster", turn=2,
                                   member="adj-1", taken=True)
            session.flush()
        assert calls.whisper_taken(session, call, 2) and not calls.whisper_taken(session, call, 3)
        lines = session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)).all()
        assert [e.kind for e in lines] == ["whisper"]


def test_a_forged_whisper_answer_is_refused(client: FlaskClient) -> None:
    answer = client.post("/twilio/voice/whisper?c=CA" + "0" * 32 + "&s=to_adjuster&t=2&m=adj-1"
                         "&e=answer", data={"CallSid": "CA" + "1" * 32, "Digits": "1"})
    assert answer.status_code == 403


def test_the_flow_picture_and_a_russian_note(flow_file: Path) -> None:
    picture = to_mermaid(load_flow(flow_file))
    assert '["to_adjuster<br/>(transfer)"]' in picture
    call = Call(sid="CA" + "3" * 32, flow_id="claims", direction="inbound",
                from_number="+79005550177", to_number="+74955550100",
                started_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), outcome="transferred",
                vars={}, flagged="", state="done")
    call.events = [
        CallEvent(at=call.started_at, state="to_adjuster", kind="transfer", text="adjuster",
                  data={"role": "adjuster", "members": ["adj-1"], "attempt": 0,
                        "whisper": True}),
        CallEvent(at=call.started_at, state="to_adjuster", kind="whisper", text="passed",
                  data={"turn": 2, "member": "adj-1", "taken": False}),
    ]
    note = notes.compose(call, None, "ru")
    assert "Звонок предложен: adj-1 (adjuster)." in note
    assert "Отказ — adj-1; звонок передан дальше." in note
