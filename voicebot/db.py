"""The database: one engine per app, a session per request, Alembic for the schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the web server read while a worker writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["voicebot.db"] = sessionmaker(engine, expire_on_commit=False)
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(url)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched: how a conditional claim knows it won."""
    return cast(CursorResult[Any], result).rowcount


def engine(app: Flask | None = None) -> Engine:
    bound: Engine = sessions(app).kw["bind"]
    return bound


def sessions(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions["voicebot.db"]
    return factory


def session() -> Session:
    """The request's session, closed when the app context ends."""
    if "db_session" not in g:
        g.db_session = sessions()()
    s: Session = g.db_session
    return s


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session outside a request (CLI, jobs): committed on success, rolled back on error."""
    s = sessions(app)()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()
