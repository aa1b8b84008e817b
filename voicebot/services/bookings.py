"""Bookings: pre-booked slots in a calendar (CS-3, CS-9).

A day's standard hours are the `posts` working in parallel through the flow's open hours
that day; pre-bookings may fill at most `share` of them, the rest staying free for urgent
work and walk-ins. Slots start at opening and every `job_hours` after, each taking at most
`posts` jobs at once, and lie between `lead` from now and `days_ahead` days away.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from voicebot.flows.model import Flow
from voicebot.models import Booking

EPSILON = 1e-9


class Slot(Protocol):
    """What a calendar search needs to know of a `book` step."""

    @property
    def calendar(self) -> str: ...
    @property
    def posts(self) -> int: ...
    @property
    def share(self) -> float: ...
    @property
    def days_ahead(self) -> int: ...
    @property
    def job_hours(self) -> float: ...
    @property
    def lead(self) -> dt.timedelta: ...


def _booked(session: Session, flow: Flow, step: Slot, start: dt.datetime,
            end: dt.datetime) -> list[Booking]:
    return list(session.scalars(select(Booking).where(
        Booking.flow_id == flow.id, Booking.calendar == step.calendar,
        Booking.status == "booked", Booking.starts_at < end, Booking.ends_at > start,
    )))


def window_end(flow: Flow, step: Slot, now: dt.datetime) -> dt.datetime:
    """The end of the last day a slot may fall on: `days_ahead` days from today."""
    zone = ZoneInfo(flow.timezone)
    last = now.astimezone(zone).date() + dt.timedelta(days=step.days_ahead + 1)
    return dt.datetime.combine(last, dt.time(0), zone)


def free_slots(session: Session, flow: Flow, step: Slot, now: dt.datetime,
               start_from: dt.datetime) -> Iterator[dt.datetime]:
    """Free slot starts from `start_from` on, earliest first, within the step's window."""
    zone = ZoneInfo(flow.timezone)
    earliest = max(start_from, now + step.lead)
    end = window_end(flow, step, now)
    booked = _booked(session, flow, step, now.astimezone(zone).replace(hour=0, minute=0), end)
    length = dt.timedelta(hours=step.job_hours)
    day = earliest.astimezone(zone).date()
    while dt.datetime.combine(day, dt.time(0), zone) < end:
        ranges = () if day in flow.hours.holidays else flow.hours.week.get(day.weekday(), ())
        standard = step.posts * sum(_hours(day, r.start, r.end, zone) for r in ranges)
        on_day = [b for b in booked if b.starts_at.astimezone(zone).date() == day]
        if sum(b.hours for b in on_day) + step.job_hours <= step.share * standard + EPSILON:
            for r in ranges:
                slot = dt.datetime.combine(day, r.start, zone)
                closing = dt.datetime.combine(day, r.end, zone)
                while slot + length <= closing:
                    busy = sum(1 for b in on_day if b.starts_at < slot + length and b.ends_at > slot)
                    if slot >= earliest and busy < step.posts:
                        yield slot.astimezone(dt.UTC)
                    slot += length
        day += dt.timedelta(days=1)


def _hours(day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo) -> float:
    opened = dt.datetime.combine(day, start, zone)
    closed = dt.datetime.combine(day, end, zone)
    return (closed - opened).total_seconds() / 3600


def book(session: Session, flow: Flow, step: Slot, slot: dt.datetime, now: dt.datetime, *,  # noqa: PLR0913  a booking's fields, by keyword
         key: str, call_id: int | None, phone: str, client_name: str) -> Booking | None:
    """Book `slot` if it is still free; None when someone took it meanwhile."""
    existing = session.scalar(select(Booking).where(Booking.dedupe_key == key))
    if existing is not None:
        return existing
    if session.get_bind().dialect.name == "postgresql":
        # Bookings of one calendar are made one at a time, so two callers offered the last
        # free hours of a day cannot both take them.
        lock = zlib.crc32(f"{flow.id}/{step.calendar}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
    if next(free_slots(session, flow, step, now, slot), None) != slot:
        return None
    booking = Booking(dedupe_key=key, flow_id=flow.id, calendar=step.calendar, call_id=call_id,
                      phone=phone, client_name=client_name, starts_at=slot,
                      ends_at=slot + dt.timedelta(hours=step.job_hours), hours=step.job_hours,
                      created_at=now)
    session.add(booking)
    session.flush()
    return booking
