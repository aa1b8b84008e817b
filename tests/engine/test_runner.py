"""The interpreter (voicebot.engine.runner) on its own: start, resume, run_from and recover
against a small flow compiled by the real loader, with an in-memory `Effects` that records
what the steps ask for. No database, no HTTP: what is checked is what the caller would hear
(the TwiML), where the call stands, and which effects (ticket, SMS, voicemail) were asked
for with which words. The emulator-driven tests reach these paths only through whole calls;
the error paths here (a step failing, its fallback failing too) they cannot stage at will.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import override

from voicebot.compiler.loader import load_flow
from voicebot.engine import runner
from voicebot.engine.turn import Effects, Made, Reply, Turn, VisitRecord, Waiting
from voicebot.flows.errors import FlowRuntimeError
from voicebot.flows.model import Flow
from voicebot.models import MessagePurpose
from voicebot.services.bookings import Slot
from voicebot.services.calls import CallRow

LINE = "+15550000001"
CALLER = "+15550009999"
NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)  # a Wednesday, open

FLOW = """\
flow: tiny
name: Tiny Repairs
language: en-US
numbers: ["+15550000001"]
timezone: UTC
hours:
  mon-sun: "00:00-23:59"
record_calls: true
staff:
  - id: dispatcher-1
    role: dispatcher
    phone: "+15550000011"
start: hello
fallback: message
apology: "Sorry, something went wrong on our side."
states:
  hello:
    say: "Hello, this is {name}."
    next: menu
  menu:
    ask: "Press 1 for a repair, 2 to leave a message."
    num_digits: 1
    choices:
      - digits: "1"
        goto: repair
      - digits: "2"
        goto: message
    no_input: message
    no_match: message
  repair:
    ticket: repair
    text: "Repair requested by {caller}"
    assign: dispatcher
    urgent: true
    next: confirm
  confirm:
    sms: "We have your repair request, {name}."
    next: goodbye
  message:
    voicemail: "Please leave a message after the beep."
    next: goodbye
  goodbye:
    hangup: "Goodbye."
