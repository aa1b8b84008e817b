"""The office's figures per line and per day or hour: calls, answered, abandoned in the queue,
waits, service level, voicemails, quotes, callbacks and kept places. The desk's reports page
and the `/metrics` endpoint read them from here.

Everything is counted in SQL, grouped by line and period: a query returns one row per line
and day (or hour), never one per call. Waits are grouped by the whole second, so the 90th
percentile is exact to the second and still costs one row per distinct wait. Periods are cut
in the desk's time zone, daylight-saving changes included, with the same SQL on SQLite and
PostgreSQL: the zone's offset is a CASE over the changes inside the period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, exists, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from voicebot.models import (
    Call,
    Callback,
    CallbackAttempt,
    CallEvent,
    EventKind,
    QueueEntry,
    Quote,
    Voicemail,
)
from voicebot.services.kept_places import CALLED_BACK, CONNECTED, NOT_REACHED

SERVICE_LEVEL_SECONDS = 20
"""Answered within this many seconds of joining the queue counts towards the service level."""
ANSWERED_OUTCOMES = ("served", "transferred")
"""A person took the call: from the queue, or put through by a transfer step."""
UNITS = {"day": 86400, "hour": 3600}


class epoch(FunctionElement[int]):
    """Seconds since 1970 (UTC) of a stored timestamp, as a whole number."""

    type = Integer()
    inherit_cache = True


@compiles(epoch)
def _epoch_default(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass
class Figures:
    """One line's (or all lines') figures over one period."""

    calls: int = 0
    answered: int = 0
    queued: int = 0
    """Callers who left the queue one way or another in the period (joined it then)."""
    abandoned: int = 0
    abandoned_wait: int = 0
    """Seconds the abandoning callers had waited, summed."""
    within_level: int = 0
    voicemails: int = 0
    quotes_sent: int = 0
    quotes_approved: int = 0
    callbacks_made: int = 0
    callbacks_reached: int = 0
    kept_offered: int = 0
    """Queued callers told they could keep their place and be called back (or who did)."""
    kept_taken: int = 0
    """Of those, the callers who kept their place (both counted by when they joined the queue)."""
    kept_reached: int = 0
    """Kept places called back and reached (counted by when that ended)."""
    kept_not_reached: int = 0
    """Kept places not reached after the last call, each a ticket for a person."""
    waits: Counter[int] = field(default_factory=Counter)
    """Seconds answered callers waited in the queue -> how many waited that long."""

    def add(self, other: Figures) -> None:
        for f in fields(self):
            if f.name != "waits":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.waits.update(other.waits)

    @property
    def average_wait(self) -> float | None:
        n = sum(self.waits.values())
        return sum(s * c for s, c in self.waits.items()) / n if n else None

    @property
    def p90_wait(self) -> int | None:
        """The wait nine in ten answered callers did not exceed (nearest rank)."""
        n = sum(self.waits.values())
        if not n:
            return None
        rank, seen = -(-9 * n // 10), 0
        for seconds in sorted(self.waits):
            seen += self.waits[seconds]
            if seen >= rank:
                return seconds
        raise AssertionError("unreachable: the ranks add up to n")

    @property
    def average_abandon(self) -> float | None:
        return self.abandoned_wait / self.abandoned if self.abandoned else None

    @property
    def service_level(self) -> float | None:
        """Share of queued callers answered within SERVICE_LEVEL_SECONDS: those who hung up
        or were sent on (to voicemail after the longest wait) count against it."""
        return self.within_level / self.queued if self.queued else None


Key = tuple[str, int | None]
"""(line, period number): the period counts days or hours since 1970 in the desk's zone."""
Bucket = Callable[[Any], ColumnElement[int]]


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    unit: str
    zone: dt.tzinfo

    def bucket(self) -> Bucket:
        """SQL for the period number of a timestamp column, in the desk's zone."""
        offsets = zone_offsets(self.zone, self.start, self.end)
        size = UNITS[self.unit]

        def of(column: Any) -> ColumnElement[int]:
            seconds = epoch(column)
            offset: ColumnElement[int] = (
                case(*[(seconds < at, before) for at, before in _changes(offsets)],
                     else_=offsets[-1][1])
                if len(offsets) > 1 else literal(offsets[0][1], Integer))
            return (seconds + offset) // size

        return of

    def numbers(self) -> list[int]:
        """Every period number from start to end, for a chart with no gaps."""
        size = UNITS[self.unit]
        first = _local_number(self.start, self.zone, size)
        last = _local_number(self.end - dt.timedelta(microseconds=1), self.zone, size)
        return list(range(first, last + 1))

    def label(self, number: int) -> dt.datetime:
        """The local wall-clock start of a period number."""
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=number * UNITS[self.unit])


def _local_number(moment: dt.datetime, zone: dt.tzinfo, size: int) -> int:
    local = moment.astimezone(zone)
    return int((local.replace(tzinfo=None) - dt.datetime(1970, 1, 1)).total_seconds()) // size


