"""The `http` step through whole calls, against a real HTTP server on loopback standing in for
an office's order system: a good answer is spoken and texted to the caller (through the
Twilio double); a slow, trickling, failing or non-JSON answer, or a missing signing secret,
apologises and goes to the voicemail fallback, with the journal saying why. The request is
signed as docs/flows.md says and the receiver can check it."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from voicebot import db, notes
from voicebot.compiler.graph import to_mermaid
from voicebot.compiler.loader import load_flow
from voicebot.compiler.registry import registry
from voicebot.devtools.emulator import CallEmulator
from voicebot.engine.steps.http import Http
from voicebot.flows.errors import FlowLoadError
from voicebot.jobs import run_due
from voicebot.models import Call, CallEvent

from support.twilio_double import TwilioDouble

LINE = "+15555550178"
CALLER = "+15035550199"
SECRET = "test-signing-secret-3f9a"
APOLOGY = "Sorry, our order system is not answering right now."
VOICEMAIL = "Please leave your name and order number after the tone."


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class OrderSystem:
    """A real HTTP server; `mode` says how it answers the next request."""

    server: ThreadingHTTPServer
    mode: str = "good"
    seen: list[Seen] = field(default_factory=list)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"


def _handler(system: Callable[[], OrderSystem]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            # voicebot stopped waiting: that is the point of the slow modes.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer()

        def _answer(self) -> None:
            me = system()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            me.seen.append(Seen("POST", self.path, dict(self.headers.items()), body))
            order = json.loads(body or b"{}").get("order", "")
            if me.mode == "slow":
                time.sleep(6)
            if me.mode == "failing":
                self._send(503, b'{"error": "maintenance"}')
                return
            if me.mode == "html":
                self._send(200, b"<html>Login</html>", "text/html")
                return
            answer = {"order": {"number": order, "status": "out for delivery",
                                "eta": {"spoken": "before 6 pm"}}}
            if me.mode == "trickle":
                # Headers at once, then a byte at a time: no single read is slow.
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)  # ~9 s for the whole answer
                return
            self._send(200, json.dumps(answer).encode())

        def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def orders() -> Iterator[OrderSystem]:
    holder: list[OrderSystem] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lambda: holder[0]))
    server.daemon_threads = True
    holder.append(OrderSystem(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


def flow_text(address: str) -> str:
    return f"""\
flow: parcels
name: Parcel desk
language: en-US
numbers: ["{LINE}"]
timezone: UTC
start: ask_order
fallback: message
apology: "{APOLOGY}"
http_hosts: ["{address}"]
states:
  ask_order:
    ask: "Please key in your four digit order number."
    input: [dtmf]
    num_digits: 4
    capture: order_no
    next: lookup
    no_input: message
  lookup:
    http: http://{address}/orders/lookup
    send: {{order: "{{order_no}}", phone: "{{caller}}"}}
    receive: {{status: order.status, eta: order.eta.spoken}}
    timeout: 1
    sign_with: PARCELS_CRM_SECRET
    next: tell
  tell:
    say: "Order {{order_no}} is {{status}}, expected {{eta}}."
    next: text_it
  text_it:
    sms: "Order {{order_no}}: {{status}}, expected {{eta}}."
    next: bye
  bye:
    hangup: "Goodbye."
  message:
    voicemail: "{VOICEMAIL}"
    next: hangup
