"""Many workers on PostgreSQL (Procrastinate): what adding worker processes buys, and what the
clock promises while they are busy.

    .venv/bin/python -m bench.workers [--voicemails 40] [--pending 100000] [--database-url URL]

All in one run, on a database of its own, with real `voicebot worker` processes (each one
transcription slot and four quick ones) and the product's default recognizer on real speech
(espeak-ng; dry-run telephony, so nothing leaves the machine):

1. **Throughput**: the same number of voicemails transcribed by 1, 2 and 3 workers; the
   figures are voicemails per second and the ratios to one worker, not absolutes.
2. **Lateness**: with `--pending` callbacks waiting for tomorrow and a transcription backlog
   draining on two workers, 40 probe callbacks fall due over ten seconds; lateness is when
   each one's attempt ran minus when it was due (p50, p99, max).
3. **Failover**: the clock's leader is killed with SIGKILL; takeover is the time until a
   standby holds the clock lock, recovery the time until a callback due at the kill has run.
4. **Recovery**: 1,000 callbacks fell due while no worker ran; two workers start: the time
   until all have run (from the processes' start, and from the clock's first look).

Prints one JSON line; `bench/README.md` keeps the figures with the machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select, text

from bench.common import BACKLOG, DEFAULT_DB, PROBE_SPREAD, PROBES, bench_flow, machine, say, scratch_database
from voicebot import close_app, create_app, db
from voicebot.compiler.registry import registry
from voicebot.jobs import enqueue_many
from voicebot.jobs.leadership import leader
from voicebot.models import Call, Callback, Voicemail
from voicebot.services import voicemails
from voicebot.speech import synthesis
from voicebot.voicemail import pipeline

FLOW = bench_flow("""\
  voicemail:
    voicemail: "Please leave a message after the beep."
    next: bye
  bye:
    hangup: "Goodbye."