def zone_offsets(zone: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """[(epoch second the offset starts, offset in seconds)] over the period. Offsets change
    on the hour or half hour: looking every 15 minutes finds each change."""
    def offset(moment: dt.datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    moment = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    out = [(int(start.timestamp()), offset(start))]
    while moment < end:
        moment += dt.timedelta(minutes=15)
        now = offset(moment)
        if now != out[-1][1]:
            out.append((int(moment.timestamp()), now))
    return out


def _changes(offsets: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """(moment the next offset starts, the offset until then), for the CASE."""
    return [(offsets[i + 1][0], offsets[i][1]) for i in range(len(offsets) - 1)]


def collect(session: Session, *, start: dt.datetime | None = None, end: dt.datetime | None = None,
            bucket: Bucket | None = None, flow_id: str | None = None) -> dict[Key, Figures]:
    """Figures per (line, period) between start and end; per line only without `bucket`."""
    out: dict[Key, Figures] = {}

    def grouped(line: InstrumentedAttribute[str], at: Any, *values: Any,
                where: Iterable[ColumnElement[bool]] = (), join: Any = None,
                extra: Iterable[Any] = ()) -> Iterable[tuple[Figures, Any]]:
        period = bucket(at).label("period") if bucket else literal(None, Integer).label("period")
        conditions = list(where)
        if start is not None:
            conditions.append(at >= start)
        if end is not None:
            conditions.append(at < end)
        if flow_id:
            conditions.append(line == flow_id)
        keys = [line, period, *extra]
        query = select(*keys, *values).where(*conditions)
        if join is not None:
            query = query.select_from(join)
        query = query.group_by(line, *([period] if bucket else []), *extra)
        for row in session.execute(query):
            figures = out.setdefault((row[0], row[1]), Figures())
            yield figures, row[2:]

    for figures, (calls, answered) in grouped(
            Call.flow_id, Call.started_at, func.count(), count_if(answered_by_person()),
            where=[Call.direction == "inbound"]):
        figures.calls += calls
        figures.answered += int(answered or 0)

    waited = epoch(QueueEntry.left_at) - epoch(QueueEntry.enqueued_at)
    left = and_(QueueEntry.left_at.is_not(None), QueueEntry.result.not_in(("", "answering")))
    for figures, (queued, within, abandoned, abandoned_wait) in grouped(
            QueueEntry.flow_id, QueueEntry.enqueued_at, func.count(),
            count_if((QueueEntry.result == "bridged") & (waited <= SERVICE_LEVEL_SECONDS)),
            count_if(QueueEntry.result == "hangup"),
            func.sum(case((QueueEntry.result == "hangup", waited), else_=0)), where=[left]):
        figures.queued += queued
        figures.within_level += int(within or 0)
        figures.abandoned += int(abandoned or 0)
        figures.abandoned_wait += int(abandoned_wait or 0)

    seconds = waited.label("seconds")
    for figures, (wait, n) in grouped(QueueEntry.flow_id, QueueEntry.enqueued_at, func.count(),
                                      where=[QueueEntry.result == "bridged"], extra=[seconds]):
        figures.waits[max(0, int(wait))] += n
    for figures, (n,) in grouped(Voicemail.flow_id, Voicemail.created_at, func.count()):
        figures.voicemails += n
    for figures, (n,) in grouped(Quote.flow_id, Quote.created_at, func.count(),
                                 where=[Quote.status != "failed"]):
        figures.quotes_sent += n
    for figures, (n,) in grouped(Quote.flow_id, Quote.decided_at, func.count(),
                                 where=[Quote.status == "approved"]):
        figures.quotes_approved += n
    for figures, (made, reached) in grouped(
            Callback.flow_id, CallbackAttempt.at, count_if(CallbackAttempt.result == "calling"),
            count_if(CallbackAttempt.result == "reached"),
            join=CallbackAttempt.__table__.join(Callback.__table__),
            where=[CallbackAttempt.result.in_(("calling", "reached"))]):
        figures.callbacks_made += int(made or 0)
        figures.callbacks_reached += int(reached or 0)
    _kept_places(grouped)
    return out


Grouped = Callable[..., Iterable[tuple[Figures, Any]]]
"""`collect`'s query of one table: its Figures per (line, period), and the values asked."""


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def answered_by_person() -> ColumnElement[bool]:
    """A person took the inbound call: from the queue or by a transfer, or, when the caller
    kept their place and hung up (issue 18), by our call back putting them through to the
    staff member waiting for them: that call is the caller's own, its journal says so."""
    put_through = exists().where(CallEvent.call_id == Call.id,
                                 CallEvent.kind == EventKind.KEPT_CALL,
                                 CallEvent.data["what"].as_string() == CONNECTED)
    return Call.outcome.in_(ANSWERED_OUTCOMES) | put_through


def _kept_places(grouped: Grouped) -> None:
    """Kept places (voicebot.services.kept_places): offered and taken by when the caller
    joined the queue, once each however often the offer was said; reached, or not reached
    and so a ticket, by when the last call back ended."""
    heard_offer = exists().where(CallEvent.call_id == QueueEntry.call_id,
                                 CallEvent.kind == EventKind.QUEUE_TOLD,
                                 CallEvent.data["offered"].as_boolean())
    for figures, (offered, taken) in grouped(
            QueueEntry.flow_id, QueueEntry.enqueued_at, func.count(),
            count_if(QueueEntry.kept_at.is_not(None)),
            where=[QueueEntry.kept_at.is_not(None) | heard_offer]):
        figures.kept_offered += offered
        figures.kept_taken += int(taken or 0)
    for figures, (reached, not_reached) in grouped(
            QueueEntry.flow_id, QueueEntry.left_at, count_if(QueueEntry.result == CALLED_BACK),
            count_if(QueueEntry.result == NOT_REACHED),
            where=[QueueEntry.kept_at.is_not(None),
                   QueueEntry.result.in_((CALLED_BACK, NOT_REACHED))]):
        figures.kept_reached += int(reached or 0)
        figures.kept_not_reached += int(not_reached or 0)


def callback_outcomes(session: Session) -> dict[tuple[str, str], int]:
    """(line, status) -> callbacks, for every callback rule firing ever made."""
    query = select(Callback.flow_id, Callback.status, func.count()).group_by(
        Callback.flow_id, Callback.status)
    return {(line, status): n for line, status, n in session.execute(query)}
