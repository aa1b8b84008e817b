"""The voicemail pipeline (OM-4, OM-7, OM-9): fetch the recording, prepare and transcribe it,
understand it, then send the caller a quote by SMS or give the message to a person.

The recording callback only stores the voicemail and queues `process_voicemail`; all the
work happens in the worker. The voicemail row carries the state, committed after each stage,
so a crash resumes where it stopped (`sweep`), and a job run twice finds its work done:

    received -> fetched -> transcribed -> quoted | for-person
    or, for a person too: needs-transcription (no recognizer, a model of another language,
    a recognizer that failed), unusable (the audio), failed (the recording could not be
    fetched, or its URL was refused)

What went wrong is stored on the voicemail as a short reason code (`FETCH_FAILED`...), which
the desk, the call note and `voicebot journal` put in words (voicebot/language/failures.py);
the details, exception text included, go to the log only.

One voicemail never gets two quotes: the quote is unique per voicemail and its SMS goes
through the outbox under the dedupe key `quote-<voicemail id>`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from voicebot import db
from voicebot.clock import clock
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.model import Flow, RecordsVoicemail
from voicebot.jobs import TRANSCRIPTION, enqueue, job, known
from voicebot.models import (
    Call,
    EventKind,
    Message,
    MessagePurpose,
    Voicemail,
    VoicemailStatus,
    utcnow,
)
from voicebot.phones import mask
from voicebot.services import calls, messages, quotes, tickets
from voicebot.speech import audio as speech_audio
from voicebot.speech.choice import TwilioText, choose, first_transcript
from voicebot.speech.transcript import NO_RECOGNIZER, TRANSCRIPTION_FAILED
from voicebot.speech.whisper_recognizer import hint
from voicebot.telephony import (
    RecordingFetchFailed,
    RecordingNotReady,
    RecordingRefused,
    Telephony,
    telephony,
)
from voicebot.voicemail import mailing, staff, wording
from voicebot.voicemail.quote import quote_sms
from voicebot.voicemail.understand import Understanding, understand

log = logging.getLogger("voicebot.voicemail")

RECEIVED, FETCHED, TRANSCRIBED = (VoicemailStatus.RECEIVED, VoicemailStatus.FETCHED,
                                  VoicemailStatus.TRANSCRIBED)
QUOTED, FOR_PERSON = VoicemailStatus.QUOTED, VoicemailStatus.FOR_PERSON
NEEDS_TRANSCRIPTION, UNUSABLE, FAILED = (VoicemailStatus.NEEDS_TRANSCRIPTION,
                                         VoicemailStatus.UNUSABLE, VoicemailStatus.FAILED)
WORKING = (RECEIVED, FETCHED, TRANSCRIBED)
"""Statuses the pipeline still has work in; every other one is final."""
FETCH_FAILED, EMPTY_RECORDING, FLOW_MISSING = "fetch_failed", "empty_recording", "flow_missing"
"""Reason codes stored on a voicemail, with those of voicebot.speech.transcript; never prose."""
MAX_RETRY_DELAY = 300.0


def job_key(voicemail_id: int) -> str:
    return f"voicemail-{voicemail_id}"


def voicemail_step(call: Call | None, flow: Flow | None) -> RecordsVoicemail | None:
    """The voicemail step the call recorded in: the last one the journal shows it entering."""
    session = object_session(call) if call is not None else None
    if call is None or flow is None or session is None:
        return None
    for state in calls.states_of(session, call, EventKind.VOICEMAIL):
        step = flow.states.get(state)
        if isinstance(step, RecordsVoicemail):
            return step
    return None


def quote_wanted(call: Call | None, flow: Flow | None) -> bool:
    """Whether the voicemail step the call recorded in asked for a quote (`quote: true`)."""
    step = voicemail_step(call, flow)
    return step.quote if step is not None else True


def start(app: Flask, voicemail_id: int, at: dt.datetime | None = None) -> None:
    enqueue(app, process_voicemail, voicemail_id, at=at, key=job_key(voicemail_id))


@job(queue=TRANSCRIPTION)
def process_voicemail(app: Flask, voicemail_id: int) -> None:
    with db.session_scope(app) as session:
        row = session.get(Voicemail, voicemail_id)
        if row is None:
            log.warning("voicemail %s is gone: nothing to do", voicemail_id)
            return
        if row.status not in WORKING:
            return
        Processing(app, session, row).run()
        if row.status not in WORKING:
            mailing.voicemail_finished(app, session, row)


def sweep(app: Flask, now: dt.datetime) -> None:  # noqa: ARG001  every sweep job takes (app, now)
    """Queue again the voicemails a crash left half-done: still working, untouched for
    VOICEBOT_STUCK_AFTER seconds, and with no job pending for them."""
    stuck_after = dt.timedelta(seconds=float(app.config["STUCK_AFTER"]))
    with db.session_scope(app) as session:
        # How long a row has been untouched is real time, whatever the engine's clock says.
        stuck = session.scalars(
            select(Voicemail.id).where(Voicemail.status.in_(WORKING),
                                       Voicemail.updated_at < utcnow() - stuck_after)
        ).all()
    queued = known(app, [job_key(i) for i in stuck])
    for voicemail_id in stuck:
        if job_key(voicemail_id) not in queued:
            log.warning("voicemail %s was left half-done: queued again", voicemail_id)
            start(app, voicemail_id)


def understanding_record(found: Understanding) -> dict[str, Any]:
    service = found.service
    return {
        "service": service.id if service else None,
        "service_name": service.name if service else None,
        "is_service_request": found.is_service_request,
        "reason": found.reason,
        "caller_name": found.caller_name,
        "callback_number": found.callback_number,
        "urgency": found.urgency,
        "matched_words": list(found.matched_words),
    }


class Processing:
    """One run of the pipeline over one voicemail."""

    def __init__(self, app: Flask, session: Session, row: Voicemail) -> None:
        self.app = app
        self.session = session
        self.row = row
        self.now = clock(app).now()
        self.telephony: Telephony = telephony(app)
        self.call = session.get(Call, row.call_id) if row.call_id else None
        self.flow = self._flow()
        messages.send_here(session)

    def _flow(self) -> Flow | None:
        return flow_or_none(self.row.flow_id, self.app)

    @property
    def recordings(self) -> Path:
        return Path(self.app.config["RECORDINGS_DIR"])

    @property
    def language(self) -> str:
        return self.row.language or (self.flow.language if self.flow else "en-US")

    def run(self) -> None:
        if self.flow is None:
            log.error("voicemail %s: its flow %r is not loaded", self.row.id, self.row.flow_id)
            self.to_person(FAILED, "failed", FLOW_MISSING)
            return
        if self.row.status == FETCHED and not (self.recordings / self.row.audio_path).is_file():
            log.warning("voicemail %s: its audio file is missing; fetching it again", self.row.id)
            self.row.status = RECEIVED
        if self.row.status == RECEIVED and not self.fetch():
            return
        if self.row.status == FETCHED and not self.transcribe():
            return
        if self.row.status == TRANSCRIBED:
            self.decide()

    # -- fetching ---------------------------------------------------------------------------
    def fetch(self) -> bool:
        row = self.row
        try:
            media = self.telephony.recording_media_url(row.recording_url, row.recording_sid)
        except RecordingRefused as exc:
            log.error("voicemail %s: %s", row.id, exc)
            self.to_person(FAILED, "failed", FETCH_FAILED)
            return False
        if self.telephony.dry_run:
            return self.take_dry_run_recording()
        row.fetch_attempts += 1
        try:
            data = self.telephony.fetch_recording(media)
        except RecordingNotReady as exc:
            tries = int(self.app.config["RECORDING_FETCH_TRIES"])
            if row.fetch_attempts >= tries:
                log.error("voicemail %s: the recording could not be fetched in %d tries: %s",
                          row.id, tries, exc)
                self.to_person(FAILED, "failed", FETCH_FAILED)
                return False
            delay = min(float(self.app.config["RECORDING_RETRY_SECONDS"])
                        * 2 ** (row.fetch_attempts - 1), MAX_RETRY_DELAY)
            self.session.commit()
            log.info("voicemail %s: fetch try %d: %s; trying again in %g s", row.id,
                     row.fetch_attempts, exc, delay)
            start(self.app, row.id, at=self.now + dt.timedelta(seconds=delay))
            return False
        except RecordingFetchFailed as exc:
            log.error("voicemail %s: the recording could not be fetched: %s", row.id, exc)
            self.to_person(FAILED, "failed", FETCH_FAILED)
            return False
        name = f"{row.recording_sid}.wav"
        self.recordings.mkdir(parents=True, exist_ok=True)
        partial = self.recordings / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.recordings / name)  # never a half-written file under its name
        row.audio_path, row.status, row.error = name, FETCHED, ""
        self.session.commit()
        log.info("voicemail %s: recording %s fetched (%d bytes)", row.id, row.recording_sid,
                 len(data))
        return True

    def take_dry_run_recording(self) -> bool:
        """Dry-run: no Twilio holds the recording and nothing is fetched (no credentials, and
        nothing leaves the machine). The call emulator puts the caller's audio where a fetch
        would have stored it: RECORDINGS_DIR/<recording SID>.wav. The SID was checked above
        (RE + 32 hex digits, of the callback), so the name cannot leave that folder."""
        row = self.row
        name = f"{row.recording_sid}.wav"
        if not (self.recordings / name).is_file():
            log.error("voicemail %s: dry-run, and no recording %s in %s (the call emulator "
                      "puts it there): nothing is fetched from Twilio", row.id, name, self.recordings)
            self.to_person(FAILED, "failed", FETCH_FAILED)
            return False
        row.audio_path, row.status, row.error = name, FETCHED, ""
        self.session.commit()
        log.info("voicemail %s: dry-run recording %s taken from %s", row.id, name, self.recordings)
        return True

    # -- transcribing -----------------------------------------------------------------------
    def transcribe(self) -> bool:
        row = self.row
        try:
            audio = speech_audio.check((self.recordings / row.audio_path).read_bytes())
        except speech_audio.Unusable as exc:
            log.warning("voicemail %s: %s", row.id, exc)
            self.to_person(UNUSABLE, "unusable", EMPTY_RECORDING if exc.empty else TRANSCRIPTION_FAILED)
            return False
        step = voicemail_step(self.call, self.flow)
        waited_until = row.created_at + dt.timedelta(
            seconds=float(self.app.config["TWILIO_TRANSCRIPTION_WAIT"]))
        twilio = TwilioText(requested=bool(step and step.transcribe), text=row.twilio_transcript,
                            may_still_come=self.now < waited_until)
        try:
            choice = choose(self.app.config, self.language, twilio, hint(self.flow))
        except ValueError as exc:  # a misconfigured VOICEBOT_TRANSCRIBERS
            log.error("voicemail %s: %s", row.id, exc)
            self.to_person(NEEDS_TRANSCRIPTION, "needs-transcription", NO_RECOGNIZER)
            return False
        if choice.wait_for_twilio:
            log.info("voicemail %s: waiting for Twilio's transcription until %s", row.id,
                     waited_until.isoformat())
            start(self.app, row.id, at=waited_until)
            return False
        heard = first_transcript(choice, audio, self.language, f"voicemail {row.id}")
        if heard is not None:
            row.transcript, row.transcriber = heard.text, heard.transcriber
            row.words = [w.as_dict() for w in heard.words]
            row.status, row.error = TRANSCRIBED, ""
            self.event("transcript", heard.text, transcriber=heard.transcriber)
            self.session.commit()
            log.info("voicemail %s transcribed by %s: %r", row.id, heard.transcriber, heard.text)
            return True
        reason = f"no speech recognizer for {self.language}: " + "; ".join(choice.passed_over)
        log.error("voicemail %s from %s: %s", row.id, mask(row.from_number), reason)
        self.to_person(NEEDS_TRANSCRIPTION, "needs-transcription", choice.failure_code())
        return False

    # -- deciding ---------------------------------------------------------------------------
    def decide(self) -> None:
        row, flow = self.row, self.flow
        assert flow is not None
        found = understand(row.transcript, flow)
        row.understanding = understanding_record(found)
        body = quote_sms(flow, found, row.from_number, self.now,
                         line=messages.line_number(flow, self.call)) if row.quote_wanted else None
        if body is None:
            self.to_person(FOR_PERSON, found.reason or "no_quote", "", urgent=found.urgency == "urgent")
            return
        if not row.from_number.startswith("+"):
            self.to_person(FOR_PERSON, "no_number",
                           f"the caller's number is {row.from_number or 'hidden'}: no SMS possible")
            return
        self.send_quote(found, body)

    def send_quote(self, found: Understanding, body: str) -> None:
        row, flow, service = self.row, self.flow, found.service
        assert flow is not None and service is not None
        quote = quotes.store(self.session, row, flow_id=flow.id, service_id=service.id,
                             service_name=service.name, body=body, now=self.now)
        if quote is None:  # another run of this voicemail stored its quote first
            log.info("voicemail %s: its quote was already stored", row.id)
            return
        message = messages.queue(self.session, flow, to=row.from_number, body=body,
                                 purpose=MessagePurpose.QUOTE, call=self.call,
                                 key=f"quote-{row.id}")
        quote.message_id = message.id
        row.status, row.processed_at = QUOTED, self.now
        self.event("quote", body, service=service.id, quote_id=quote.id)
        if found.urgency == "urgent":
            self.notify("urgent", wording.text(
                "staff_urgent", self.language, caller=row.from_number, name=self._name(),
                service=service.name, said=wording.excerpt(row.transcript, self.language)))
        self.session.commit()
        self.deliver()
        sent = self.session.get(Message, message.id)
        if sent is not None and sent.status == "failed":
            quote.status = "failed"
            self.to_person(FOR_PERSON, "quote-failed", sent.error)
            return
        log.info("voicemail %s: quote for %s sent to %s", row.id, service.id, mask(row.from_number))

    def _name(self) -> str:
        name = self.row.understanding.get("caller_name") if self.row.understanding else None
        return f" ({name})" if name else ""

    # -- people -----------------------------------------------------------------------------
    def to_person(self, status: str, reason: str, code: str, *, urgent: bool = False) -> None:
        """End here: a ticket for a person, and the flow's staff told by SMS (OM-9). `code`:
        the short reason code of a failure (or Twilio's error code), stored for the desk."""
        row = self.row
        row.status, row.error, row.processed_at = status, code, self.now
        why = wording.why(reason, self.language)
        text = wording.text("staff_for_person", self.language, urgent="", caller=row.from_number,
                            name=self._name(), why=why,
                            said=wording.excerpt(row.transcript, self.language))
        notify = self.flow.quotes.notify if self.flow and self.flow.quotes else ()
        if self.flow is not None and tickets.open(
                self.session, self.flow, key=job_key(row.id), call_id=row.call_id,
                kind="voicemail", text=text, phone=row.from_number, urgent=urgent,
                assign_role=notify[0] if notify else None, now=self.now,
                fields={"reason": reason, "code": code, "transcript": row.transcript,
                        "recording_sid": row.recording_sid}) is not None:
            urgent_mark = wording.text("urgent", self.language) if urgent else ""
            self.notify("person", urgent_mark + text)
        self.event("for-person", why, status=status, code=code)
        self.session.commit()
        log.log(logging.WARNING if status != FOR_PERSON else logging.INFO,
                "voicemail %s from %s goes to a person (%s): %s", row.id, mask(row.from_number),
                status, code or why)
        self.deliver()

    def notify(self, tag: str, body: str) -> None:
        assert self.flow is not None
        staff.notify(self.session, self.flow, body=body, call=self.call,
                     key=f"voicemail-{self.row.id}-{tag}")

    def deliver(self) -> None:
        """Send now, in this job: whether the quote went out decides what happens next."""
        messages.send_now(self.app, self.session)

    def event(self, kind: str, text: str, **data: Any) -> None:
        if self.call is not None:
            calls.add_event(self.call, self.now, kind, text, voicemail_id=self.row.id, **data)
