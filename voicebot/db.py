"""The database: one engine per app, a session per request, Alembic for the schema."""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g, has_request_context
from flask.ctx import _AppCtxGlobals
from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Connection,
    CursorResult,
    Dialect,
    Engine,
    Result,
    Table,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import ReturningInsert

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("voicebot.db")
T = TypeVar("T")


# A database host that does not answer fails the request (and /healthz) in time for Twilio,
# which gives up on a webhook after 15 seconds: a call starting then is answered 503 within
# this, and Twilio runs the fallback URL (web.voice.fallback). Short, because the caller
# hears nothing meanwhile; a healthy database on the same network connects in milliseconds.
CONNECT_TIMEOUT = 3
# Milliseconds sent data may stay unacknowledged before the connection counts as dead:
# without it, a pooled connection to a host cut off the network hangs its request for minutes.
TCP_USER_TIMEOUT = 5000


def pool_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The connections one process may hold. Each request thread holds at most one, for its
    request: they are the pool. Job threads and the clock (in a worker) borrow overflow
    connections, opened only while in use. So a deployment needs WEB_WORKERS x pool_size per
    web host, plus pool_size + max_overflow per worker; with Procrastinate each process also
    opens its own small pool for queueing (up to 4) and each worker one for taking jobs
    (its threads + 6), and the clock's candidates one connection each."""
    size = config.get("DB_POOL_SIZE") or int(config["WEB_THREADS"])
    overflow = config.get("DB_MAX_OVERFLOW")
    if overflow is None:
        overflow = int(config["JOB_THREADS"]) + int(config["TRANSCRIPTION_THREADS"]) + 2
    return {"pool_size": int(size), "max_overflow": int(overflow),
            "pool_timeout": float(config["DB_POOL_TIMEOUT"]),
            "pool_recycle": float(config["DB_POOL_RECYCLE"])}


def make_engine(url: str, *, synchronous_commit: bool = True, **pool: Any) -> Engine:
    """No liveness ping on checkout: it cost every webhook a round trip to guard against a
    rare event. Instead connections are replaced after `pool_recycle` seconds (before a
    firewall or the server's idle timeout cuts them), a disconnect invalidates every
    connection the pool held before it (SQLAlchemy's default), and a request that meets a
    dropped connection is answered once more on a new one (`answer_again_if_dropped`)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the web server read while a worker writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    connect: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT,
                               "tcp_user_timeout": TCP_USER_TIMEOUT}
    if not synchronous_commit:
        # A commit returns before PostgreSQL has flushed it to disk (see README, "Durability").
        connect["options"] = "-c synchronous_commit=off"
    return create_engine(url, **pool, connect_args=connect)


SERIAL = "voicebot.serial"
"""`Session.info` key: the session's transactions take the database's write lock as they begin."""


def serialise(session: Session) -> None:
    """Make every transaction of `session` wait for, then hold, the write lock from its first
    statement, so two requests about one call run one after the other.

    PostgreSQL needs nothing: the rows a turn works on are locked by SELECT ... FOR UPDATE.
    SQLite ignores FOR UPDATE, and pysqlite begins a transaction only at the first write, so
    two copies of one webhook would both read the call before either writes it, and both run
    the turn. There the transaction begins with BEGIN IMMEDIATE (which waits out the busy
    timeout, rather than failing as a read transaction upgraded to a write can). Only for
    webhooks, which are short: a job reading while it transcribes must not block them."""
    session.info[SERIAL] = True


_CONNECTION = "voicebot.connection"
"""`Session.info` key: the connection of the session's transaction (`connection`)."""


def connection(session: Session) -> Connection:
    """`session.connection()`, for the statements a webhook runs on the driver
    (`DriverStatement`), kept in the session's `info` while its transaction lasts: after the
    first, each `session.connection()` still went through the session's transaction states
    and cost a webhook about 25k instructions, three times (issue 15). The session closes
    the connection when its transaction ends (commit, rollback, close), so a closed one, or
    one out of its transaction, is asked for again."""
    held: Connection | None = session.info.get(_CONNECTION)
    if held is None or held.closed or not held.in_transaction():
        held = session.info[_CONNECTION] = session.connection()
    return held


def _begin_serial(session: Session, _transaction: Any, connection: Connection) -> None:
    if session.info.get(SERIAL):
        # pysqlite has not begun one yet (it waits for the first write): begin it ourselves.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_once(session: Session, model: type[Any], key: str, **values: Any) -> None:
    """INSERT ... ON CONFLICT (key) DO NOTHING, on SQLite and PostgreSQL alike: a row that
    copies of one request all create at the same moment is stored once, and no copy fails
    (a unique-key error would abort its transaction, and Twilio would see a 500)."""
    session.execute(_insert(session, model).values(**values).on_conflict_do_nothing(
        index_elements=[key]))


