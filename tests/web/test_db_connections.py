"""The web tier's PostgreSQL connections (issue 15).

PostgreSQL drops the connections voicebot keeps in its pool (a restart, a failover, an idle
timeout): the pool does not ping before each webhook (a round trip every time), so the next
webhook meets the dead connection, and is answered once more on a new one. The caller hears
the flow go on, not Twilio's "an application error has occurred".

`VOICEBOT_DB_SYNCHRONOUS_COMMIT=off` lets a webhook's commit return before PostgreSQL's disk
flush; the default waits for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from voicebot import db
from voicebot.devtools.emulator import CallEmulator, WsgiTransport

from support.signed import CALLER, OMEGA
from support.twilio_double import TEST_AUTH_TOKEN


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    """PostgreSQL only: SQLite is a file in the process, with no connection to drop."""
    return postgresql_url


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def terminate_backends(url: str) -> int:
    """What a PostgreSQL restart does to every session of the database, from the outside."""
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        admin.dispose()


def test_a_webhook_after_the_pooled_connection_was_killed_still_answers(
        app: Flask, set_clock: Callable[[str], object], caplog: pytest.LogCaptureFixture) -> None:
    """OM-7: the caller heard the menu, PostgreSQL killed the web process's connection while
    they listened; pressing 4 still gets the prices."""
    set_clock("2026-11-23T09:00-08:00")  # Monday morning: omega is open
    call = CallEmulator(WsgiTransport(app), auth_token=TEST_AUTH_TOKEN,
                        public_url="http://localhost", to=OMEGA, from_=CALLER)
    assert "For prices, press 4" in call.start().text
    assert db.engine(app).pool.checkedin() >= 1  # the connection that will be found dead
    assert terminate_backends(app.config["DATABASE_URL"]) >= 1

    prices = call.press("4")

    assert not prices.errors, prices.errors
    assert "The service call is $85." in prices.text
    assert "database connection dropped" in caplog.text
    assert "Is there anything else?" in prices.text
    assert "Goodbye" in call.say("no that's all thanks").text


def test_the_pool_does_not_ping_before_each_webhook(app: Flask) -> None:
    """The guard against dropped connections is the retry above and recycling, not a
    `SELECT 1` round trip before every webhook."""
    pool = db.engine(app).pool
    assert not pool._pre_ping
    assert pool._recycle == app.config["DB_POOL_RECYCLE"] > 0


def synchronous_commit(app: Flask) -> str:
    with db.engine(app).connect() as conn:
        return str(conn.execute(text("SHOW synchronous_commit")).scalar_one())


def test_commits_wait_for_the_disk_unless_the_operator_says_otherwise(
        app: Flask, make_app: Callable[..., Flask]) -> None:
    assert synchronous_commit(app) == "on"
    fast = make_app(DB_SYNCHRONOUS_COMMIT=False)
    assert synchronous_commit(fast) == "off"
    fast.extensions["voicebot.clock"].set(dt.datetime.fromisoformat("2026-11-23T09:00-08:00"))
    call = CallEmulator(WsgiTransport(fast), auth_token=TEST_AUTH_TOKEN,
                        public_url="http://localhost", to=OMEGA, from_=CALLER)
    call.start()
    assert "The service call is $85." in call.press("4").text  # the turn was kept all the same
