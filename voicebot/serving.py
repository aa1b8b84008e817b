"""Production serving: gunicorn in front of the app factory.

Webhooks spend most of their time waiting on the database, so each worker process runs
threads (gunicorn's `gthread` class): WEB_WORKERS processes use the cores, WEB_THREADS threads
in each overlap the waits. Every worker builds its own app after the fork (no connection or
lock is shared across processes); the schema is migrated once, by the master, before that.

SIGTERM stops gracefully: the listening socket closes, and webhooks already being answered
get WEB_GRACEFUL_TIMEOUT seconds to finish. SIGINT and SIGQUIT stop at once.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from sqlalchemy import text

from voicebot import db


def worker_count(config: Mapping[str, Any]) -> int:
    workers = config.get("WEB_WORKERS")
    return int(workers) if workers is not None else len(os.sched_getaffinity(0))


def options(config: Mapping[str, Any], host: str, port: int) -> dict[str, Any]:
    """Gunicorn settings from voicebot's."""
    workers, threads = worker_count(config), int(config["WEB_THREADS"])
    if workers < 1 or threads < 1:
        raise ValueError(f"VOICEBOT_WEB_WORKERS and VOICEBOT_WEB_THREADS must be at least 1 "
                         f"(got {workers} and {threads})")
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "graceful_timeout": int(config["WEB_GRACEFUL_TIMEOUT"]),
        "loglevel": str(config["LOG_LEVEL"]).lower(),
        # The app logs each request itself, with its call SID (voicebot.logs).
        "accesslog": None,
        "errorlog": "-",
        "logger_class": SharedLogger,
        "proc_name": "voicebot",
        # gunicornc's socket is one path per user: two servers on a host (web and a benchmark's
        # baseline, or parallel test runs) would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


class SharedLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """Gunicorn's own messages go through the app's log handler, so they come out in the same
    format (text or JSON lines) as the app's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """Gunicorn running `factory()` in each worker process."""

    def __init__(self, factory: Callable[[], Flask], settings: Mapping[str, Any]) -> None:
        self.factory = factory
        self.settings = dict(settings)
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        app = self.factory()
        # The app, its flows and its imports live as long as the worker. Frozen, they are left
        # out of the garbage collector's full passes, each of which otherwise holds the GIL,
        # and so every request thread of the worker, for about 90 ms (bench/README.md).
        gc.freeze()
        return app


def run(factory: Callable[[], Flask], settings: Mapping[str, Any]) -> None:
    """Serve with gunicorn `settings` (see `options`) until stopped; gunicorn's master then
    exits the process."""
    Server(factory, settings).run()


def connection_budget(app: Flask) -> str:
    """What this web server may ask of the database, against what PostgreSQL allows."""
    pool = db.pool_options(app.config)
    workers = worker_count(app.config)
    most = workers * (pool["pool_size"] + pool["max_overflow"])
    note = (f"database connections: {workers} x {pool['pool_size']} in use at most while busy, "
            f"{most} at the very most (pool {pool['pool_size']} + overflow {pool['max_overflow']} "
            f"per worker)")
    engine = db.engine(app)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
        note += f"; PostgreSQL allows {limit} for all web servers and the worker together"
        if most > limit:
            note += " -- WARNING: lower VOICEBOT_WEB_WORKERS, WEB_THREADS or DB_MAX_OVERFLOW"
    return note