def create_once(session: Session, model: type[T], key: str, **values: Any) -> T | None:
    """The row `values` describe, created in the session's transaction and returned as a
    persistent object (INSERT ... ON CONFLICT (key) DO NOTHING RETURNING: one round trip);
    None when a row with that key exists (a copy of the request got there first: a copy
    running at the same moment waits here until the first one's transaction ends)."""
    return session.scalars(_insert(session, model).values(**values).on_conflict_do_nothing(
        index_elements=[key]).returning(model)).one_or_none()


class DriverStatement:
    """A Core statement compiled once per kind of database and run on the driver's own
    cursor, for the few statements every webhook runs (issue 15). SQLAlchemy's execution
    around a cached statement (its context, the cursor's description read to build a result,
    the result's metadata) cost a webhook more CPU than the driver's work and the round trip
    together: about 230 us for the call's row against 130 on the driver.

    The same SQL, values and types as SQLAlchemy's own execution: the statement's SQL and
    each value's type processing are SQLAlchemy's (a JSON column is serialised, a UTC time
    made aware, as on every other path), Python-side column defaults are filled in as
    SQLAlchemy fills them, and the driver's errors go through SQLAlchemy's handling (wrapped
    as its exceptions; a dropped connection invalidates the pool, so the request is answered
    again on a new one: `answer_again_if_dropped`). Connection event listeners see each
    statement (the round-trip count of tests/web/test_round_trips.py). `keys` are the
    columns an INSERT or UPDATE is given; `returns`, the columns a row comes back with."""

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] = (),
                 returns: Sequence[ColumnElement[Any]] = ()) -> None:
        self.statement, self.keys, self.returns = statement, list(keys), tuple(returns)
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.paramstyle)
        found = self._by_dialect.get(key)
        if found is None:
            compiled = cast(SQLCompiler, self.statement.compile(
                dialect=dialect, column_keys=self.keys or None))
            order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
            processors = {name: compiled.binds[name].type._cached_bind_processor(dialect)
                          for name in order}
            defaults = [(c.key, c.default) for c in (*compiled.insert_prefetch,
                                                     *compiled.update_prefetch)]
            results = tuple((index, process) for index, process in enumerate(
                c.type._cached_result_processor(dialect, None) for c in self.returns)
                if process is not None)
            found = self._by_dialect[key] = _Compiled(
                compiled.string, compiled.positional, tuple(processors.items()),
                tuple(defaults), results)
        return found

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run it with `values`; the first row it returns (by `returns`), if any."""
        compiled = self._compiled(connection.dialect)
        return self._run(connection, compiled, compiled.parameters(values), many=False)

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run it once for each of `rows`, in one driver call (psycopg pipelines them)."""
        if rows:
            compiled = self._compiled(connection.dialect)
            self._run(connection, compiled, [compiled.parameters(r) for r in rows], many=True)

    def _run(self, connection: Connection, compiled: _Compiled, params: Any, *,
             many: bool) -> tuple[Any, ...] | None:
        sql, dispatch = compiled.sql, connection.dispatch
        cursor, kept = _cursor(connection)
        try:
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, sql, params, None, many)
            if many:
                cursor.executemany(sql, params)
                row = None
            else:
                cursor.execute(sql, params)
                row = cursor.fetchone() if self.returns else None
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, sql, params, None, many)
        except BaseException as exc:  # as SQLAlchemy: wrapped (or the connection dropped) and raised
            connection.connection.info.pop(_CURSOR, None)
            kept = False
            connection._handle_dbapi_exception(exc, sql, params, cursor, None)
        finally:
            if not kept:
                cursor.close()
        if row is None or not compiled.results:
            return cast(tuple[Any, ...] | None, row)
        values = list(row)
        for index, process in compiled.results:
            values[index] = process(values[index])
        return tuple(values)


_CURSOR = "voicebot.cursor"
"""The pooled connection's `info` key: the driver's cursor `DriverStatement` runs on."""


