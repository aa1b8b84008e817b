"""The job lease: which process runs the scheduled jobs.

APScheduler 3 cannot share a job store between running schedulers: two would run each job
twice. So a worker runs jobs only while it holds this row, renewing it every tick. A second
worker started by mistake waits; when the holder dies its lease expires and the waiting one
takes over. Both steps are single conditional statements, atomic on SQLite and PostgreSQL.

Times are the hosts' own clocks (keep them in sync with NTP): the lease is about whether a
process is alive, not about the engine's call clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from voicebot.models import WorkerLease


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Lease:
    def __init__(self, sessions: sessionmaker[Session], holder: str, *, name: str = "jobs",
                 ttl: float = 15.0) -> None:
        self.sessions = sessions
        self.holder = holder
        self.name = name
        self.ttl = dt.timedelta(seconds=ttl)

    def acquire(self) -> bool:
        """Take the lease if it is free, expired, or already ours."""
        now = _now()
        with self.sessions() as s:
            taken = cast(CursorResult[Any], s.execute(
                update(WorkerLease)
                .where(WorkerLease.name == self.name,
                       (WorkerLease.holder == self.holder) | (WorkerLease.expires_at < now))
                .values(holder=self.holder, acquired_at=now, renewed_at=now,
                        expires_at=now + self.ttl)
            )).rowcount
            if taken:
                s.commit()
                return True
            if s.get(WorkerLease, self.name) is not None:
                return False
            s.add(WorkerLease(name=self.name, holder=self.holder, acquired_at=now, renewed_at=now,
                              expires_at=now + self.ttl))
            try:
                s.commit()
            except IntegrityError:  # another worker inserted it first
                return False
            return True

    def renew(self) -> bool:
        """Extend our lease; False when another worker holds it now."""
        now = _now()
        with self.sessions() as s:
            kept = cast(CursorResult[Any], s.execute(
                update(WorkerLease)
                .where(WorkerLease.name == self.name, WorkerLease.holder == self.holder)
                .values(renewed_at=now, expires_at=now + self.ttl)
            )).rowcount
            s.commit()
            return bool(kept)

    def release(self) -> None:
        with self.sessions() as s:
            s.execute(delete(WorkerLease).where(WorkerLease.name == self.name,
                                                WorkerLease.holder == self.holder))
            s.commit()

    def current(self) -> WorkerLease | None:
        with self.sessions() as s:
            row = s.scalar(select(WorkerLease).where(WorkerLease.name == self.name))
            if row is not None:
                s.expunge(row)
            return row
