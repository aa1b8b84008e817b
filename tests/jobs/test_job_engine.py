"""Many workers on PostgreSQL (Procrastinate), as production runs them: real `voicebot worker`
processes, one killed with SIGKILL mid-work and another added later, a real recognizer on
real audio, and the Twilio double counting every REST call. Each voicemail is transcribed
once, every SMS and call goes out exactly once, nothing is lost; two clocks started at once
fire each callback once.

`VOICEBOT_TEST_JOB_COUNT` (default 300) sets how many voicemails and callbacks the first test
queues; it exists for slow machines, and CI runs the default."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from voicebot import db
from voicebot.compiler.registry import registry
from voicebot.jobs import enqueue, enqueue_many, jobs, pending
from voicebot.jobs.leadership import leader
from voicebot.jobs.scheduler import due_callbacks
from voicebot.models import Call, Callback, CallEvent, Dial, Message, Voicemail
from voicebot.services import voicemails
from voicebot.voicemail import pipeline

from support import reminders
from support.processes import start_worker
from support.records import stored
from support.speech import spoken
from support.twilio_double import TEST_ACCOUNT_SID, TwilioDouble, new_sid
from support.waiting import wait_for

COUNT = int(os.environ.get("VOICEBOT_TEST_JOB_COUNT", "300"))
FLOWS = Path(__file__).parents[1] / "flows" / "valid"
OMEGA = "+15555550100"
FINAL = ("quoted", "for-person", "needs-transcription", "unusable", "failed")


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    """PostgreSQL only: Procrastinate runs on PostgreSQL."""
    return postgresql_url


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble, tmp_path: Path) -> dict[str, Any]:
    # Due a second on: the racing clocks below look while the callbacks fall due.
    with_line = reminders.settings(settings, twilio_double, tmp_path, delay="1s")
    shutil.copy(FLOWS / "omega.yaml", Path(with_line["FLOWS_DIR"]) / "omega.yaml")
    return {**with_line, "JOBS": "procrastinate"}


@pytest.fixture
def spawn(settings: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        # Dead workers are noticed after 15 s, and an SMS or call whose answer was lost is asked
        # about after 60: on two busy cores a live worker's heartbeat, or the answer of the
        # Twilio double (a thread of this process), can be seconds late, and neither may be
        # taken for a crash (Twilio itself answers within its 15 s).
        started.append(start_worker(settings, tmp_path / f"{name}.log", *args,
                                    TRANSCRIBERS="pocketsphinx", TRANSCRIPTION_THREADS="1",
                                    JOB_THREADS="2", WORKER_STALLED_AFTER="15",
                                    TWILIO_TIMEOUT="20", STUCK_AFTER="60"))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def leave_voicemails(app: Flask, double: TwilioDouble, audio: bytes, count: int) -> list[int]:
    """`count` voicemails on Omega, as the recording callback stores and queues them."""
    flow = registry(app).get("omega")
    now = dt.datetime.now(dt.UTC)
    with db.session_scope(app) as session:
        rows = []
        for n in range(count):
            sid, call_sid = new_sid("RE"), new_sid("CA")
            double.add_recording(sid, audio, call_sid=call_sid)
            call = Call(sid=call_sid, flow_id="omega", from_number=f"+1971555{n:04d}",
                        to_number=OMEGA, status="completed", outcome="completed", started_at=now)
            session.add(call)
            session.flush()
            url = f"https://api.twilio.com/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Recordings/{sid}"
            rows.append(voicemails.recorded(session, call, flow, sid, url, 2, now, quote_wanted=True)[0])
        session.commit()
        ids = [row.id for row in rows]
    enqueue_many(app, pipeline.process_voicemail, [((i,), pipeline.job_key(i)) for i in ids])
    return ids


def doing(app: Flask) -> int:
    with db.engine(app).connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")).scalar() or 0)


def test_workers_killed_and_added_transcribe_each_voicemail_once_and_send_everything_once(
    app: Flask, spawn: Callable[..., subprocess.Popen[bytes]], twilio_double: TwilioDouble,
) -> None:
    audio = spoken("My dishwasher is broken.")
    voicemails = leave_voicemails(app, twilio_double, audio, COUNT)
    reminders.book_visits(app, reminders.clients(1000, COUNT // 2))  # a call and an SMS each: COUNT callbacks
    assert len(stored(app, Callback)) == 2 * (COUNT // 2)

    workers = [spawn(f"w{n}") for n in range(3)]

    def transcribed() -> int:
        time.sleep(0.2)
        with db.session_scope(app) as session:
            return int(session.scalar(select(func.count()).select_from(Voicemail)
                                      .where(Voicemail.transcript != "")) or 0)

    wait_for(lambda: transcribed() >= COUNT // 10 and doing(app) >= 2, 300,
             "the workers got going")
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait(timeout=10)
    assert transcribed() < COUNT, "killed too late to prove anything"
    time.sleep(2)
    spawn("w3")

    def finished() -> bool:
        time.sleep(0.5)  # the Twilio double shares this process: leave it the CPU
        with db.session_scope(app) as session:
            working = session.scalar(select(func.count()).select_from(Voicemail)
                                     .where(Voicemail.status.not_in(FINAL)))
            open_ = session.scalar(select(func.count()).select_from(Callback)
                                   .where(Callback.status.not_in(("done", "waiting"))))
        return working == 0 and open_ == 0

    wait_for(finished, 600, "every voicemail and callback done")
    time.sleep(3)  # longer than a sweep and a stalled-job check: nothing is done again
    with db.session_scope(app) as session:  # what the kill left half-sent is recovered too
        wait_for(lambda: not session.scalar(select(func.count()).select_from(Message).where(
            Message.status.in_(("pending", "sending")))), 180, "the outbox emptied")

    vms = stored(app, Voicemail)
    assert sorted(v.id for v in vms) == sorted(voicemails)
    assert Counter(v.status for v in vms).keys() <= {"quoted", "for-person"}, \
        Counter(v.status for v in vms)
    with db.session_scope(app) as session:
        per_call = Counter(session.scalars(select(CallEvent.call_id)
                                           .where(CallEvent.kind == "transcript")))
    assert len(per_call) == COUNT and set(per_call.values()) == {1}  # each transcribed once
    # Every SMS in the outbox went out once, and nothing went out that is not in it.
    out = [m for m in stored(app, Message) if m.direction == "out"]
    sent = Counter((m["to"], m["body"]) for m in twilio_double.messages)
    assert set(sent.values()) == {1}, [(k, n) for k, n in sent.items() if n > 1]
    assert {m.sid for m in out} == {m["sid"] for m in twilio_double.messages}
    assert sum(1 for m in out if m.purpose == "quote") == sum(1 for v in vms if v.status == "quoted")
    notes = [m for m in twilio_double.messages if m["body"].startswith("Visit ")]
    assert len(notes) == COUNT // 2
    # Every confirmation call placed once.
    to = Counter(c["to"] for c in twilio_double.calls)
    assert sorted(to) == [f"+1503555{n:04d}" for n in range(1000, 1000 + COUNT // 2)]
    assert set(to.values()) == {1}
    dials = stored(app, Dial)
    assert {d.call_sid for d in dials} == {c["sid"] for c in twilio_double.calls}
    assert jobs(app).report(10).counts.get(("transcription", "failed")) is None
    assert set(pending(app)) <= {"sweep"}  # the clock's recovery sweep comes and goes


def test_two_clocks_started_at_once_fire_each_callback_once(
    app: Flask, spawn: Callable[..., subprocess.Popen[bytes]], twilio_double: TwilioDouble,
    tmp_path: Path,
) -> None:
    """Two workers start together: one leads the clock, the other stands by. And were two
    clocks ever to look at once (a leader cut off, its successor already up), queueing is
    keyed: this process runs `due_callbacks` on four threads at once beside them."""
    reminders.book_visits(app, reminders.clients(2000, 50))
    first, second = spawn("a"), spawn("b")
    racing = [threading.Thread(target=lambda: [due_callbacks(app, dt.datetime.now(dt.UTC))
                                               for _ in range(20)]) for _ in range(4)]
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()
    wait_for(lambda: len(twilio_double.calls) >= 50 and len(twilio_double.messages) >= 50, 120,
             "every callback fired")
    time.sleep(2)
    assert sorted(c["to"] for c in twilio_double.calls) == [
        f"+1503555{n:04d}" for n in range(2000, 2050)]
    assert len({m["body"] for m in twilio_double.messages}) == len(twilio_double.messages) == 50
    leads = ["leads: callbacks" in (tmp_path / f"{name}.log").read_text() for name in "ab"]
    assert leads.count(True) == 1, leads
    holder = leader(app)
    assert holder is not None and f":{(first if leads[0] else second).pid}:" in holder



def test_a_worker_whose_heartbeat_failed_once_keeps_sending_heartbeats(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One refused heartbeat (the database away for a moment, a connection reset) must not
    end a worker's heartbeats. Procrastinate's heartbeat task dies of its first error, and
    its monitor, which has already returned when the periodic deferrer (none here) ended at
    start, never notices: the worker took jobs on with no heartbeat, so every job it ran
    looked stalled two seconds later and the clock queued it again while it still ran."""
    from procrastinate import manager

    from voicebot.jobs.worker import Worker

    assert jobs(app).name == "procrastinate"
    real = manager.JobManager.update_heartbeat
    refused: set[int] = set()

    async def once_refused(self: manager.JobManager, worker_id: int) -> None:
        if worker_id not in refused:  # each queue's worker's first heartbeat
            refused.add(worker_id)
            raise RuntimeError("the database refused the heartbeat once")
        await real(self, worker_id)

    monkeypatch.setattr(manager.JobManager, "update_heartbeat", once_refused)
    stalled = 2.0  # as the worker process tests run: a heartbeat every 0.4 s
    app.config["WORKER_STALLED_AFTER"] = stalled
    worker = Worker(app, tick=0.2, sweep_every=3600).start()
    try:
        wait_for(lambda: len(refused) >= 2, 20, "both queues' first heartbeats refused")
        time.sleep(stalled + 1.0)
        with db.engine(app).connect() as conn:
            ages = conn.execute(text(
                "SELECT extract(epoch FROM now() - last_heartbeat) FROM procrastinate_workers"
            )).scalars().all()
    finally:
        worker.stop()
    assert len(ages) == 2 and max(ages) < stalled, ages


def test_a_stalled_job_whose_copy_is_already_queued_is_dropped_and_the_clock_goes_on(
    app: Flask,
) -> None:
    """A sweep was running on a worker that died, and the clock has queued the next sweep
    (same key) meanwhile: the stalled one cannot be queued again beside it. It is dropped and
    the waiting copy does the work; the clock's look must not fail on it at every turn (it
    did, and the stalled job stayed `doing` for ever, so a killed worker's schedule never
    finished)."""
    from voicebot.jobs.scheduler import retry_stalled, sweep

    assert jobs(app).name == "procrastinate"
    with app.app_context():
        enqueue(app, sweep, key="sweep")
    with db.engine(app).begin() as conn:  # taken by a worker that died without a heartbeat
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = NULL "
                          "WHERE task_name LIKE '%sweep'"))
    with app.app_context():
        enqueue(app, sweep, key="sweep")

    assert retry_stalled(app) == 1
    with db.engine(app).connect() as conn:
        left = conn.execute(text("SELECT status FROM procrastinate_jobs "
                                 "WHERE task_name LIKE '%sweep'")).scalars().all()
    assert left == ["todo"]