def _cursor(connection: Connection) -> tuple[Any, bool]:
    """The driver cursor to run a statement on, and whether it is kept. On PostgreSQL one per
    DBAPI connection, made once and kept with it: a new psycopg cursor per statement (its
    adapters and transformer) cost a webhook about 20k instructions each, three or four
    times; its results are in memory, nothing stays open on the server. The pool clears
    `info` when it replaces the DBAPI connection (a reconnect, a recycle), and the cursor
    is dropped after an error. SQLite's cursor is closed after each statement, as before: a
    statement not stepped to its end would hold its read snapshot open."""
    pooled = connection.connection
    dbapi = pooled.dbapi_connection
    if connection.dialect.name != "postgresql":
        return dbapi.cursor(), False  # type: ignore[union-attr]
    held = pooled.info.get(_CURSOR)
    if held is None or held[0] is not dbapi:
        held = pooled.info[_CURSOR] = (dbapi, dbapi.cursor())  # type: ignore[union-attr]
    return held[1], True


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: bool
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    defaults: tuple[tuple[str, Any], ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The returned columns that need processing (a UTC time made aware), by position."""

    def parameters(self, values: Mapping[str, Any]) -> Any:
        if self.defaults:
            values = {**{key: default.arg if default.is_scalar else default.arg(None)
                         for key, default in self.defaults}, **values}
        processed = [(name, values[name] if process is None else process(values[name]))
                     for name, process in self.binds]
        if self.positional:
            return tuple(value for _, value in processed)
        return dict(processed)


@functools.cache
def insert_returning(dialect: str, table: Table, key: str) -> ReturningInsert[Any]:
    """`create_once` on SQLAlchemy Core, built once per table and database kind: INSERT ...
    ON CONFLICT (key) DO NOTHING RETURNING every column, its values given as it is executed;
    no row when one with that key exists."""
    made = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return made.on_conflict_do_nothing(index_elements=[key]).returning(*table.columns)


def _insert(session: Session, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


class MissingDatabase(RuntimeError):
    """There is no voicebot database where the settings point."""


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def require_existing(url: str) -> None:
    """Refuse a database that is not there (or holds no voicebot schema) instead of creating
    one: for commands that read, an empty new database would only report nothing."""
    parsed = make_url(url)
    file = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and (file in ("", ":memory:") or not Path(file).is_file()):
        raise MissingDatabase(f"no voicebot database at {file or url}")
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect() as conn:
            migrated = inspect(conn).has_table("alembic_version")
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise MissingDatabase(f"cannot open the database at {safe_url(url)}: {first}") from None
    finally:
        probe.dispose()
    if not migrated:
        raise MissingDatabase(f"the database at {safe_url(url)} holds no voicebot tables")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


MIGRATION_LOCK = 0x766F6963  # "voic": the PostgreSQL advisory lock voicebot migrates under


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate under a database-wide lock: processes started together on an empty database
    (`serve --production` and `worker` at boot) would otherwise all create the tables, and
    all but one crash. The others wait, then find the schema done."""
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """PostgreSQL: a session advisory lock, held on a connection of its own while Alembic
    works on another. SQLite: an exclusive lock on a file beside the database (processes
    sharing a SQLite file share a host)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            yield
            return
        with open(f"{parsed.database}.migrate-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()  # the lock outlives the transaction; an idle one would hold a snapshot
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
    finally:
        engine.dispose()


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, synchronous_commit=bool(app.config["DB_SYNCHRONOUS_COMMIT"]),
                         **pool_options(app.config))
    factory = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":  # PostgreSQL locks the rows: no event for each begin
        event.listen(factory, "after_begin", _begin_serial)
    event.listen(factory, "after_commit", _committed)
    app.extensions["voicebot.db"] = factory
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(url)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None and not idle(session):
            session.close()


def idle(session: Session) -> bool:
    """Nothing for `close` to end or let go of: no transaction, no object (a webhook's
    session after its commit, when the turn worked on rows). Closing it anyway cost every
    webhook about 45k instructions for a session that is then dropped (issue 15)."""
    return (not session.in_transaction() and not session.identity_map
            and not session.new and not session.deleted)


_COMMITTED = "db_committed"
"""`g` key: the request has committed something, so answering it again could do it twice."""


def _committed(_session: Session) -> None:
    if has_request_context():
        g.setdefault(_COMMITTED, True)


def answer_again_if_dropped(app: Flask) -> None:
    """Every view of `app` that meets a dropped database connection (PostgreSQL restarted, a
    failover, an idle connection cut) before it committed anything is run once more, on a
    new connection: the caller hears the answer, not Twilio's error. The pool has already
    discarded the dropped connection and every one older. A second failure is the
    database being down, answered as such (webhooks._database_down). Call after every
    blueprint is registered."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _once_more_if_dropped(view)


def _once_more_if_dropped(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DBAPIError as exc:
            if not exc.connection_invalidated or g.get(_COMMITTED):
                raise
            log.warning("database connection dropped (%s); answering again on a new one",
                        str(exc.orig).strip().splitlines()[0] if exc.orig else "no detail")
        dropped: Session | None = g.pop("db_session", None)
        if dropped is not None:
            dropped.close()
        return view(*args, **kwargs)

    return answer


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
    # Flask's `g` proxy looked up once, not three times on each of a webhook's calls (issue 15).
    app_globals: _AppCtxGlobals = g._get_current_object()
    s: Session | None = app_globals.get("db_session")
    if s is None:
        s = app_globals.db_session = sessions()()
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


@contextmanager
def scratch_database(base_url: str, prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own, created next to `base_url`'s and dropped at the end,
    for a test run or a benchmark that must not touch anyone else's tables."""
    base = make_url(base_url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
