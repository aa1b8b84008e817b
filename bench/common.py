"""What the benchmarks share: a scratch PostgreSQL database, the machine they ran on, the
growing journal of bench.journal and bench.reports, and how a benchmark's process ends."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from werkzeug.security import generate_password_hash

from bench.loadgen import NotLoopback, require_loopback
from voicebot import create_app, db

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def scratch_database(base_url: str) -> Iterator[str]:
    """A database of the benchmark's own on the server of `base_url`, dropped at the end."""
    base = make_url(base_url)
    try:
        require_loopback(f"http://{base.host or 'localhost'}/")
    except NotLoopback:
        raise NotLoopback(f"refusing database server {base.host!r}: benchmarks use a PostgreSQL "
                          "server on this machine only") from None
    with db.scratch_database(base_url, "voicebot_bench") as url:
        yield url


def server_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
    finally:
        engine.dispose()


def machine() -> dict[str, Any]:
    """What a figure was measured on; the load average says how busy the machine already was."""
    try:
        model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        model = platform.processor()
    return {"cores": len(os.sched_getaffinity(0)), "cpu": model,
            "python": platform.python_version(), "load_average_at_start": os.getloadavg()[0]}




def interrupt(*_: object) -> None:
    """SIGTERM handler (a CI timeout, `kill`): unwind like Ctrl-C, so servers and databases go."""
    raise KeyboardInterrupt


def run_main(main: Callable[[], None], stopped: str) -> None:
    """A benchmark's `__main__`: a refused target or Ctrl-C ends it with a sentence, not a
    traceback; `stopped` says what was cleaned up on the way out."""
    try:
        main()
    except NotLoopback as refused:
        sys.exit(str(refused))
    except KeyboardInterrupt:
        say(f"interrupted: {stopped}")
        sys.exit(130)


# -- a growing journal (bench.journal, bench.reports) ----------------------------------------
DESK_PASSWORD = "bench-desk-password"


def journal_args(doc: str, *, big: int, max_seconds: float, runs: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp folder)")
    parser.add_argument("--big", type=int, default=big, help="calls in the large journal")
    parser.add_argument("--max-seconds", type=float, default=max_seconds,
                        help="stop growing the journal after this long")
    parser.add_argument("--runs", type=int, default=runs, help="timed runs per figure")
    return parser.parse_args()


def desk_app(url: str, tmp: str, **config: Any) -> tuple[Flask, Engine, FlaskClient]:
    """The app on `url`, and a test client logged in to the desk."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": tmp, "FLOWS_DIR": str(REPO / "flows"),
                      "RECORDINGS_DIR": f"{tmp}/recordings", "LOG_LEVEL": "WARNING",
                      "DRY_RUN": True, "ADMIN_PASSWORD_HASH": generate_password_hash(DESK_PASSWORD),
                      **config})
    client = app.test_client()
    page = client.get("/admin/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/admin/login", data={"csrf_token": token, "name": "bench", "password": DESK_PASSWORD})
    return app, db.engine(app), client


def grow(engine: Engine, fill: Callable[[Connection, int, int], None], *, big: int,
         max_seconds: float, size: int = 10_000, step: int = 100_000) -> int:
    """Add calls `size + 1` to `big` by `fill(conn, start, stop)`, a step a transaction, until
    `big` or `max_seconds`; then ANALYZE, so the planner knows the new size. The size reached."""
    started = time.perf_counter()
    while size < big and time.perf_counter() - started < max_seconds:
        upto = min(size + step, big)
        with engine.begin() as conn:
            fill(conn, size + 1, upto + 1)
        size = upto
    with engine.begin() as conn:
        fix_sequences(conn)
        conn.execute(text("ANALYZE"))
    return size


def fix_sequences(conn: Connection) -> None:
    """Rows written with their own ids leave PostgreSQL's sequence behind them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval('calls_id_seq', (SELECT max(id) FROM calls))"))


def bench_flow(states: str, start: str) -> str:
    """The line bench.scheduler and bench.workers both run: one dispatcher, reminded of each
    ticket; `states` (YAML at two spaces) is what a call hears, from `start`."""
    return ('''\
flow: bench
language: en-US
numbers: ["+15555550100"]
timezone: UTC
staff:
  - {id: dispatcher, role: dispatcher, phone: "+15555550111"}
callbacks:
  - id: remind
    on: ticket_created
    notify: [dispatcher]
    text: "Ticket {ticket_id} is waiting."
start: {start}
fallback: {start}
states:
'''.replace("{start}", start)) + states


# Callback lateness and recovery, measured alike by bench.scheduler and bench.workers:
# PROBES callbacks due over PROBE_SPREAD seconds, then BACKLOG overdue ones at once.
PROBES = 40
PROBE_SPREAD = 10.0
BACKLOG = 1000