"""


@dataclass
class RecordingEffects(Effects):
    """Effects that keep what was asked of them; `fail` names the methods that raise.
    Subclassing the protocol lets mypy check each method against it (@override)."""

    fail: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def _record(self, name: str, **args: Any) -> None:
        if name in self.fail:
            raise RuntimeError(f"{name} is down")
        self.calls.append((name, args))

    def asked(self, name: str) -> list[dict[str, Any]]:
        return [args for called, args in self.calls if called == name]

    @override
    def event(self, call: CallRow, at: dt.datetime, state: str, kind: str, text: str,
              data: dict[str, Any]) -> None:
        self.events.append((state, kind, text))

    @override
    def previous_calls(self, call: CallRow, flow_id: str) -> int:
        return 0

    @override
    def states_entered(self, call: CallRow) -> Collection[str]:
        return {state for state, kind, _ in self.events if kind == "enter"}

    @override
    def join_queue(self, call: CallRow, flow_id: str, queue: str, priority: int,
                   now: dt.datetime) -> None:
        self._record("join_queue", queue=queue, priority=priority)

    @override
    def leave_queue(self, call: CallRow, result: str, now: dt.datetime) -> None:
        self._record("leave_queue", result=result)

    @override
    def take_waiting(self, flow_id: str, queue: str, now: dt.datetime) -> Waiting | None:
        self._record("take_waiting", queue=queue)
        return None

    @override
    def queue_sms(self, flow: Flow, call: CallRow, *, to: str, body: str, purpose: MessagePurpose,
                  key: str) -> int:
        self._record("queue_sms", to=to, body=body, purpose=purpose, key=key)
        return len(self.calls)

    @override
    def create_ticket(self, flow: Flow, call: CallRow, now: dt.datetime, *, key: str, kind: str,
                      text: str, assign: str | None, urgent: bool, fields: dict[str, str],
                      due_at: dt.datetime | None) -> Made | None:
        self._record("create_ticket", key=key, kind=kind, text=text, assign=assign,
                     urgent=urgent, fields=fields, due_at=due_at)
        return Made(id=7, text=text)

    @override
    def record_visit(self, visit_id: int, *, status: str, note: str | None,
                     adult_contact: str | None, no_entry: bool | None) -> VisitRecord | None:
        self._record("record_visit", visit_id=visit_id, status=status)
        return None

    @override
    def store_voicemail(self, call: CallRow, flow_id: str, recording_sid: str, url: str,
                        duration: int, now: dt.datetime) -> None:
        self._record("store_voicemail", recording_sid=recording_sid, url=url, duration=duration)

    @override
    def free_slot(self, flow: Flow, calendar: Slot, now: dt.datetime,
                  start_from: dt.datetime) -> dt.datetime | None:
        self._record("free_slot")
        return None

    @override
    def book(self, flow: Flow, calendar: Slot, slot: dt.datetime, now: dt.datetime, *,
             key: str, call_id: int | None, phone: str, client_name: str) -> Made | None:
        self._record("book", key=key)
        return None


class Urls:
    def step(self, state: str, turn: int, event: str) -> str:
        return f"/step/{state}/{turn}/{event}"

    def queue_wait(self, state: str) -> str:
        return f"/wait/{state}"

    def recording_status(self) -> str:
        return "/recording-status"

    def call_recording_status(self) -> str:
        return "/call-recording-status"

    def sms_status(self) -> str:
        return "/sms-status"

    def transcription(self) -> str:
        return "/transcription"


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    path: Path = tmp_path_factory.mktemp("flows") / "tiny.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return load_flow(path)


def new_call() -> CallRow:
    # The call's row as a turn gets it from the database (services.calls.lock).
    return CallRow(id=1, sid="CA0001", flow_id="tiny", flow_digest="", direction="inbound",
                   from_number=CALLER, to_number=LINE, status="in-progress", state="", turn=1,
                   retries=0, inputs=0, vars={}, last_twiml="", outcome="in-progress", note="",
                   flagged="", started_at=NOW, ended_at=None, duration=None,
                   recording_sid=None, recording_url="")


def turn_for(flow: Flow, call: CallRow, effects: RecordingEffects) -> Turn:
    return Turn(flow=flow, call=call, effects=effects, now=NOW, urls=Urls())


def heard(turn: Turn) -> str:
    return str(turn.response)


def test_start_greets_records_and_waits_at_the_first_question(flow: Flow) -> None:
    effects = RecordingEffects()
    call = new_call()
    turn = turn_for(flow, call, effects)
    runner.start(turn)
    twiml = heard(turn)
    # Recording starts before anything is said, so the greeting is on record.
    assert twiml.index("<Recording") < twiml.index("Hello, this is Tiny Repairs.")
    assert "Press 1 for a repair, 2 to leave a message." in twiml
    assert 'action="/step/menu/1/gather"' in twiml
    assert call.state == "menu"
    assert not turn.ended
    kinds = [k for _, k, _ in effects.events]
    assert kinds[:2] == ["start", "call-recording"]
    assert ("hello", "enter", "say") in effects.events
    assert ("menu", "enter", "ask") in effects.events
    assert effects.calls == []


def test_start_at_an_entry_state_skips_the_flow_start(flow: Flow) -> None:
    """An outbound call enters the flow where its rule says."""
    effects = RecordingEffects()
    turn = turn_for(flow, new_call(), effects)
    runner.start(turn, entry="message")
    assert "Hello" not in heard(turn)
    assert "Please leave a message after the beep." in heard(turn)
    assert "<Record" in heard(turn)


def test_pressing_1_files_the_ticket_texts_the_caller_and_hangs_up(flow: Flow) -> None:
    effects = RecordingEffects()
    call = new_call()
    runner.start(turn_for(flow, call, effects))
    call.turn = 2
    turn = turn_for(flow, call, effects)
    runner.resume(turn, "gather", Reply(digits="1"))

    (ticket,) = effects.asked("create_ticket")
    assert ticket["text"] == f"Repair requested by {CALLER}"
    assert ticket["kind"] == "repair"
    assert ticket["assign"] == "dispatcher"
    assert ticket["urgent"] is True
    # A replayed webhook gives the same key, so the ticket is made once.
    assert ticket["key"] == "CA0001:2:repair"

    (sms,) = effects.asked("queue_sms")
    assert sms["to"] == CALLER
    assert sms["body"] == "We have your repair request, Tiny Repairs."
    assert sms["purpose"] == MessagePurpose.CALLER

    twiml = heard(turn)
    assert "Goodbye." in twiml
    assert twiml.rstrip().endswith("<Hangup /></Response>")
    assert turn.ended
    assert call.outcome == "completed"
    assert ("repair", "ticket", f"Repair requested by {CALLER}") in effects.events


def test_a_voicemail_left_is_stored_with_its_recording(flow: Flow) -> None:
    effects = RecordingEffects()
    call = new_call()
    runner.start(turn_for(flow, call, effects))
    runner.resume(turn_for(flow, call, effects), "gather", Reply(digits="2"))
    assert call.state == "message"
    turn = turn_for(flow, call, effects)
    runner.resume(turn, "record", Reply(recording_sid="RE0001", recording_url="https://r/RE0001",
                                        recording_duration=14))
    (stored,) = effects.asked("store_voicemail")
    assert stored == {"recording_sid": "RE0001", "url": "https://r/RE0001", "duration": 14}
    assert "Goodbye." in heard(turn)


def test_an_event_the_waiting_step_does_not_take_is_a_runtime_error(flow: Flow) -> None:
    effects = RecordingEffects()
    call = new_call()
    runner.start(turn_for(flow, call, effects))
    with pytest.raises(FlowRuntimeError, match="unexpected 'record' event"):
        runner.resume(turn_for(flow, call, effects), "record", Reply())


def test_a_call_left_in_a_state_the_flow_no_longer_has_is_a_runtime_error(flow: Flow) -> None:
    call = new_call()
    call.state = "gone_after_an_edit"
    with pytest.raises(FlowRuntimeError, match="no longer has") as caught:
        runner.resume(turn_for(flow, call, RecordingEffects()), "gather", Reply(digits="1"))
    assert caught.value.state == "gone_after_an_edit"


def test_a_failing_effect_is_reported_with_the_step_that_asked_for_it(flow: Flow) -> None:
    effects = RecordingEffects(fail={"create_ticket"})
    call = new_call()
    runner.start(turn_for(flow, call, effects))
    with pytest.raises(FlowRuntimeError, match="create_ticket is down") as caught:
        runner.resume(turn_for(flow, call, effects), "gather", Reply(digits="1"))
    assert caught.value.state == "repair"


def test_recover_apologises_and_sends_the_caller_to_the_fallback(flow: Flow) -> None:
    effects = RecordingEffects(fail={"create_ticket"})
    call = new_call()
    runner.start(turn_for(flow, call, effects))
    turn = turn_for(flow, call, effects)
    with pytest.raises(FlowRuntimeError) as caught:
        runner.resume(turn, "gather", Reply(digits="1"))
    runner.recover(turn, caught.value)
    twiml = heard(turn)
    # Never dead air: the apology, then the flow's fallback (its voicemail step).
    assert twiml.index("Sorry, something went wrong on our side.") < twiml.index(
        "Please leave a message after the beep.")
    assert 'action="/step/message/1/record"' in twiml
    assert call.flagged == "runtime error"
    assert call.state == "message"
    assert any(kind == "error" and "create_ticket is down" in text
               for _, kind, text in effects.events)


def test_recover_still_takes_a_message_when_the_fallback_fails_too(flow: Flow) -> None:
    """The fallback itself failing (here: it names a state the flow lacks) must not leave
    the caller in silence: the apology, a recording, a hang-up. (The loader refuses such a
    flow; an edit racing a call, or a bug, is what this guards against.)"""
    effects = RecordingEffects()
    call = new_call()
    turn = turn_for(flow, call, effects)
    turn.flow = dataclasses.replace(flow, fallback="no_such_state")
    runner.recover(turn, RuntimeError("the first failure"))
    twiml = heard(turn)
    assert "Sorry, something went wrong on our side." in twiml
    assert 'action="/step/__fallback__/1/record"' in twiml
    assert twiml.rstrip().endswith("<Hangup /></Response>")
    assert turn.ended
    assert any(kind == "error" and text.startswith("fallback failed:")
               for _, kind, text in effects.events)


def test_run_from_restart_goes_back_to_the_flow_start(flow: Flow) -> None:
    turn = turn_for(flow, new_call(), RecordingEffects())
    runner.run_from(turn, "restart")
    assert "Hello, this is Tiny Repairs." in heard(turn)
    assert turn.call.state == "menu"


def test_run_from_hangup_without_a_state_of_that_name_ends_the_call(flow: Flow) -> None:
    turn = turn_for(flow, new_call(), RecordingEffects())
    runner.run_from(turn, "hangup")
    assert heard(turn).rstrip().endswith("<Hangup /></Response>")
    assert turn.ended
    assert turn.call.outcome == "completed"
