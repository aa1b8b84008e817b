"""A call's note as the desk writes it from the call's events (issue 17 item 6): sentences in
the desk's language, the flow's labels and role names, never state ids or variable names."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from voicebot import notes
from voicebot.compiler.loader import load_flow
from voicebot.models import Call, CallEvent

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def a_call(flow_id: str, events: list[tuple[str, str, dict[str, object]]], **values: object) -> Call:
    call = Call(sid="CA" + "0" * 32, flow_id=flow_id, direction="inbound", from_number="+79005550177",
                to_number="+74955550100", started_at=START, outcome="voicemail", duration=75,
                vars={"fault": "стучит подвеска", "_offer": "internal"}, flagged="", state="take_message",
                **values)
    call.events = [CallEvent(at=START, state="somewhere_inside", kind=kind, text=text, data=data)
                   for kind, text, data in events]
    return call


EVENTS: list[tuple[str, str, dict[str, object]]] = [
    ("enter", "ask", {}),
    ("input", "1", {"digits": "1"}),
    ("input", "стучит подвеска", {"speech": "стучит подвеска", "confidence": 0.8}),
    ("transfer", "nobody available", {"roles": ["master_consultant"]}),
    ("notify", "Клиент ждёт звонка.", {"to": "master_consultant"}),
    ("recorded", "20 s", {"recording_sid": "RE" + "1" * 32}),
    ("transcript", "стучит подвеска перезвоните", {"transcriber": "vosk"}),
    ("for-person", "", {"status": "failed", "code": "fetch_failed", "reason": "fetch_failed"}),
    ("callback", "callback_note: call scheduled for 2026-11-23 13:00", {"callback_id": 4,
                                                                        "result": "deferred"}),
    ("error", "KeyError: 'slot'", {}),
]


def test_a_russian_note_is_russian_sentences_with_the_flows_labels() -> None:
    flow = load_flow(ROOT / "flows" / "car_service.yaml")
    note = notes.compose(a_call("car_service", EVENTS), flow, "ru", ZoneInfo("Europe/Moscow"))
    assert note.startswith("2026-11-23 12:00, звонок от +79005550177. Линия: автоцентр «Магистраль»")
    assert "Ответы абонента: нажата клавиша 1; «стучит подвеска»." in note
    assert "Записано: Неисправность: стучит подвеска." in note
    assert "Свободных сотрудников не было." in note
    assert "Сотрудники уведомлены (мастер-консультант): Клиент ждёт звонка." in note
    assert "Абонент оставил голосовое сообщение (20 с)." in note
    assert "В сообщении: «стучит подвеска перезвоните»." in note
    assert "Сообщение требует внимания сотрудника." in note
    assert "Перезвон №4: перенесён на рабочее время." in note
    assert "У нас произошёл сбой; абонент услышал извинение." in note
    assert note.endswith("Итог: абонент оставил голосовое сообщение; звонок длился 75 с.")
    # Nothing of the flow's insides, and no English but a proper name (Twilio).
    for inside in ("somewhere_inside", "master_consultant", "fault", "_offer", "KeyError", "→"):
        assert inside not in note, inside
    assert set(re.findall(r"[A-Za-z]{3,}", note)) == {"Twilio"}, note


def test_the_english_note_of_the_same_call_and_a_flow_without_labels() -> None:
    flow = load_flow(ROOT / "flows" / "car_service.yaml")
    note = notes.compose(a_call("car_service", EVENTS), flow, "en", dt.UTC)
    assert note.startswith("2026-11-23 09:00: +79005550177 called автоцентр «Магистраль»")
    assert "The caller said: pressed 1; \u201cстучит подвеска\u201d." in note
    assert "Callback #4: moved to business hours." in note
    assert "Outcome: the caller left a voicemail; the call lasted 75 s." in note
    # A line whose flow file is gone: its variables by their names, its id as the line.
    gone = notes.compose(a_call("old_line", EVENTS[:2]), None, "en")
    assert "called old_line" in gone and "Noted: fault: стучит подвеска." in gone
