"""Who leads the clock: a PostgreSQL session advisory lock held by a connection of its own
(released by PostgreSQL the moment that connection ends: a crash, SIGKILL, a host cut off),
or on SQLite an exclusive lock on a file beside the database (released by the kernel with the
process)."""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import socket
import threading
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from voicebot import db

log = logging.getLogger("voicebot.clock")

LOCK_KEY = (0x766F6963, 0x65626F74)
"""The advisory lock's two keys ("voic", "ebot"): one clock per database."""


def conninfo(url: str) -> str:
    """The libpq URL of a SQLAlchemy `postgresql+psycopg://` one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def identity() -> str:
    """Who leads, as shown to a person: host, process, and a tag for each candidate."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


# -- leadership ---------------------------------------------------------------------------
class Leadership(Protocol):
    """Holds the clock lock or does not; `held()` is asked every second while leading."""

    def acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class AdvisoryLock:
    def __init__(self, url: str, holder: str) -> None:
        self.conninfo = conninfo(url)
        self.holder = holder
        self.conn: psycopg.Connection[Any] | None = None
        self.holding = False

    def acquire(self) -> bool:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                            application_name=f"voicebot-clock {self.holder}"[:63])
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCK_KEY).fetchone()
        except psycopg.Error as exc:
            log.warning("cannot reach the database for the clock lock: %s", exc)
            self._drop()
            return False
        self.holding = bool(row and row[0])
        return self.holding

    def held(self) -> bool:
        """The lock lives as long as its connection: a round trip proves both."""
        if self.conn is None or not self.holding:
            return False
        try:
            self.conn.execute("SELECT 1")
        except psycopg.Error as exc:
            log.error("the clock's connection is gone (%s): stepping down", exc)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self.conn is not None and self.holding:
            with suppress(psycopg.Error):
                self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", LOCK_KEY)
        self._drop()

    def _drop(self) -> None:
        self.holding = False
        if self.conn is not None:
            with suppress(psycopg.Error):
                self.conn.close()
        self.conn = None


_memory_locks: dict[str, threading.Lock] = {}


class FileLock:
    """SQLite: an exclusive lock on `<database>.clock.lock`, which the kernel releases with the
    process; for a database in memory, a lock of this process."""

    def __init__(self, url: str) -> None:
        path = make_url(url).database
        self.path = Path(f"{path}.clock.lock") if path and path != ":memory:" else None
        self.memory = _memory_locks.setdefault(url, threading.Lock()) if self.path is None else None
        self.file: IO[bytes] | None = None
        self.holding = False

    def acquire(self) -> bool:
        if self.holding:
            return True
        if self.memory is not None:
            self.holding = self.memory.acquire(blocking=False)
            return self.holding
        assert self.path is not None
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.file, self.holding = handle, True
        return True

    def held(self) -> bool:
        return self.holding

    def release(self) -> None:
        if not self.holding:
            return
        self.holding = False
        if self.memory is not None:
            self.memory.release()
        elif self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None


def leadership(app: Flask, holder: str) -> Leadership:
    url = str(app.config["DATABASE_URL"])
    return AdvisoryLock(url, holder) if url.startswith("postgresql") else FileLock(url)


def leader(app: Flask) -> str | None:
    """Who holds the clock lock on PostgreSQL, as its connection names it. Advisory locks
    belong to a database: another installation on the same server holds its own."""
    with db.engine(app).connect() as conn:
        found = conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :a AND l.objid = :b "
            "AND l.objsubid = 2 AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"a": LOCK_KEY[0], "b": LOCK_KEY[1]}).scalar()
    return str(found).removeprefix("voicebot-clock ") if found else None
