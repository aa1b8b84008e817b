"""Wrong desk passwords, kept in the database so every web process counts them alike; the
desk (voicebot.admin.auth) decides from these counts whom to hold back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voicebot.models import LoginFailure


def recent(session: Session, name: str, address: str, since: dt.datetime) -> tuple[int, int]:
    """Wrong passwords since `since`: for this name from this address, and from this address
    under any name."""
    from_address = (LoginFailure.address == address) & (LoginFailure.at >= since)
    by_address = session.scalar(select(func.count()).where(from_address)) or 0
    by_name = session.scalar(select(func.count()).where(from_address,
                                                        LoginFailure.name == name)) or 0
    return by_name, by_address


def failed(session: Session, name: str, address: str, now: dt.datetime,
           window: dt.timedelta) -> None:
    """One more wrong password; those older than `window` no longer count, so they go."""
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    session.add(LoginFailure(name=name, address=address, at=now))


def forget(session: Session, name: str, address: str) -> None:
    """The right password: this name's mistakes from this address are forgiven."""
    session.execute(delete(LoginFailure).where(LoginFailure.name == name,
                                               LoginFailure.address == address))
