"""Fixtures in the style of Flask's tutorial: `app`, `client`, `runner`, plus a live server,
the call emulator and the Twilio REST double.

Every app test runs on SQLite, and also on PostgreSQL when VOICEBOT_TEST_DATABASE_URL is
set (`.ci/run` sets it), each test on a freshly migrated schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.serving import BaseWSGIServer, make_server

from voicebot import close_app, create_app
from voicebot.db import alembic_config, scratch_database, upgrade
from voicebot.devtools.emulator import CallEmulator, HttpTransport, WsgiTransport

from support.twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

pytest_plugins = ["support.fixtures"]

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
FLOWS = REPO / "flows"
PG_URL = os.environ.get("VOICEBOT_TEST_DATABASE_URL")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, created next to the one configured and
    dropped at the end, so two runs on one server (CI and a developer, parallel helpers)
    never wipe each other's tables."""
    assert PG_URL
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(PG_URL, "voicebot_test"))
        except OperationalError as exc:
            if "permission denied" not in str(exc):
                raise
            # No CREATEDB right: share the configured database, as before.
            warnings.warn(f"cannot create a database of this run's own ({exc})", stacklevel=1)
            url = PG_URL
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per test process (each xdist worker has its own);
    every test gets a copy: copying the file costs a millisecond, migrating a second."""
    path = tmp_path_factory.mktemp("migrated") / "voicebot.db"
    upgrade(f"sqlite:///{path}")
    return path


@functools.cache
def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _fresh_postgresql(url: str) -> None:
    """Empty every table of the run's database, migrating it first where it is not at head
    (the first test, or one that left the schema elsewhere): cheaper than a schema per test."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            # A session the last test left open holds locks: fail saying so, never hang.
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))
            tables = set(inspect(conn).get_table_names())
            at = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                if "alembic_version" in tables else None
            if at == _head():
                names = ", ".join(f'"{name}"' for name in sorted(tables - {"alembic_version"}))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    upgrade(url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the test's own."""
    if request.param == "sqlite":
        target = tmp_path / "voicebot.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_url")
    _fresh_postgresql(url)
    return url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database shared by one module's tests (on each backend), for a
    module that runs many calls as one measurement (`flows eval`)."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("module-db") / "voicebot.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_url")
    _fresh_postgresql(url)
    return url


@pytest.fixture
def postgresql_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty PostgreSQL database, for what only a server shows (a dropped
    connection, a lost server, Procrastinate): such tests have no SQLite variant to skip."""
    if not PG_URL:
        pytest.skip("needs PostgreSQL: set VOICEBOT_TEST_DATABASE_URL (.ci/run does)")
    url: str = request.getfixturevalue("pg_url")
    _fresh_postgresql(url)
    return url


@pytest.fixture(params=BACKENDS)
def unmigrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'voicebot.db'}"
    url: str = request.getfixturevalue("pg_url")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Overrides for `create_app`; tests edit this before asking for `app`."""
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "FLOWS_DIR": str(FLOWS),
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "DRY_RUN": True,
        "FLOW_CHECK_INTERVAL": 0.0,
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        # Tests that move the app's clock need a job runner that reads that clock: the
        # in-process engine does; Procrastinate reads PostgreSQL's now(). Its own tests
        # (tests/jobs/test_job_engine.py) run it in real worker processes on the real clock.
        "JOBS": "inprocess",
    }


@pytest.fixture
def make_app(settings: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Apps on the test's settings (plus overrides), each closed when the test ends. `app` is
    one; a test that needs another process's view of the same database asks for a second."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        made.append(create_app({**settings, "TESTING": True, **overrides}))
        return made[-1]

    yield make
    for app in made:
        close_app(app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server on loopback, stopped when the test ends."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def set_clock(app: Flask) -> Callable[[str], dt.datetime]:
    """Freeze the engine's clock at an ISO time with offset, e.g. '2026-11-23T09:00-08:00'."""

    def freeze(when: str) -> dt.datetime:
        moment = dt.datetime.fromisoformat(when)
        app.extensions["voicebot.clock"].set(moment)
        return moment

    return freeze


@pytest.fixture
def dial(live_server: str) -> Callable[..., CallEmulator]:
    """Place emulated calls to the live server over real HTTP, signed as Twilio signs."""

    def make(to: str, from_: str = "+15035550199", **kwargs: Any) -> CallEmulator:
        return CallEmulator(HttpTransport(live_server), auth_token=TEST_AUTH_TOKEN,
                            public_url=live_server, to=to, from_=from_, **kwargs)

    return make


@pytest.fixture
def dial_inprocess(app: Flask) -> Callable[..., CallEmulator]:
    """Emulated calls through the WSGI app directly (fast, no sockets)."""

    def make(to: str, from_: str = "+15035550199", **kwargs: Any) -> CallEmulator:
        return CallEmulator(WsgiTransport(app), auth_token=TEST_AUTH_TOKEN,
                            public_url="http://localhost", to=to, from_=from_, **kwargs)

    return make


# -- the fast loop --------------------------------------------------------------------------
# Tests that take more than a few seconds each: real speech (espeak-ng, Vosk, pocketsphinx),
# real processes (servers, workers killed mid-job), a real browser, model downloads. They
# run in the full suite (`bash .ci/run`); `pytest -m "not slow"` leaves them out while
# developing. Keys are paths under tests/; a module alone marks the whole module. Measured
# with --durations on the 2-core CI machine; see README "Developing".
SLOW: dict[str, frozenset[str] | None] = {
    "speech/test_speech.py": None,
    "jobs/test_worker_processes.py": None,
    "desk/test_desk_browser.py": None,
    "speech/test_models_download.py": frozenset({"test_a_good_model_is_installed_and_the_setting_printed"}),
    "web/test_serving.py": frozenset({
        "test_production_server_answers_logs_json_and_finishes_a_webhook_in_flight_on_sigterm"}),
    "cli/test_cli.py": frozenset({"test_serve_then_call_over_http"}),
    "voicemail/test_voicemail_cli.py": frozenset({"test_a_recording_is_transcribed_and_analyzed"}),
    "voicemail/test_voicemail_pipeline.py": frozenset({
        "test_om4_om7_a_spoken_voicemail_gets_one_quote_sms_whatever_twilio_repeats",
        "test_om4_om9_a_job_seeker_gets_no_quote_and_the_dispatcher_is_told",
        "test_the_sweep_restarts_a_voicemail_a_crash_left_half_done",
        "test_twilio_transcription_is_used_when_the_step_asks_for_it",
        "test_the_quote_waits_no_longer_than_the_setting_for_twilio_text",
    }),
    "voicemail/test_quote_replies.py": frozenset({
        "test_om4_om9_yes_approves_the_quote_the_voicemail_got_and_the_dispatcher_is_told"}),
    "desk/test_desk.py": frozenset({"test_flows_page_shows_a_refused_edit_and_a_failing_script",
                               "test_flows_page_shows_status_numbers_picture_and_scripted_calls"}),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        if module not in SLOW:
            continue
        names = SLOW[module]
        if names is None or getattr(item, "originalname", item.name) in names:
            item.add_marker(pytest.mark.slow)

