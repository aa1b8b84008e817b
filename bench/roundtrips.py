"""Round trips to the database per webhook, counted (not estimated) with SQLAlchemy's events,
while scripted calls are played in-process through the app. Used by bench.webhooks and
bench.hotpath to print the breakdown, and by tests/web/test_round_trips.py to hold the figure.

What is one round trip on PostgreSQL with psycopg 3 (not in pipeline mode), and so what is
counted: every statement; the `BEGIN` psycopg sends before a transaction's first statement;
the `COMMIT` or `ROLLBACK` of a transaction that sent a statement (psycopg sends none for an
idle one); the pool's liveness ping on checkout, when the engine has `pool_pre_ping` (its
`SELECT 1` opens the transaction the request then uses, so it adds one, not two). SQLite has
no round trips, but the same statements and transactions, counted the same way, say what
the code asks of the database on either.
"""

from __future__ import annotations

import collections
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, event

from voicebot import db
from voicebot.devtools.emulator import CallEmulator, WsgiTransport
from voicebot.devtools.scripted_call import Script, run_script

_OPEN = "bench.roundtrips.open"  # Connection.info: its transaction has sent BEGIN


@dataclass
class Counts:
    webhooks: int = 0
    statements: int = 0
    transactions: int = 0  # committed or rolled back after doing something
    round_trips: int = 0

    def per_webhook(self) -> dict[str, float]:
        n = self.webhooks or 1
        return {"webhooks": self.webhooks, "statements": round(self.statements / n, 2),
                "transactions": round(self.transactions / n, 2),
                "round_trips": round(self.round_trips / n, 2)}


@dataclass
class RoundTrips:
    """Counts by webhook path; `current` is the path being answered (set by the transport)."""

    engine: Engine
    current: str = ""
    by_path: dict[str, Counts] = field(default_factory=lambda: collections.defaultdict(Counts))

    def _count(self) -> Counts:
        return self.by_path[self.current]

    def _statement(self, conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        counts = self._count()
        counts.round_trips += 1
        if statement.lstrip().upper().startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (db.serialise)
            conn.info[_OPEN] = True
            return
        counts.statements += 1
        if not conn.info.get(_OPEN):
            conn.info[_OPEN] = True
            counts.round_trips += 1  # the BEGIN psycopg sends before the first statement

    def _end(self, conn: Connection) -> None:
        if conn.info.pop(_OPEN, False):
            counts = self._count()
            counts.transactions += 1
            counts.round_trips += 1

    def _checkout(self, *_: Any) -> None:
        if self.engine.pool._pre_ping:
            self._count().round_trips += 1

    def listen(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._end)
        event.listen(self.engine, "rollback", self._end)
        event.listen(self.engine.pool, "checkout", self._checkout)

    def forget(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._end)
        event.remove(self.engine, "rollback", self._end)
        event.remove(self.engine.pool, "checkout", self._checkout)

    def total(self) -> Counts:
        out = Counts()
        for c in self.by_path.values():
            out.webhooks += c.webhooks
            out.statements += c.statements
            out.transactions += c.transactions
            out.round_trips += c.round_trips
        return out

    def report(self) -> dict[str, Any]:
        return {"per_webhook": self.total().per_webhook(),
                "by_path": {path: c.per_webhook() for path, c in sorted(self.by_path.items())}}


class _Transport(WsgiTransport):
    def __init__(self, app: Flask, counter: RoundTrips) -> None:
        super().__init__(app)
        self.counter = counter

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        self.counter.current = urllib.parse.urlsplit(url).path
        self.counter._count().webhooks += 1
        try:
            return super().post(url, params, headers)
        finally:
            self.counter.current = ""


@contextmanager
def counting(app: Flask) -> Iterator[RoundTrips]:
    counter = RoundTrips(db.engine(app))
    counter.listen()
    try:
        yield counter
    finally:
        counter.forget()


def play(app: Flask, counter: RoundTrips, script: Script, to: str, from_: str) -> None:
    """One scripted call through the app; SystemExit-free: a failed script raises AssertionError."""
    app.extensions["voicebot.clock"].set(script.at)

    def emulator(_: Script) -> CallEmulator:
        return CallEmulator(_Transport(app, counter), auth_token=app.config["TWILIO_AUTH_TOKEN"],
                            public_url="http://localhost", to=to, from_=from_)

    result = run_script(script, emulator)
    if not result.ok:
        raise AssertionError(f"the scripted call failed: {result.failure}")


def count_calls(app: Flask, script: Script, to: str, calls: int = 3) -> dict[str, Any]:
    """Round trips per webhook over `calls` plays of `script` (after one unmeasured call, so
    the figure is a warm server's), each from its own number."""
    with counting(app) as counter:
        play(app, counter, script, to, "+12025550100")
        counter.by_path.clear()
        for n in range(calls):
            play(app, counter, script, to, f"+1202555{n + 1:04d}")
        return counter.report()
