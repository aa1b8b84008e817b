"""How late callbacks run with many pending, and how long a restarted worker takes to catch up.

    .venv/bin/python -m bench.scheduler [--pending 10000 100000] [--database-url URL]

For each size N: N callbacks are pending (due tomorrow: rows the clock looks at, no job
yet); then 40 probe callbacks fall due over the next ten seconds and a real worker in this
process (the clock's tick, the job engine of the database) runs them. Lateness is when each
probe's attempt ran minus when it was due. The same probes run first with nothing pending:
that is the baseline the figures are divided by. Pickup: 40 callbacks written by a second app
(a web process) while the worker runs, due at once. Then the worker is stopped, 1,000 redials
fall due while it is down, and a new worker starts: recovery is the time until every one of
them is a call Twilio took (the dial holds its SID, the callback waits for the call's end).

Telephony is the tests' Twilio double in a process of its own (bench.twilio): the probes'
notes to staff are SMS it receives, the redials calls it places, and the run checks that it
took each redial exactly once. `--twilio-delay` makes it answer every REST request that many
seconds late. Prints one JSON line. SQLite by default (a temporary file, the in-process
engine); `--database-url` takes a PostgreSQL URL (Procrastinate), in which a database of the
benchmark's own is created and dropped. `--pending` with no size runs only the baseline.
Many worker processes: `python -m bench.workers`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import (
    BACKLOG,
    PROBE_SPREAD,
    PROBES,
    bench_flow,
    fix_sequences,
    machine,
    scratch_database,
)
from bench.twilio import RemoteDouble
from voicebot import close_app, create_app, db
from voicebot.jobs.worker import Worker
from voicebot.models import Call, Callback, Dial

FLOW = bench_flow("""\
  bye:
    hangup: "Goodbye."
""", start="bye").replace("start: bye", """\
  - id: redial
    on: dropped_active
    call: bye
    within: always
start: bye""")


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a database of the run's own on `url`'s server."""
    if url is not None:
        with scratch_database(url) as scratch:
            yield scratch
        return
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.db"


def phone(n: int) -> str:
    return f"+1503{n % 10_000_000:07d}"


def seed(app: Any, count: int, when: dt.datetime, first_id: int, *, redial: bool = False) -> None:
    """`count` scheduled callbacks, written in bulk: notes to staff about a ticket, or
    (`redial`) calls back to clients whose calls dropped, each of a number of its own and
    with the call whose journal its attempts are written into."""
    rows = []
    dropped = [{"id": n, "sid": f"CAbench{n:026d}", "flow_id": "bench", "from_number": phone(n),
                "to_number": "+15555550100", "status": "completed", "state": "bye",
                "outcome": "abandoned", "inputs": 1, "vars": {}, "started_at": when,
                "ended_at": when} for n in range(first_id, first_id + count)] if redial else []
    for n in range(first_id, first_id + count):
        rows.append({"id": n, "dedupe_key": f"bench:{n}", "flow_id": "bench",
                     "rule_id": "redial" if redial else "remind",
                     "trigger": "dropped_active" if redial else "ticket_created",
                     "phone": phone(n) if redial else "+15555550199",
                     "action": "call" if redial else "notify",
                     "attempts_made": 0, "max_attempts": 1, "status": "scheduled",
                     "next_at": when, "planned_at": when, "outcome": "", "vars": {"ticket_id": n},
                     "call_id": n if redial else None,
                     "created_at": when, "updated_at": when})
    engine = db.engine(app)
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            if dropped:
                conn.execute(insert(Call), dropped[start:start + 5000])
            conn.execute(insert(Callback), rows[start:start + 5000])
        fix_sequences(conn)


def finished(app: Any, ids: range) -> list[float]:
    """Seconds late of each finished callback of `ids` (attempt time - due time)."""
    with db.session_scope(app) as session:
        found = session.execute(
            select(Callback.finished_at, Callback.planned_at)
            .where(Callback.id >= ids.start, Callback.id < ids.stop, Callback.status == "done")
        ).all()
    return [(f - p).total_seconds() for f, p in found if f and p]


def wait_done(app: Any, ids: range, timeout: float) -> list[float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        late = finished(app, ids)
        if len(late) == len(ids):
            return late
        time.sleep(0.1)
    raise SystemExit(f"only {len(finished(app, ids))} of {len(ids)} callbacks ran in {timeout} s")


def lateness(app: Any, first_id: int) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC)
    probes = range(first_id, first_id + PROBES)
    for i, n in enumerate(probes):
        seed(app, 1, now + dt.timedelta(seconds=2 + PROBE_SPREAD * i / PROBES), n)
    worker = Worker(app).start()
    try:
        late = wait_done(app, probes, PROBE_SPREAD + 60)
    finally:
        worker.stop()
    late_ms = sorted(s * 1000 for s in late)
    return {"p50_ms": round(statistics.median(late_ms), 1),
            "p95_ms": round(late_ms[int(len(late_ms) * 0.95) - 1], 1),
            "max_ms": round(late_ms[-1], 1)}


