"""How late callbacks run with many pending, and how long a restarted worker takes to catch up.

    .venv/bin/python -m bench.scheduler [--pending 10000 100000] [--database-url URL]

For each size N: N callbacks are pending (due tomorrow: rows the clock looks at, no job
yet); then 40 probe callbacks fall due over the next ten seconds and a real worker in this
process (the clock's tick, the job engine of the database) runs them. Lateness is when each
probe's attempt ran minus when it was due. The same probes run first with nothing pending:
that is the baseline the figures are divided by. Pickup: 40 callbacks written by a second app
(a web process) while the worker runs, due at once. Then the worker is stopped, 1,000
callbacks fall due while it is down, and a new worker starts: recovery is the time until all
of them have run (the clock queues them 1,000 to a statement; the engine's threads run them).

Telephony is dry-run (the attempts store SMS rows; nothing leaves the machine), so the figures
are the scheduler's and the database's, not Twilio's. Prints one JSON line. SQLite by default
(a temporary file, the in-process engine); `--database-url` takes a PostgreSQL URL (Procrastinate),
in which a database of the benchmark's own is created and dropped. Many worker processes:
`python -m bench.workers`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import BACKLOG, PROBE_SPREAD, PROBES, bench_flow, machine, scratch_database
from voicebot import close_app, create_app, db
from voicebot.jobs.worker import Worker
from voicebot.models import Callback

FLOW = bench_flow("""\
  bye:
    hangup: "Goodbye."
""", start="bye")


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a database of the run's own on `url`'s server."""
    if url is not None:
        with scratch_database(url) as scratch:
            yield scratch
        return
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.db"


def seed(app: Any, count: int, when: dt.datetime, first_id: int) -> None:
    """`count` scheduled callbacks, written in bulk."""
    rows = []
    for n in range(first_id, first_id + count):
        rows.append({"id": n, "dedupe_key": f"bench:{n}", "flow_id": "bench", "rule_id": "remind",
                     "trigger": "ticket_created", "phone": "+15555550199", "action": "notify",
                     "attempts_made": 0, "max_attempts": 1, "status": "scheduled",
                     "next_at": when, "planned_at": when, "outcome": "", "vars": {"ticket_id": n},
                     "created_at": when, "updated_at": when})
    engine = db.engine(app)
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            conn.execute(insert(Callback), rows[start:start + 5000])


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


def recovery(app: Any, first_id: int) -> dict[str, float]:
    """The worker was down while BACKLOG callbacks fell due; how long until all ran."""
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    backlog = range(first_id, first_id + BACKLOG)
    seed(app, BACKLOG, due, first_id)
    started = time.monotonic()
    worker = Worker(app).start()
    try:
        wait_done(app, backlog, 600)
    finally:
        worker.stop()
    return {"backlog": BACKLOG, "recovery_s": round(time.monotonic() - started, 2)}


def run(size: int, url: str | None, baseline: dict[str, float] | None) -> dict[str, Any]:
    with database(url) as db_url, tempfile.TemporaryDirectory() as tmp:
        flows = Path(tmp) / "flows"
        flows.mkdir()
        (flows / "bench.yaml").write_text(FLOW)
        app = create_app({"DATABASE_URL": db_url, "INSTANCE_DIR": tmp, "FLOWS_DIR": str(flows),
                          "DRY_RUN": True, "LOG_LEVEL": "WARNING"})
        t0 = time.monotonic()
        seed(app, size, dt.datetime.now(dt.UTC) + dt.timedelta(days=1), 1)
        seeded = time.monotonic() - t0
        with db.session_scope(app) as session:
            stored = session.scalar(select(func.count()).select_from(Callback))
        late = lateness(app, size + 1)
        web = create_app({"DATABASE_URL": db_url, "INSTANCE_DIR": tmp, "FLOWS_DIR": str(flows),
                          "DRY_RUN": True, "LOG_LEVEL": "WARNING"})
        result: dict[str, Any] = {"pending": size, "callbacks_stored": stored,
                                  "seed_s": round(seeded, 1), "lateness": late,
                                  "pickup_from_web": pickup(app, web, size + PROBES + 1),
                                  **recovery(app, size + 2 * PROBES + 1)}
        close_app(web)
        if baseline is not None:
            result["p95_vs_empty"] = round(late["p95_ms"] / max(baseline["p95_ms"], 0.1), 2)
        close_app(app)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    baseline = run(0, args.database_url, None)
    sizes = [run(n, args.database_url, baseline["lateness"]) for n in args.pending]
    print(json.dumps({
        "benchmark": "scheduler",
        "database": "postgresql" if args.database_url else "sqlite",
        "tick_s": 0.5, "probes": PROBES,
        "baseline": baseline, "sizes": sizes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": machine(),
    }), flush=True)


if __name__ == "__main__":
    main()