""", start="voicemail")
MESSAGE = "Hello, my dishwasher is broken and leaking. Please send a technician tomorrow."
FINAL = ("quoted", "for-person", "needs-transcription", "unusable", "failed")
ACCOUNT = "AC" + "0" * 32


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class Bench:
    def __init__(self, url: str, tmp: Path) -> None:
        self.url, self.tmp = url, tmp
        self.flows, self.recordings = tmp / "flows", tmp / "recordings"
        self.flows.mkdir()
        self.recordings.mkdir()
        (self.flows / "bench.yaml").write_text(FLOW)
        self.settings = {"DATABASE_URL": url, "INSTANCE_DIR": str(tmp / "instance"),
                         "FLOWS_DIR": str(self.flows), "RECORDINGS_DIR": str(self.recordings),
                         "DRY_RUN": True, "LOG_LEVEL": "WARNING", "JOBS": "procrastinate",
                         "TWILIO_ACCOUNT_SID": ACCOUNT}
        self.app: Flask = create_app(self.settings)
        self.audio = synthesis.spoken(MESSAGE, "en-us+klatt", 140)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.next_id = 1

    # -- processes -----------------------------------------------------------------------
    def spawn(self, count: int) -> list[subprocess.Popen[bytes]]:
        env = {**os.environ, **{f"VOICEBOT_{k}": str(v) for k, v in self.settings.items()},
               "VOICEBOT_TRANSCRIPTION_THREADS": "1", "VOICEBOT_JOB_THREADS": "4",
               "VOICEBOT_WORKER_TICK": "0.5", "VOICEBOT_WORKER_STALLED_AFTER": "10",
               "VOICEBOT_LOG_LEVEL": "INFO"}
        started = []
        for _ in range(count):
            log = (self.tmp / f"worker{len(self.workers)}.log").open("wb")
            started.append(subprocess.Popen([sys.executable, "-m", "voicebot.cli", "worker"],
                                            env=env, stdout=log, stderr=subprocess.STDOUT))
            self.workers.append(started[-1])
        return started

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.workers.clear()

    def scalar(self, sql: str) -> Any:
        with db.engine(self.app).connect() as conn:
            return conn.execute(text(sql)).scalar()

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        start = time.monotonic()
        while not condition():
            if time.monotonic() - start > timeout:
                raise SystemExit(f"{what}: not within {timeout} s")
            time.sleep(0.05)
        return time.monotonic() - start

    def ready(self, processes: int) -> float:
        """Until every worker process registered its two Procrastinate workers."""
        return self.wait(lambda: self.scalar("SELECT count(*) FROM procrastinate_workers")
                         >= 2 * processes, 120, "workers started")

    # -- rows ------------------------------------------------------------------------------
    def voicemails(self, count: int) -> list[int]:
        flow = registry(self.app).get("bench")
        now = dt.datetime.now(dt.UTC)
        with db.session_scope(self.app) as session:
            rows = []
            for n in range(count):
                sid = new_sid("RE")
                (self.recordings / f"{sid}.wav").write_bytes(self.audio)
                call = Call(sid=new_sid("CA"), flow_id="bench", from_number=f"+1971555{n:04d}",
                            to_number="+15555550100", status="completed", started_at=now)
                session.add(call)
                session.flush()
                # The URL a recording callback reports (checked, never fetched in dry-run).
                url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"
                rows.append(voicemails.recorded(session, call, flow, sid, url, 5, now,
                                                quote_wanted=True)[0])
            session.commit()
            return [row.id for row in rows]

    def queue(self, ids: list[int]) -> None:
        enqueue_many(self.app, pipeline.process_voicemail,
                     [((i,), pipeline.job_key(i)) for i in ids])

    def left(self, ids: list[int]) -> int:
        with db.session_scope(self.app) as session:
            return int(session.scalar(select(func.count()).select_from(Voicemail).where(
                Voicemail.id.in_(ids), Voicemail.status.not_in(FINAL))) or 0)

    def callbacks(self, count: int, when: Callable[[int], dt.datetime]) -> range:
        # After the ids the product used (a voicemail for a person opens a ticket, whose rule
        # fires a callback).
        self.next_id = max(self.next_id, int(self.scalar("SELECT coalesce(max(id), 0) FROM "
                                                         "callbacks")) + 1)
        ids = range(self.next_id, self.next_id + count)
        self.next_id += count
        rows = [{"id": n, "dedupe_key": f"bench:{n}", "flow_id": "bench", "rule_id": "remind",
                 "trigger": "ticket_created", "phone": "+15555550199", "action": "notify",
                 "attempts_made": 0, "max_attempts": 1, "status": "scheduled",
                 "next_at": when(i), "planned_at": when(i), "outcome": "",
                 "vars": {"ticket_id": n}, "created_at": when(i), "updated_at": when(i)}
                for i, n in enumerate(ids)]
        with db.engine(self.app).begin() as conn:
            for start in range(0, count, 5000):
                conn.execute(insert(Callback), rows[start:start + 5000])
        return ids

    def late(self, ids: range) -> list[float]:
        with db.session_scope(self.app) as session:
            found = session.execute(select(Callback.finished_at, Callback.planned_at).where(
                Callback.id >= ids.start, Callback.id < ids.stop,
                Callback.status == "done")).all()
        return [(f - p).total_seconds() for f, p in found if f and p]

    # -- the four measurements -------------------------------------------------------------
    def throughput(self, voicemails: int) -> dict[str, Any]:
        runs: dict[str, Any] = {}
        for processes in (1, 2, 3):
            ids = self.voicemails(voicemails)
            self.spawn(processes)
            self.ready(processes)
            start = time.monotonic()
            self.queue(ids)
            seconds = self.wait(lambda: self.left(ids) == 0, 1800, "voicemails done")  # noqa: B023
            elapsed = time.monotonic() - start
            self.stop_all()
            with db.session_scope(self.app) as session:
                heard = session.scalar(select(func.count()).select_from(Voicemail).where(
                    Voicemail.id.in_(ids), Voicemail.transcript != ""))
            if heard != voicemails:
                raise SystemExit(f"only {heard} of {voicemails} voicemails were transcribed")
            runs[str(processes)] = {"seconds": round(elapsed, 2),
                                    "voicemails_per_s": round(voicemails / seconds, 3),
                                    "load_average": round(os.getloadavg()[0], 2)}
            say(f"throughput with {processes} worker(s): {runs[str(processes)]}")
        one = runs["1"]["voicemails_per_s"]
        return {"voicemails": voicemails, "runs": runs,
                "ratio_2_vs_1": round(runs["2"]["voicemails_per_s"] / one, 2),
                "ratio_3_vs_1": round(runs["3"]["voicemails_per_s"] / one, 2)}

    def lateness(self, pending: int, backlog: int) -> dict[str, Any]:
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        started = time.monotonic()
        self.callbacks(pending, lambda _i: tomorrow)
        seeded = time.monotonic() - started
        backlog_ids = self.voicemails(backlog)
        self.spawn(2)
        self.ready(2)
        self.queue(backlog_ids)
        now = dt.datetime.now(dt.UTC)
        probes = self.callbacks(PROBES, lambda i: now + dt.timedelta(
            seconds=2 + PROBE_SPREAD * i / PROBES))
        self.wait(lambda: len(self.late(probes)) == PROBES, PROBE_SPREAD + 120, "probes ran")
        draining = self.left(backlog_ids)
        late_ms = sorted(s * 1000 for s in self.late(probes))
        return {"pending": pending, "seed_s": round(seeded, 1),
                "transcription_backlog": backlog, "backlog_left_after_probes": draining,
                "p50_ms": round(statistics.median(late_ms), 1),
                "p99_ms": round(late_ms[max(0, int(len(late_ms) * 0.99) - 1)], 1),
                "max_ms": round(late_ms[-1], 1)}

    def failover(self) -> dict[str, Any]:
        """On the two workers of `lateness`: kill the leader, time the standby's takeover."""
        self.wait(lambda: leader(self.app) is not None, 30, "a leader")
        holder = leader(self.app)
        assert holder is not None
        pid = int(holder.split(":")[1])
        victim = next(w for w in self.workers if w.pid == pid)
        killed_at = dt.datetime.now(dt.UTC)
        probe = self.callbacks(1, lambda _i: killed_at)
        os.kill(pid, signal.SIGKILL)
        start = time.monotonic()
        victim.wait()
        takeover = self.wait(lambda: (leader(self.app) or holder) != holder, 60, "takeover")
        ran = self.wait(lambda: len(self.late(probe)) == 1, 60, "the callback due at the kill")
        return {"takeover_s": round(takeover, 2), "recovery_s": round(time.monotonic() - start, 2),
                "callback_late_s": round(self.late(probe)[0], 2), "measured_after_s": round(ran, 2)}

    def recovery(self) -> dict[str, Any]:
        self.stop_all()
        ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        backlog = self.callbacks(BACKLOG, lambda _i: ago)
        self.spawn(2)
        first_look = self.wait(lambda: self.scalar(
            "SELECT count(*) FROM callbacks WHERE status <> 'scheduled' AND id >= "
            f"{backlog.start}") > 0, 120, "the clock's first look")
        total = self.wait(lambda: len(self.late(backlog)) == BACKLOG, 600,
                          "the overdue callbacks ran") + first_look
        self.stop_all()
        return {"backlog": BACKLOG, "recovery_s": round(total, 2),
                "recovery_from_first_look_s": round(total - first_look, 2)}

    def close(self) -> None:
        self.stop_all()
        close_app(self.app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voicemails", type=int, default=40,
                        help="voicemails per throughput run (default 40)")
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--backlog", type=int, default=60,
                        help="voicemails draining while the lateness probes fall due")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    args = parser.parse_args()
    started = machine()
    with scratch_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        bench = Bench(url, Path(tmp))
        try:
            result = {"throughput": bench.throughput(args.voicemails)}
            say(f"{result}")
            result["lateness"] = bench.lateness(args.pending, args.backlog)
            say(f"{result['lateness']}")
            result["failover"] = bench.failover()
            say(f"{result['failover']}")
            result["recovery"] = bench.recovery()
        finally:
            bench.close()
    print(json.dumps({"benchmark": "workers", "database": "postgresql", **result,
                      "machine": started, "load_average_at_end": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()