def pickup(app: Any, web: Any, first_id: int) -> dict[str, float]:
    """Callbacks a web process writes while the worker runs, due at once: how long until
    they run (the clock looks every tick)."""
    worker = Worker(app).start()
    picked = range(first_id, first_id + PROBES)
    try:
        while not worker.leading.is_set():
            time.sleep(0.05)
        for n in picked:
            with db.session_scope(web) as session:
                now = dt.datetime.now(dt.UTC)
                session.add(Callback(id=n, dedupe_key=f"bench:{n}", flow_id="bench",
                                     rule_id="remind", trigger="ticket_created",
                                     phone="+15555550199", action="notify", status="scheduled",
                                     next_at=now, planned_at=now, vars={"ticket_id": n},
                                     created_at=now, updated_at=now))
            time.sleep(PROBE_SPREAD / PROBES)
        late = wait_done(app, picked, 60)
    finally:
        worker.stop()
    late_ms = sorted(s * 1000 for s in late)
    return {"p50_ms": round(statistics.median(late_ms), 1), "max_ms": round(late_ms[-1], 1)}


def placed(app: Any, ids: range) -> int:
    """Redials of `ids` that are calls Twilio took: the dial holds the call's SID and the
    callback waits for the call's end."""
    with db.session_scope(app) as session:
        return int(session.scalar(
            select(func.count()).select_from(Dial).join(Callback, Callback.id == Dial.callback_id)
            .where(Dial.callback_id >= ids.start, Dial.callback_id < ids.stop,
                   Dial.call_sid.is_not(None), Callback.status == "waiting")) or 0)


def recovery(app: Any, first_id: int, double: RemoteDouble) -> dict[str, Any]:
    """The worker was down while BACKLOG redials fell due; how long until Twilio took every
    call, each exactly once."""
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    backlog = range(first_id, first_id + BACKLOG)
    seed(app, BACKLOG, due, first_id, redial=True)
    started = time.monotonic()
    worker = Worker(app).start()
    try:
        deadline = started + 600
        while (done := placed(app, backlog)) < BACKLOG:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {done} of {BACKLOG} redials placed in 600 s")
            time.sleep(0.05)
        took = time.monotonic() - started
        time.sleep(1)  # anything placed twice would reach the double by now
    finally:
        worker.stop()
    wanted = {phone(n) for n in backlog}
    calls = Counter(c["to"] for c in double.calls() if c["to"] in wanted)
    if set(calls) != wanted or set(calls.values()) != {1}:
        twice = sorted(to for to, n in calls.items() if n > 1)
        raise SystemExit(f"the double took {len(calls)} of {BACKLOG} redials; twice: {twice[:5]}")
    return {"backlog": BACKLOG, "recovery_s": round(took, 2), "calls_placed_once": len(calls)}


def run(size: int, url: str | None, baseline: dict[str, float] | None,
        double: RemoteDouble) -> dict[str, Any]:
    with database(url) as db_url, tempfile.TemporaryDirectory() as tmp:
        flows = Path(tmp) / "flows"
        flows.mkdir()
        (flows / "bench.yaml").write_text(FLOW)
        settings = {"DATABASE_URL": db_url, "INSTANCE_DIR": tmp, "FLOWS_DIR": str(flows),
                    "LOG_LEVEL": "WARNING", **double.settings()}
        app = create_app(settings)
        t0 = time.monotonic()
        seed(app, size, dt.datetime.now(dt.UTC) + dt.timedelta(days=1), 1)
        seeded = time.monotonic() - t0
        with db.session_scope(app) as session:
            stored = session.scalar(select(func.count()).select_from(Callback))
        late = lateness(app, size + 1)
        web = create_app(settings)
        result: dict[str, Any] = {"pending": size, "callbacks_stored": stored,
                                  "seed_s": round(seeded, 1), "lateness": late,
                                  "pickup_from_web": pickup(app, web, size + PROBES + 1),
                                  **recovery(app, size + 2 * PROBES + 1, double)}
        close_app(web)
        if baseline is not None:
            result["p95_vs_empty"] = round(late["p95_ms"] / max(baseline["p95_ms"], 0.1), 2)
        close_app(app)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--database-url")
    parser.add_argument("--twilio-delay", type=float, default=0.0,
                        help="seconds the Twilio double takes to answer each REST request")
    args = parser.parse_args()
    started_on = machine()
    with RemoteDouble(args.twilio_delay) as double:
        baseline = run(0, args.database_url, None, double)
        sizes = [run(n, args.database_url, baseline["lateness"], double) for n in args.pending]
        violations = double.violations()
    print(json.dumps({
        "benchmark": "scheduler",
        "database": "postgresql" if args.database_url else "sqlite",
        "tick_s": 0.5, "probes": PROBES, "twilio_delay_s": args.twilio_delay,
        "twilio_contract_violations": violations[:5],
        "baseline": baseline, "sizes": sizes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": {**started_on, "load_average_at_end": os.getloadavg()[0]},
    }), flush=True)


if __name__ == "__main__":
    main()
