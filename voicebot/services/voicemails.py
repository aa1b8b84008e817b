"""Voicemails: the row a recording becomes, whichever of Twilio's two reports of it (the
Record action, the recording status callback) comes first; the pipeline picks it up there."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.flows.model import Flow
from voicebot.models import Call, Voicemail, VoicemailStatus
from voicebot.services.calls import CallView


def store(session: Session, call: CallView | None, flow_id: str, recording_sid: str, url: str,
          duration: int, now: dt.datetime) -> Voicemail:
    """Both the Record action and the recording status callback report a recording, in
    either order and maybe twice: whichever comes first creates the row."""
    db.insert_once(session, Voicemail, "recording_sid", recording_sid=recording_sid,
                   flow_id=flow_id, created_at=now)
    row = session.scalars(select(Voicemail).where(Voicemail.recording_sid == recording_sid)
                          ).one()
    if call is not None and row.call_id in (None, call.id):  # never moved to another call
        row.call_id, row.from_number = call.id, call.from_number
    row.recording_url = url or row.recording_url
    row.duration = duration or row.duration
    session.flush()
    return row


def recorded(session: Session, call: CallView | None, flow: Flow | None, recording_sid: str,
             url: str, duration: int, now: dt.datetime, *,
             quote_wanted: bool) -> tuple[Voicemail, bool]:
    """Store what a recording callback reports; True when the pipeline should be started
    now. A duplicate callback must not restart a voicemail whose fetch is already being
    retried with backoff, nor one already processed. `quote_wanted`: the flow's voicemail
    step asked for the quote pipeline."""
    row = store(session, call, flow.id if flow else "", recording_sid, url, duration, now)
    if flow is not None and not row.language:
        row.language = flow.language
        row.quote_wanted = quote_wanted
    return row, row.status == VoicemailStatus.RECEIVED and row.fetch_attempts == 0


def by_recording(session: Session, recording_sid: str) -> Voicemail | None:
    return session.scalar(select(Voicemail).where(Voicemail.recording_sid == recording_sid))


def owner(session: Session, recording_sid: str) -> str | None:
    """The sid of the call a recording is the voicemail of, if it is one's."""
    return session.scalar(select(Call.sid).join(Voicemail, Voicemail.call_id == Call.id)
                          .where(Voicemail.recording_sid == recording_sid))


def transcribed_by_twilio(row: Voicemail, text: str) -> None:
    """Twilio's own transcription, for steps with `transcribe: true`; the pipeline prefers
    it when it comes in time."""
    row.twilio_transcript = text