"""


@pytest.fixture
def flow_file(tmp_path: Path, orders: OrderSystem) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    path = folder / "parcels.yaml"
    path.write_text(flow_text(orders.address), encoding="utf-8")
    return path


@pytest.fixture
def settings(settings: dict[str, Any], flow_file: Path, twilio_double: TwilioDouble,
             monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("PARCELS_CRM_SECRET", SECRET)
    return {**settings, "FLOWS_DIR": str(flow_file.parent), "DRY_RUN": False,
            "TWILIO_API_URL": twilio_double.base_url}


@dataclass(frozen=True)
class Afterwards:
    """The call as the desk shows it once it is over."""

    vars: dict[str, str]
    flagged: str
    events: list[tuple[str, dict[str, Any]]]
    note: str


def afterwards(app: Flask, call: CallEmulator, flow_file: Path) -> Afterwards:
    with db.session_scope(app) as session:
        row = session.scalars(select(Call).where(Call.sid == call.call_sid)).one()
        return Afterwards(dict(row.vars), row.flagged or "",
                          [(e.kind, dict(e.data or {})) for e in row.events],
                          notes.compose(row, load_flow(flow_file)))


def test_the_caller_hears_what_the_order_system_said_and_gets_it_by_sms(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], orders: OrderSystem,
    twilio_double: TwilioDouble, flow_file: Path,
) -> None:
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    turn = call.press("4271")
    assert turn.heard == ["Order 4271 is out for delivery, expected before 6 pm.", "Goodbye."]
    assert turn.ended

    (request,) = orders.seen
    assert request.path == "/orders/lookup"
    assert json.loads(request.body) == {"order": "4271", "phone": CALLER}
    # What the receiving side does to trust it: recompute the HMAC over what arrived.
    stamp = request.headers["X-Voicebot-Timestamp"]
    url = f"http://{orders.address}/orders/lookup"
    expected = hmac.new(SECRET.encode(), f"{stamp}\nPOST\n{url}\n".encode() + request.body,
                        hashlib.sha256).hexdigest()
    assert request.headers["X-Voicebot-Signature"] == f"sha256={expected}"
    assert abs(int(stamp) - time.time()) < 60
    assert SECRET not in json.dumps(request.headers) and SECRET.encode() not in request.body
    assert request.headers["Idempotency-Key"].startswith(call.call_sid)

    run_due(app, raise_errors=True)
    (sms,) = [m for m in twilio_double.messages if m["to"] == CALLER]
    assert sms["body"] == "Order 4271: out for delivery, expected before 6 pm."
    assert sms["from"] == LINE

    after = afterwards(app, call, flow_file)
    assert after.vars["status"] == "out for delivery"
    assert f"Asked {orders.address}: answered 200 in" in after.note


@pytest.mark.parametrize(("mode", "why"), [
    ("slow", "no answer within 1 s"),
    ("trickle", "no answer within 1 s"),
    ("failing", "error 503"),
    ("html", "the answer was not JSON"),
])
def test_a_failing_order_system_apologises_and_takes_a_message(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], orders: OrderSystem,
    twilio_double: TwilioDouble, flow_file: Path, mode: str, why: str,
) -> None:
    orders.mode = mode
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    began = time.monotonic()
    turn = call.press("4271")
    waited = time.monotonic() - began
    # The flow's 1 s and the turn's own work (on a loaded machine), not the 6-9 s the slow
    # modes take: well inside Twilio's 15 s.
    assert waited < 4
    assert turn.heard == [APOLOGY, VOICEMAIL, "[beep]"]
    assert not turn.ended  # recording: the caller can still leave their message
    after = afterwards(app, call, flow_file)
    assert after.vars["order_no"] == "4271"  # what the caller keyed in is kept
    assert "status" not in after.vars
    assert after.flagged == "http step failed"  # the desk shows the call needs a look
    assert f"Asking {orders.address} failed: {why}; the call went on to the fallback." in after.note
    run_due(app, raise_errors=True)
    assert twilio_double.messages == []  # no SMS with an empty status


def test_a_missing_signing_secret_sends_nothing_unsigned(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], orders: OrderSystem,
    monkeypatch: pytest.MonkeyPatch, flow_file: Path,
) -> None:
    monkeypatch.delenv("PARCELS_CRM_SECRET")
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    turn = call.press("4271")
    assert turn.heard == [APOLOGY, VOICEMAIL, "[beep]"]
    assert orders.seen == []
    after = afterwards(app, call, flow_file)
    (failed,) = [data for kind, data in after.events if kind == "http-failed"]
    assert failed["reason"] == "secret"
    assert "the signing secret PARCELS_CRM_SECRET is not set" in after.note


def test_an_answer_without_the_needed_field_is_a_failure(
    app: Flask, dial_inprocess: Callable[..., CallEmulator], orders: OrderSystem,
    flow_file: Path,
) -> None:
    flow_file.write_text(flow_text(orders.address).replace("order.eta.spoken", "order.eta.text"),
                         encoding="utf-8")
    registry(app).check_now()  # the app loaded the file before this edit: the call gets the new one
    call = dial_inprocess(LINE, from_=CALLER)
    call.start()
    turn = call.press("4271")
    assert turn.heard == [APOLOGY, VOICEMAIL, "[beep]"]
    note = afterwards(app, call, flow_file).note
    assert f"{orders.address} failed: the answer lacked order.eta.text;" in note


def test_the_flow_picture_draws_both_ways_out(flow_file: Path) -> None:
    picture = to_mermaid(load_flow(flow_file))
    assert '["lookup<br/>(http)"]' in picture
    # ask_order s0, lookup s1, tell s2, ..., message s5
    assert 's1 -->|"next"| s2' in picture and 's1 -->|"on error"| s5' in picture


def test_the_step_defaults_to_three_seconds_and_the_flows_fallback(tmp_path: Path) -> None:
    text = flow_text("crm.example.com").replace("    timeout: 1\n", "")
    path = tmp_path / "parcels.yaml"
    path.write_text(text, encoding="utf-8")
    step = load_flow(path).states["lookup"]
    assert isinstance(step, Http)
    assert step.timeout == 3 and step.on_error == "message"


def test_an_allow_list_no_step_uses_is_reported_as_a_leftover(tmp_path: Path) -> None:
    path = tmp_path / "parcels.yaml"
    text = flow_text("crm.example.com")
    start, end = text.index("  lookup:\n"), text.index("  tell:\n")
    without_step = (text[:start] + text[end:]).replace("next: lookup", "next: tell")
    path.write_text(without_step.replace("{status}, expected {eta}", "ready"), encoding="utf-8")
    with pytest.raises(FlowLoadError) as caught:
        load_flow(path)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "http_hosts: no http step uses these hosts: remove the list or add the step"]


def test_a_russian_note_words_the_failure_in_russian() -> None:
    call = Call(sid="CA" + "2" * 32, flow_id="parcels", direction="inbound",
                from_number="+79005550177", to_number="+74955550100",
                started_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), outcome="completed",
                vars={}, flagged="", state="message")
    call.events = [
        CallEvent(at=call.started_at, state="lookup", kind="http-failed", text="timeout",
                  data={"host": "crm.example.ru", "reason": "timeout", "limit": 3,
                        "detail": "no answer within 3 s"}),
        CallEvent(at=call.started_at, state="lookup", kind="http", text="POST",
                  data={"host": "crm.example.ru", "status": 200, "ms": 240}),
    ]
    note = notes.compose(call, None, "ru")
    assert ("Запрос к crm.example.ru не удался: нет ответа за 3 с; звонок ушёл на запасной "
            "шаг.") in note
    assert "Запрос к crm.example.ru: ответ 200 за 0,2 с." in note
