"""What a webhook asks of the database, counted (bench.roundtrips: a SQLAlchemy event listener
on statements, transactions and pool pings) over whole calls played through the real app, on
SQLite and PostgreSQL. A ratchet: the figure may only go down. Each round trip is time the
caller spends in silence (Twilio waits for the answer), and on PostgreSQL a commit is a log
flush; issue 15 aims at 5.5 a webhook, averaged over a call. Timings stay in bench/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import event, make_url

from bench import loadgen, roundtrips
from bench.handwritten import create_schema, handwritten_app
from voicebot import db
from voicebot.devtools.emulator import CallEmulator, WsgiTransport
from voicebot.devtools.scripted_call import Script, load_script, run_script
from voicebot.engine import runner

from support.records import the_call
from support.twilio_double import TEST_AUTH_TOKEN

REPO = Path(__file__).resolve().parents[2]
PRICES = load_script(REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml")  # OM-7

ROUND_TRIPS_PER_WEBHOOK = 5.0
"""The current figure for the benchmark's call (greeting, keypress, speech, status callback),
on both databases: BEGIN, load (or create) the call, update it, insert the turn's events,
COMMIT. Lower it when a change saves a round trip; never raise it."""


def omega_number(app: Flask) -> str:
    number: str = app.extensions["voicebot.flows"].get("omega").numbers[0]
    return number


def test_a_call_costs_no_more_round_trips_than_the_ratchet(app: Flask) -> None:
    """OM-7's call: the caller hears the greeting, presses 4 for the prices, says no more, and
    the call ends; every webhook answered, at no more than the counted cost."""
    counted = roundtrips.count_calls(app, PRICES, omega_number(app), calls=3)
    per_webhook = counted["per_webhook"]
    assert per_webhook["webhooks"] == 12  # 4 webhooks a call: nothing skipped, nothing extra
    assert per_webhook["round_trips"] <= ROUND_TRIPS_PER_WEBHOOK, counted["by_path"]


def test_the_counter_sees_every_statement_and_commit(app: Flask) -> None:
    """The ratchet means something only if the listener counts: a webhook that answers from
    the database must show its statements and its one transaction."""
    counted = roundtrips.count_calls(app, PRICES, omega_number(app), calls=1)
    step = counted["by_path"]["/twilio/voice/step"]
    assert step["statements"] >= 2 and step["transactions"] >= 1  # load the call, write the turn
    assert step["round_trips"] >= step["statements"] + 2  # and BEGIN, COMMIT around them


def statements_of_a_call(app: Flask, script: Script) -> list[str]:
    flow = app.extensions["voicebot.flows"].get(script.flow)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        with roundtrips.counting(app) as counter:
            roundtrips.play(app, counter, script, flow.numbers[0], script.from_ or "+15035550142")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


COUNTS_EARLIER_CALLS = "count(calls.id)"


def test_the_callers_history_is_read_only_by_a_flow_that_routes_on_it(app: Flask) -> None:
    """omega routes on who is calling (OM-3: dispatcher, staff, insurer), never on how often
    they called: its turns do not count the caller's earlier calls. The hotline greets a
    returning caller differently (HL-2, `min_previous_calls`): its first turn does."""
    assert not [s for s in statements_of_a_call(app, PRICES) if COUNTS_EARLIER_CALLS in s]
    hotline = load_script(REPO / "flows" / "calls" / "hotline_hl7_natural_closing.yaml")
    assert [s for s in statements_of_a_call(app, hotline) if COUNTS_EARLIER_CALLS in s]


def test_no_webhook_reads_the_calls_journal(app: Flask) -> None:
    """The journal grows with the call; a webhook that read it would slow down as the caller
    talks. Each turn adds its own events, the status callback its line, and the note is
    written from the events when the dispatcher reads it (OM-7's call, hung up by the flow)."""
    sent = statements_of_a_call(app, PRICES)
    assert sent and not [s for s in sent if "FROM call_events" in s]


def test_a_first_turn_that_fails_still_leaves_the_call_and_its_apology(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The incoming call's row is created in its first turn's transaction, so a failing
    first step rolls the row back with everything else: the call is made again for the
    apology, and the dispatcher finds it, flagged, as for a failure later in a call."""
    real_run_from = runner.run_from
    failed: list[str] = []

    def fails_once(turn: Any, state: str) -> None:
        if not failed:
            failed.append(state)
            turn.event("say", "half a greeting")  # written, then rolled back
            raise RuntimeError("the greeting broke")
        real_run_from(turn, state)

    monkeypatch.setattr(runner, "run_from", fails_once)
    app.extensions["voicebot.clock"].set(PRICES.at)
    caller = CallEmulator(WsgiTransport(app), auth_token=TEST_AUTH_TOKEN,
                          public_url="http://localhost", to=omega_number(app), from_="+15035550142")
    heard = caller.start()
    assert failed and "We're sorry, something went wrong on our side." in heard.text
    call = the_call(app, caller)
    assert call.flagged == "runtime error" and call.turn == 1
    assert "half a greeting" not in [e.text for e in call.events]
    assert [e.kind for e in call.events].count("error") == 1


@pytest.fixture
def handwritten(pg_url: str) -> tuple[Flask, str]:
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS hw_events, hw_calls")
    create_schema(dsn)
    return handwritten_app(dsn, TEST_AUTH_TOKEN), dsn


def _play(app: Flask, script: Script, from_: str) -> Any:
    def emulator(_: Script) -> CallEmulator:
        return CallEmulator(WsgiTransport(app), auth_token=TEST_AUTH_TOKEN,
                            public_url="http://localhost", to="+15035550100", from_=from_)

    return run_script(script, emulator)


def test_the_handwritten_baseline_does_the_work_it_is_measured_for(
        handwritten: tuple[Flask, str]) -> None:
    """bench.webhooks compares voicebot with this handler: it must really keep the call's
    state (a row per call, an event per webhook) and refuse unsigned requests, or the
    comparison flatters voicebot's rival."""
    app, dsn = handwritten
    result = _play(app, loadgen.without_expectations(PRICES), "+15035550142")
    assert result.ok, result.failure
    with psycopg.connect(dsn) as conn:
        turn, status = conn.execute("SELECT turn, status FROM hw_calls").fetchone() or (0, "")
        kinds = [k for (k,) in conn.execute("SELECT kind FROM hw_events ORDER BY id")]
    assert (turn, status) == (4, "completed")
    assert kinds == ["incoming", "input", "input", "status"]
    unsigned = app.test_client().post("/twilio/voice", data={"CallSid": "CA" + "0" * 32,
                                                            "From": "+15035550142", "To": "+1"})
    assert unsigned.status_code == 403
