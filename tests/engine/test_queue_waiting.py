"""Waiting that feels looked after (issue 18, item 1), through whole calls: a caller in the
queue hears hold music (a real WAV from the audio/ folder, served to Twilio), their place and
an estimate from how fast the queue moved in the last two hours, again every
`announce_every` seconds, and can press a key at any moment to leave a message instead; the
message is kept. The queue ordering itself is OM-3's (tests/test_seed_omega.py)."""

from __future__ import annotations

import datetime as dt
import math
import struct
import wave
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
from voicebot.engine.steps.queue import spoken_minutes
from voicebot.models import Call, CallEvent
from voicebot.services import calls, queue

LINE = "+15555550183"
NOW = "2026-11-23T10:00:00+00:00"
VOICEMAIL = "Please leave your name and number after the tone."
FLOW = f"""\
flow: desk
name: Service desk
language: en-US
numbers: ["{LINE}"]
timezone: UTC
start: wait
fallback: message
states:
  wait:
    queue: desk
    music: audio/hold.wav
    announce_every: 60
    message_key: "9"
    max_wait: 900
    next: message
  message:
    voicemail: "{VOICEMAIL}"
    next: hangup
"""


def tone(path: Path, seconds: float = 1.0) -> None:
    """A real, short WAV: 440 Hz at 8 kHz, as a phone plays it."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                 for i in range(int(8000 * seconds))))


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    (tmp_path / "audio").mkdir()
    tone(tmp_path / "audio" / "hold.wav")
    path = folder / "desk.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return path


@pytest.fixture
def settings(settings: dict[str, Any], flow_file: Path) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flow_file.parent)}


@pytest.fixture
def now(set_clock: Callable[[str], dt.datetime]) -> dt.datetime:
    return set_clock(NOW)


def history(app: Flask, flow_file: Path, now: dt.datetime, *, served_minutes_ago: list[int],
            waiting: int) -> None:
    """Callers staff took at the given minutes ago, and `waiting` callers still in line."""
    flow = load_flow(flow_file)
    with db.session_scope(app) as session:
        for n, ago in enumerate(served_minutes_ago):
            at = now - dt.timedelta(minutes=ago)
            call = calls.open(session, flow, sid=f"CA{n:032d}", from_="+15035550100", to=LINE,
                              now=at - dt.timedelta(minutes=5))
            queue.join(session, call, flow.id, "desk", 0, at - dt.timedelta(minutes=5))
            queue.left(session, call.id, "bridged", at)  # staff took them
        for n in range(waiting):
            call = calls.open(session, flow, sid=f"CA{n + 50:032d}", from_="+15035550101",
                              to=LINE, now=now - dt.timedelta(minutes=1))
            queue.join(session, call, flow.id, "desk", 0, now - dt.timedelta(minutes=1))


def test_the_caller_hears_music_their_place_and_the_estimated_wait(
    app: Flask, client: FlaskClient, dial_inprocess: Callable[..., CallEmulator],
    flow_file: Path, now: dt.datetime,
) -> None:
    # The queue took a caller every 3 minutes lately; one caller is ahead of this one.
    history(app, flow_file, now, served_minutes_ago=[10, 7, 4], waiting=1)
    call = dial_inprocess(LINE)
    turn = call.start()
    assert turn.heard[:3] == ["You are number 2 in line.", "The wait is about 6 minutes.",
                              "To leave a message instead, press 9 at any time."]
    (play,) = [v for v in ET.fromstring(turn.twiml[-1]).iter("Play")]
    assert play.text and play.text.endswith("/audio/hold.wav")
    music = client.get("/audio/hold.wav")  # what Twilio fetches: the real file
    assert music.status_code == 200 and music.mimetype == "audio/wav"
    assert music.data == (flow_file.parent.parent / "audio" / "hold.wav").read_bytes()
    assert client.get("/audio/..%2Fflows%2Fdesk.yaml").status_code == 404

    # The music plays on without repeating the announcement until a minute has passed.
    turn = call.queue_position(2, waited=20)
    assert "You are number 2 in line." not in turn.heard
    turn = call.queue_position(2, waited=50)
    assert turn.heard[:2] == ["You are number 2 in line.", "The wait is about 6 minutes."]


@pytest.mark.usefixtures("app", "flow_file", "now")
def test_no_history_no_made_up_estimate(
    dial_inprocess: Callable[..., CallEmulator],
) -> None:
    call = dial_inprocess(LINE)
    turn = call.start()
    assert turn.heard[:2] == ["You are number 1 in line.",
                              "To leave a message instead, press 9 at any time."]


@pytest.mark.usefixtures("now")
def test_the_message_key_leaves_the_queue_for_the_voicemail_and_the_message_is_kept(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], flow_file: Path,
) -> None:
    call = dial_inprocess(LINE)
    call.start()
    turn = call.press_while_waiting("9")
    assert turn.heard == [VOICEMAIL, "[beep]"]
    call.record(duration=12)
    with db.session_scope(app) as session:
        row = session.scalars(select(Call).where(Call.sid == call.call_sid)).one()
        note = notes.compose(row, load_flow(flow_file))
        entry = queue.place_of(session, row.id)
        assert entry is not None and entry.result == "message"
        assert row.outcome == "voicemail"
    assert "The caller was told they were number 1 in line." in note
    assert "The caller chose to leave a message instead of waiting." in note


def test_the_flow_picture_draws_the_message_key(flow_file: Path) -> None:
    picture = to_mermaid(load_flow(flow_file))
    assert 's0 -->|"key 9"| s1' in picture


@pytest.mark.parametrize(("minutes", "en", "ru"), [
    (1, "a minute", "1 минуту"), (3, "3 minutes", "3 минуты"), (5, "5 minutes", "5 минут"),
    (11, "11 minutes", "11 минут"), (21, "21 minutes", "21 минуту"),
    (22, "22 minutes", "22 минуты"), (14, "14 minutes", "14 минут"),
])
def test_minutes_are_spoken_in_the_right_form(minutes: int, en: str, ru: str) -> None:
    assert spoken_minutes(minutes, "en") == en and spoken_minutes(minutes, "ru") == ru


def test_a_russian_note_says_the_place_and_the_wait() -> None:
    call = Call(sid="CA" + "4" * 32, flow_id="desk", direction="inbound",
                from_number="+79005550177", to_number="+74955550100",
                started_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), outcome="voicemail",
                vars={}, flagged="", state="message")
    call.events = [
        CallEvent(at=call.started_at, state="wait", kind="queue-told", text="2",
                  data={"position": 2, "minutes": 3}),
        CallEvent(at=call.started_at, state="wait", kind="queue-message", text="9", data={}),
    ]
    note = notes.compose(call, None, "ru")
    assert "Абоненту сообщили его номер в очереди: 2, ждать примерно 3 минуты." in note
    assert "Абонент не стал ждать и решил оставить сообщение." in note
