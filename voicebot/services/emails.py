"""E-mails to staff (issue 18): a finished voicemail mailed to the roles its flow names. The
`Email` row is the outbox, as a `Message` is for SMS; `write` is the one way it is made, and
voicebot.voicemail.mailing composes, sends and retries it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voicebot.models import Email, Voicemail


def key(voicemail_id: int) -> str:
    return f"voicemail-email-{voicemail_id}"


def write(session: Session, voicemail: Voicemail, to: list[str], *, now: dt.datetime,
          error: str = "") -> Email | None:
    """The voicemail's e-mail to `to`, pending from `now` (`error`: why it cannot be sent
    yet); written once per voicemail, so None when it was written already, by an earlier run
    or by one at this same moment (the session is then rolled back)."""
    if session.scalar(select(Email.id).where(Email.dedupe_key == key(voicemail.id))) is not None:
        return None
    email = Email(dedupe_key=key(voicemail.id), voicemail_id=voicemail.id,
                  flow_id=voicemail.flow_id, to=to, next_at=now, error=error)
    session.add(email)
    try:
        session.flush()
    except IntegrityError:  # another run wrote it first; that run queues it
        session.rollback()
        return None
    return email
