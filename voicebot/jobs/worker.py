"""The worker: the one process that runs scheduled jobs.

`voicebot worker` runs it in the foreground (production, beside the web tier); the embedded
default runs it in a thread of `voicebot serve`. Either way it first takes the job lease
(`voicebot.jobs.lease`): a second worker waits, and takes over within the lease time once the
first one dies. While it leads it:

- runs APScheduler on the persistent job store, waking every `tick` seconds so jobs stored
  by other processes are picked up at once;
- every `sweep_every` seconds runs the *sweeps*: each finds work a crash left half-done
  (a callback claimed by a worker that died, a voicemail never processed, an SMS never sent)
  and queues it again. Sweeps are idempotent: the rows carry the state.

Stopping (SIGTERM, Ctrl-C) lets running jobs finish, then gives the lease back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import ref_to_obj
from flask import Flask

from voicebot import db, jobs
from voicebot.clock import clock
from voicebot.jobs.lease import Lease

log = logging.getLogger("voicebot.worker")

SWEEPS: tuple[str, ...] = (
    "voicebot.callbacks.runner:sweep",
    "voicebot.telephony:sweep",
    "voicebot.voicemail.pipeline:sweep",
    "voicebot.voicemail.mailing:sweep",
)
"""`module:function(app, now)` run at start and every `sweep_every` seconds while leading."""

Sweep = Callable[[Flask, dt.datetime], None]


def identity() -> str:
    """Who holds the lease, as shown to a person: host, process, and a tag for each worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class Worker:
    def __init__(self, app: Flask, *, tick: float | None = None,
                 lease_seconds: float | None = None, sweep_every: float | None = None) -> None:
        cfg = app.config
        self.app = app
        self.tick = float(tick if tick is not None else cfg["WORKER_TICK"])
        self.sweep_every = float(sweep_every if sweep_every is not None else cfg["WORKER_SWEEP"])
        self.lease = Lease(db.sessions(app), identity(),
                           ttl=float(lease_seconds if lease_seconds is not None
                                     else cfg["WORKER_LEASE_SECONDS"]))
        self.leading = threading.Event()
        """Set while this worker holds the lease and runs jobs."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- running --------------------------------------------------------------------------
    def start(self) -> Worker:
        """Run in a background thread (the embedded default, and tests)."""
        self._thread = threading.Thread(target=self.run, name="voicebot-worker", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the worker to stop (from a signal handler): running jobs finish first."""
        self._stop.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """Wait for the lease, lead while it holds, until stopped."""
        waiting_logged = ""
        while not self._stop.is_set():
            try:
                acquired = self.lease.acquire()
            except Exception as exc:  # the database is away: try again, do not die
                log.warning("cannot reach the database for the job lease: %s", exc)
                acquired = False
            if not acquired:
                holder = self._holder()
                if holder != waiting_logged:
                    log.warning("another worker (%s) holds the job lease; this one waits and "
                                "takes over if it stops renewing", holder)
                    waiting_logged = holder
                self._stop.wait(max(self.tick, self.lease.ttl.total_seconds() / 3))
                continue
            waiting_logged = ""
            self._lead()
        self.lease.release()

    def _holder(self) -> str:
        try:
            current = self.lease.current()
        except Exception:
            return "unknown"
        return current.holder if current else "nobody"

    def _lead(self) -> None:
        global_state = jobs.jobs(self.app)
        scheduler = jobs.make_scheduler(self.app, jobs.Runner)
        jobs._worker_app = self.app
        global_state.in_flight.clear()
        scheduler.add_listener(global_state.track, jobs.TRACKED)
        scheduler.start()
        global_state.running = scheduler
        self.leading.set()
        log.info("worker %s holds the job lease and runs jobs", self.lease.holder)
        try:
            self._loop(scheduler)
        finally:
            self.leading.clear()
            global_state.running = None
            # Jobs already running finish; nothing new starts.
            scheduler.shutdown(wait=True)
            log.info("worker %s stopped running jobs", self.lease.holder)

    def _loop(self, scheduler: BackgroundScheduler) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            if time.monotonic() - last_sweep >= self.sweep_every:
                self.sweep()
                last_sweep = time.monotonic()
            self._stop.wait(self.tick)
            try:
                kept = self.lease.renew()
            except Exception as exc:
                log.error("cannot renew the job lease (%s): stopping job processing", exc)
                return
            if not kept:
                log.error("the job lease was taken over by %s: stopping job processing",
                          self._holder())
                return
            scheduler.wakeup()

    def sweep(self) -> None:
        now = clock(self.app).now()
        for name in SWEEPS:
            fn: Sweep = ref_to_obj(name)
            try:
                with self.app.app_context():
                    fn(self.app, now)
            except Exception:
                log.exception("sweep %s failed", name)

    def run_once(self) -> int:
        """Sweep and run what is due now, without the scheduler (`voicebot worker --once`),
        if the lease is free. Returns how many jobs ran, or -1 when another worker leads."""
        if not self.lease.acquire():
            return -1
        try:
            self.sweep()
            return jobs.run_due(self.app)
        finally:
            self.lease.release()
