"""Production serving: `voicebot serve --production` (gunicorn) over real HTTP, its JSON log
lines, graceful shutdown with a webhook in flight, /healthz, and the connection pool sizing.

The production test runs on every backend of the `database_url` fixture (SQLite, and
PostgreSQL when VOICEBOT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, text

from voicebot import create_app, db, logs
from voicebot.cli import main
from voicebot.devtools.emulator import CallEmulator, HttpTransport
from voicebot.logs import JsonFormatter, mask_numbers

from support.processes import free_port, stop, voicebot_command, wait_healthy
from support.twilio_double import TEST_AUTH_TOKEN

REPO = Path(__file__).resolve().parents[2]
OMEGA = "+15035550100"
CALLER = "+15035550177"


@contextmanager
def calls_locked(database_url: str) -> Iterator[None]:
    """Hold a lock that makes every new call's INSERT wait: a webhook stuck on the database,
    as one is behind a slow query, until the block ends."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.begin() as pg:
            pg.execute(text("LOCK TABLE calls IN EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def _wait_for(predicate: Any, what: str, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.e2e
def test_production_server_answers_logs_json_and_finishes_a_webhook_in_flight_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
    env.update({
        "VOICEBOT_DATABASE_URL": database_url,
        "VOICEBOT_INSTANCE_DIR": str(tmp_path / "instance"),
        "VOICEBOT_FLOWS_DIR": str(REPO / "flows"),
        "VOICEBOT_TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "VOICEBOT_DRY_RUN": "true",
        "VOICEBOT_LOG_FORMAT": "json",
        "VOICEBOT_LOG_LEVEL": "INFO",
        "VOICEBOT_WEB_WORKERS": "1",
        "VOICEBOT_WEB_THREADS": "2",
    })
    out, log = tmp_path / "stdout.txt", tmp_path / "stderr.jsonl"
    with out.open("wb") as stdout, log.open("wb") as stderr:
        server = subprocess.Popen([*voicebot_command(), "serve", "--production", "--port", str(port)],
                                  cwd=REPO, env=env, stdout=stdout, stderr=stderr)
    try:
        wait_healthy(url, server, log)
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            health = json.load(response)
        assert health["ok"] is True and health["counts"]["flows_loaded"] == 5

        def dial() -> CallEmulator:
            return CallEmulator(HttpTransport(url), auth_token=TEST_AUTH_TOKEN, public_url=url,
                                to=OMEGA, from_=CALLER)

        first = dial()
        assert first.start().heard[0] == "Thank you for calling Omega Tech Service."

        # A second call's first webhook waits on the database while the server is told to stop.
        slow = dial()
        answered: list[str] = []
        with calls_locked(database_url):
            caller = threading.Thread(target=lambda: answered.extend(slow.start().heard))
            caller.start()
            _wait_for(lambda: f"call {slow.call_sid} from" in log.read_text(),
                      "the webhook to reach the server")
            stop_at = time.monotonic()
            server.terminate()
            _wait_for(lambda: "Handling signal: term" in log.read_text(), "the server to get SIGTERM")
            time.sleep(0.5)
            assert server.poll() is None and not answered, "the server quit before answering"
            # No new work once stopping: refused, or left unanswered until the worker exits.
            with pytest.raises(OSError):
                urllib.request.urlopen(url + "/healthz", timeout=1)
        caller.join(timeout=15)
        assert answered and answered[0] == "Thank you for calling Omega Tech Service.", slow.turn.errors
        assert server.wait(timeout=15) == 0
        assert time.monotonic() - stop_at < 15
    finally:
        stop(server)

    startup = out.read_text()
    assert "production: gunicorn, 1 worker(s) x 2 thread(s)" in startup
    assert "jobs: not run here; run `voicebot worker`" in startup

    lines = [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON
    requests = [e for e in lines if e["logger"] == "voicebot.request"]
    for call in (first, slow):
        (line,) = [e for e in requests if e.get("call_sid") == call.call_sid]
        assert line["path"] == "/twilio/voice" and line["method"] == "POST"
        assert line["status"] == 200 and line["duration_ms"] > 0 and line["request_id"]
        assert line["from"] == "+15*****0177"
    assert any(e["path"] == "/healthz" and e["status"] == 200 and "call_sid" not in e for e in requests)
    assert CALLER not in log.read_text(), "a caller's number was logged unmasked"


def test_request_ids_come_from_the_load_balancer_when_plain(client: Any) -> None:
    given = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.01"})
    assert given.headers["X-Request-Id"] == "lb-7f3a.01"
    forged = client.get("/healthz", headers={"X-Request-Id": 'x", "status": 200'})
    assert forged.headers["X-Request-Id"] != 'x", "status": 200'
    assert len(forged.headers["X-Request-Id"]) == 16


@pytest.mark.usefixtures("app")
def test_json_request_line_carries_its_fields(dial_inprocess: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="voicebot.request"):
        call = dial_inprocess(OMEGA, from_=CALLER)
        call.start()
    (record,) = [r for r in caplog.records if r.name == "voicebot.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["message"].startswith("POST /twilio/voice 200 ")
    assert line["call_sid"] == call.call_sid and line["from"] == "+15*****0177"
    assert line["status"] == 200 and line["path"] == "/twilio/voice" and line["request_id"]


@pytest.mark.usefixtures("app")
def test_every_line_of_a_webhook_carries_its_fields_worked_out_once(
        dial_inprocess: Any, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The incoming call logs two lines (which flow answers, then the request line); both carry
    the same request fields, read from the request once (issue 15: each read cost a line as
    much as the rest of its formatting)."""
    worked_out: list[dict[str, Any]] = []
    fields_now = logs._fields_now

    def counted() -> dict[str, Any]:
        worked_out.append(fields_now())
        return worked_out[-1]

    monkeypatch.setattr(logs, "_fields_now", counted)
    written: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: written.append(handler.format(record))  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)  # formats as the line is logged, as production does
    try:
        with caplog.at_level("INFO"):
            call = dial_inprocess(OMEGA, from_=CALLER)
            call.start()
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [line for line in map(json.loads, written)
             if line["logger"] in ("voicebot.request", "voicebot.webhooks")]
    assert [line["logger"] for line in lines] == ["voicebot.webhooks", "voicebot.request"]
    for line in lines:
        assert line["call_sid"] == call.call_sid and line["from"] == "+15*****0177"
        assert line["path"] == "/twilio/voice" and line["method"] == "POST"
    assert lines[0]["request_id"] == lines[1]["request_id"] != ""
    assert "status" not in lines[0] and lines[1]["status"] == 200
    assert len(worked_out) == 1


def test_numbers_in_log_messages_are_masked_but_sids_are_not() -> None:
    sid = "CA15035550177000000000000000000000"
    assert mask_numbers(f"SMS to +15035550177 for {sid} failed") == \
        f"SMS to +15*****0177 for {sid} failed"
    assert mask_numbers("quote for +375295550100, ticket 12") == "quote for +37******0100, ticket 12"


def test_json_log_format_is_checked() -> None:
    with pytest.raises(ValueError, match="VOICEBOT_LOG_FORMAT: expected text or json"):
        create_app({"LOG_FORMAT": "xml"})


def test_pool_is_sized_from_the_thread_settings(make_app: Callable[..., Flask]) -> None:
    engine = db.engine(make_app(WEB_THREADS=3, JOB_THREADS=2, TRANSCRIPTION_THREADS=1))
    assert engine.pool.size() == 3
    # Quick job threads + transcription threads + the clock and its leadership lock.
    assert engine.pool._max_overflow == 5


def test_a_request_waits_at_most_the_pool_timeout_for_a_connection(
    make_app: Callable[..., Flask],
) -> None:
    engine = db.engine(make_app(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=0.3))
    with engine.connect():
        started = time.monotonic()
        with pytest.raises(sqlalchemy.exc.TimeoutError):
            engine.connect()
        assert 0.25 < time.monotonic() - started < 3


def test_healthz_is_503_when_the_database_is_down(make_app: Callable[..., Flask]) -> None:
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/voicebot"
    app = make_app(DATABASE_URL=down, AUTO_MIGRATE=False)
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["ok"] is False and response.get_json()["database"] == "down"
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(("args", "message"), [
    (["--production", "--jobs"], "the production web tier runs no jobs"),
    (["--production", "--workers", "0"], "VOICEBOT_WEB_WORKERS and VOICEBOT_WEB_THREADS must be at least 1"),
    (["--workers", "4"], "--workers is for --production"),
])
def test_serve_refuses_what_production_cannot_do(args: list[str], message: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("VOICEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'v.db'}")
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", str(REPO / "flows"))
    result = CliRunner().invoke(main, ["serve", *args, "--port", "1"])
    assert result.exit_code == 2 and message in result.output
