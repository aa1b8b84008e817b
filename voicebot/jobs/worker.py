"""A worker process: takes jobs, and stands for the clock.

`voicebot worker` runs one in the foreground (production: as many as the load needs, on any
hosts); the embedded default runs one in a thread of `voicebot serve`.

- With Procrastinate (PostgreSQL) every worker takes jobs: `concurrency` slots for the quick
  queue and `transcription` slots for voicemails, each queue with its own.
- With the in-process engine (SQLite) the clock's leader runs the jobs too: a second worker
  stands by and takes over when the first stops.

Every worker is a candidate for the clock (`voicebot.jobs.scheduler`); one leads. Stopping
(SIGTERM, Ctrl-C) lets running jobs finish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from flask import Flask

from voicebot.clock import clock
from voicebot.jobs import QUEUES, jobs, run_due
from voicebot.jobs.inprocess import InProcess
from voicebot.jobs.pgqueue import Workers
from voicebot.jobs.scheduler import Clock, sweep

log = logging.getLogger("voicebot.worker")


class Worker:
    def __init__(self, app: Flask, *, tick: float | None = None, sweep_every: float | None = None,
                 concurrency: int | None = None, transcription: int | None = None,
                 queues: Sequence[str] = QUEUES, run_clock: bool = True) -> None:
        self.app = app
        self.engine = jobs(app)
        cfg = app.config
        local = self.engine if isinstance(self.engine, InProcess) else None
        self.clock = Clock(app, tick=tick, sweep_every=sweep_every,
                           on_lead=local.start_runner if local else None,
                           on_step_down=local.stop_runner if local else None)
        self.run_clock = run_clock or local is not None
        self.leading = self.clock.leading
        """Set while this worker leads the clock (in-process: and runs the jobs)."""
        self.workers = None if local is not None else Workers(
            app, quick=int(concurrency if concurrency is not None else cfg["JOB_THREADS"]),
            transcription=int(transcription if transcription is not None
                              else cfg["TRANSCRIPTION_THREADS"]),
            queues=queues, name=self.clock.holder)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def holder(self) -> str:
        return self.clock.holder

    def start(self) -> Worker:
        """Run in background threads (the embedded default, and tests)."""
        self._spawn(self._run_clock, "voicebot-clock")
        if self.workers is not None:
            self._spawn(self.workers.run, "voicebot-worker")
        return self

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _run_clock(self) -> None:
        if self.run_clock:
            self.clock.run(self._stop)

    def run(self) -> None:
        """In the foreground until `request_stop()`."""
        clock_thread = threading.Thread(target=self._run_clock, name="voicebot-clock", daemon=True)
        clock_thread.start()
        if self.workers is not None:
            self.workers.run()
        else:
            self._stop.wait()
        clock_thread.join()

    def request_stop(self) -> None:
        """Ask the worker to stop (from a signal handler): running jobs finish first."""
        self._stop.set()
        if self.workers is not None:
            self.workers.stop()

    def stop(self, timeout: float = 30.0) -> None:
        self.request_stop()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def run_once(self) -> int:
        """Sweep, queue what the clock would, and run what is due now (`voicebot worker
        --once`, for cron). Returns how many jobs ran, or -1 when another process leads the
        in-process engine."""
        local = isinstance(self.engine, InProcess)
        if local and not self.clock.lock.acquire():
            return -1
        try:
            with self.app.app_context():
                sweep.__wrapped__(self.app)  # type: ignore[attr-defined]
            return run_due(self.app, clock(self.app).now())
        finally:
            if local:
                self.clock.lock.release()
