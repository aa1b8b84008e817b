"""Quotes (OM-4): the price a voicemail earned, sent to the caller by SMS. `store` is the one
way a quote row is made; the caller's answer to it is read in voicebot.voicemail.replies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voicebot.models import Quote, Voicemail


def store(session: Session, voicemail: Voicemail, *, flow_id: str, service_id: str,
          service_name: str, body: str, now: dt.datetime) -> Quote | None:
    """The voicemail's quote, stored once however often its pipeline runs: the one a run
    stored before, else a new one. None when another run stored it at this same moment (the
    session is then rolled back, as the pipeline's stage was in one transaction)."""
    quote = session.scalar(select(Quote).where(Quote.voicemail_id == voicemail.id))
    if quote is not None:
        return quote
    quote = Quote(voicemail_id=voicemail.id, flow_id=flow_id, phone=voicemail.from_number,
                  service_id=service_id, service_name=service_name, body=body, created_at=now)
    session.add(quote)
    try:
        session.flush()
    except IntegrityError:  # the voicemail's quote is unique
        session.rollback()
        return None
    return quote
