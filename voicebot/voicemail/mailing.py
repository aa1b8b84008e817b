"""Voicemail to e-mail (issue 18): once the pipeline has finished with a voicemail (quoted,
or given to a person), it is mailed to the roles the flow's `voicemail_email:` names, with
the transcript, the service understood, the quote sent and the recording attached.

The `Email` row is the outbox, written once per voicemail under a dedupe key, then claimed
with a conditional update before the SMTP conversation: a job run twice, or a sweep racing
the job, finds it claimed or sent and mails nothing again. When the server is down or not
set up, the row goes back to pending with the reason (shown in the journal and on the desk)
and a job is set for the next try, with a doubling delay up to an hour; nothing is dropped.
Without any server set up, rows are written and left pending: the sweep sends them once
VOICEBOT_SMTP_HOST is set.
One gap is left, as for any SMTP client: a crash after the server took the message and
before the row says so sends it again after VOICEBOT_STUCK_AFTER; the fixed Message-ID lets
the mailbox show it as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from voicebot import db, mail
from voicebot.clock import clock
from voicebot.flows.catalog import catalog, flow_or_none
from voicebot.flows.model import Flow
from voicebot.jobs import enqueue, job, known
from voicebot.language.tags import language_family
from voicebot.models import Call, Email, Quote, Voicemail, utcnow
from voicebot.phones import mask
from voicebot.services import emails
from voicebot.services.calls import add_event
from voicebot.telephony import public_url_or_none

log = logging.getLogger("voicebot.voicemail.mail")

MAX_DELAY = 3600.0
RECOVER_WITHIN = dt.timedelta(days=1)
"""Finished voicemails this recent with no e-mail row yet (a crash right after the pipeline)
are found by the sweep; older ones are left alone, so turning the feature on mails no
backlog."""

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Voicemail from {caller}{service} – {line}",
        "intro": "A voicemail for {line}.",
        "from": "From", "left": "Left", "seconds": "s", "transcript": "Transcript",
        "no_transcript": "no words could be made out",
        "service": "Service understood", "none": "none",
        "quote": "Quote sent by SMS", "no_quote": "No quote was sent",
        "status": "Status", "attached": "The recording is attached ({name}).",
        "not_attached": "The recording is not attached: {why}.",
        "no_audio": "it was not fetched", "desk": "On the desk",
        "sent": "sent", "approved": "approved", "declined": "declined", "failed": "failed",
        "state:quoted": "quoted by SMS", "state:for-person": "needs a person",
        "state:unusable": "needs a person: the recording is unusable",
        "state:needs-transcription": "needs a person: no speech recognizer for it",
        "state:failed": "needs a person: the recording could not be fetched",
    },
    "ru": {
        "subject": "Голосовое сообщение от {caller}{service} – {line}",
        "intro": "Голосовое сообщение для линии «{line}».",
        "from": "От", "left": "Оставлено", "seconds": "с", "transcript": "Расшифровка",
        "no_transcript": "слов разобрать не удалось",
        "service": "Распознанная услуга", "none": "нет",
        "quote": "Расценка по SMS", "no_quote": "Расценка не отправлялась",
        "status": "Состояние", "attached": "Запись во вложении ({name}).",
        "not_attached": "Запись не вложена: {why}.",
        "no_audio": "её не удалось получить", "desk": "На пульте",
        "sent": "отправлена", "approved": "одобрена", "declined": "отклонена",
        "failed": "не отправлена",
        "state:quoted": "отправлена расценка", "state:for-person": "нужен сотрудник",
        "state:unusable": "нужен сотрудник: запись непригодна",
        "state:needs-transcription": "нужен сотрудник: нечем распознать речь",
        "state:failed": "нужен сотрудник: запись не удалось получить",
    },
}


def job_key(email_id: int) -> str:
    return f"email-{email_id}"


def _flow(app: Flask, flow_id: str) -> Flow | None:
    return flow_or_none(flow_id, app)


def recipients(flow: Flow) -> list[str]:
    if flow.voicemail_email is None:
        return []
    found = [m.email for role in flow.voicemail_email.to for m in flow.members(role) if m.email]
    return list(dict.fromkeys(found))


def voicemail_finished(app: Flask, session: Session, row: Voicemail) -> None:
    """The pipeline is done with `row`: write its e-mail to the outbox (once) and queue it."""
    flow = _flow(app, row.flow_id)
    to = recipients(flow) if flow is not None else []
    if not to:
        return
    now = clock(app).now()
    ready = mail.configured(app.config)
    email = emails.write(session, row, to, now=now, error="" if ready else mail.NOT_SET_UP)
    if email is None:  # written already: the run that wrote it queues it
        return
    call = session.get(Call, row.call_id) if row.call_id else None
    if not ready and call is not None:
        add_event(call, now, "email-failed", mail.NOT_SET_UP, email_id=email.id)
    session.commit()
    if ready:
        enqueue(app, send_voicemail_email, email.id, key=job_key(email.id))
    else:
        # Kept, not tried: once the server is set up, the worker's sweep sends the backlog.
        log.warning("voicemail %s not e-mailed yet: %s", row.id, mail.NOT_SET_UP)


@job
def send_voicemail_email(app: Flask, email_id: int) -> None:
    now = clock(app).now()
    with db.session_scope(app) as session:
        claimed = cast(CursorResult[Any], session.execute(
            update(Email).where(Email.id == email_id, Email.status == "pending")
            .values(status="sending", updated_at=utcnow()))).rowcount
        session.commit()
        if claimed != 1:
            return  # sent already, or another run holds it
        email = session.get(Email, email_id)
        assert email is not None
        vm = session.get(Voicemail, email.voicemail_id) if email.voicemail_id else None
        flow = _flow(app, email.flow_id)
        call = session.get(Call, vm.call_id) if vm is not None and vm.call_id else None
        try:
            if vm is None or flow is None:
                raise mail.MailNotSent(f"its voicemail or flow {email.flow_id!r} is gone")
            message = compose(app, session, flow, vm, email.to)
            mail.send(app.config, message)
        except mail.MailNotSent as exc:
            email.attempts += 1
            delay = min(float(app.config["SMTP_RETRY_SECONDS"]) * 2 ** (email.attempts - 1),
                        MAX_DELAY)
            email.status, email.error = "pending", str(exc)
            email.next_at = now + dt.timedelta(seconds=delay)
            if call is not None and email.attempts == 1:
                add_event(call, now, "email-failed", str(exc), email_id=email.id)
            session.commit()
            log.warning("voicemail e-mail %s (try %d) not sent: %s; trying again in %g s",
                        email.id, email.attempts, exc, delay)
            enqueue(app, send_voicemail_email, email.id, at=email.next_at, key=job_key(email.id))
            return
        email.attempts += 1
        email.status, email.error, email.sent_at, email.next_at = "sent", "", now, None
        if call is not None:
            add_event(call, now, "email", ", ".join(email.to), email_id=email.id)
        session.commit()
        log.info("voicemail %s from %s e-mailed to %d address(es)", vm.id, mask(vm.from_number),
                 len(email.to))


def compose(app: Flask, session: Session, flow: Flow, vm: Voicemail, to: list[str]) -> EmailMessage:
    words = WORDS[language_family(flow.language)]
    quote = session.scalar(select(Quote).where(Quote.voicemail_id == vm.id))
    understood = vm.understanding or {}
    service = str(understood.get("service_name") or (quote.service_name if quote else "") or "")
    caller = vm.from_number or "?"
    message = EmailMessage()
    sender = mail.sender(app.config)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = words["subject"].format(
        caller=caller, service=f" ({service})" if service else "", line=flow.name)
    # Fixed per voicemail: a copy sent again after a crash is shown as the same message.
    message["Message-ID"] = make_msgid(f"voicemail-{vm.id}.{vm.recording_sid}",
                                       domain=sender.rpartition("@")[2] or "voicebot")
    message["Date"] = format_datetime(vm.created_at)
    left = vm.created_at.astimezone(ZoneInfo(flow.timezone)).strftime("%Y-%m-%d %H:%M %Z")
    name = understood.get("caller_name")
    lines = [words["intro"].format(line=flow.name), "",
             f"{words['from']}: {caller}" + (f" ({name})" if name else ""),
             f"{words['left']}: {left}, {vm.duration} {words['seconds']}",
             f"{words['transcript']}: " + (f"“{vm.transcript}”" if vm.transcript
                                           else words["no_transcript"]),
             f"{words['service']}: {service or words['none']}"]
    if quote is not None:
        lines.append(f"{words['quote']} ({words.get(quote.status, quote.status)}): {quote.body}")
    else:
        lines.append(words["no_quote"] + ".")
    state = words.get(f"state:{vm.status}", vm.status)
    lines.append(f"{words['status']}: {state}" + (f" ({vm.error})" if vm.error else ""))
    audio = Path(app.config["RECORDINGS_DIR"]) / vm.audio_path if vm.audio_path else None
    attach = flow.voicemail_email is not None and flow.voicemail_email.attach_audio
    if attach and audio is not None and audio.is_file():
        lines += ["", words["attached"].format(name=audio.name)]
    elif attach:
        lines += ["", words["not_attached"].format(why=words["no_audio"])]
    desk = public_url_or_none(app, "admin.handoff", number=vm.from_number)
    if desk:
        lines += [f"{words['desk']}: {desk}"]
    message.set_content("\n".join(lines) + "\n")
    if attach and audio is not None and audio.is_file():
        message.add_attachment(audio.read_bytes(), maintype="audio", subtype="wav",
                               filename=audio.name)
    return message


def sweep(app: Flask, now: dt.datetime) -> None:
    """Mail what a crash left behind: a claim never finished, a pending row whose job is
    gone, a finished voicemail whose row was never written."""
    stuck_after = dt.timedelta(seconds=float(app.config["STUCK_AFTER"]))
    with db.session_scope(app) as session:
        session.execute(update(Email).where(Email.status == "sending",
                                            Email.updated_at < utcnow() - stuck_after)
                        .values(status="pending", updated_at=utcnow()))
        session.commit()
        waiting = session.execute(select(Email.id, Email.next_at).where(Email.status == "pending")
                                  .limit(1000)).all() if mail.configured(app.config) else []
        queued = known(app, [job_key(i) for i, _ in waiting])
        for email_id, next_at in waiting:
            if job_key(email_id) not in queued:
                enqueue(app, send_voicemail_email, email_id, at=next_at, key=job_key(email_id))
        mailing = [f.id for f in catalog(app).flows() if recipients(f)]
        if not mailing:
            return
        unmailed = session.scalars(
            select(Voicemail).outerjoin(Email, Email.voicemail_id == Voicemail.id)
            .where(Email.id.is_(None), Voicemail.flow_id.in_(mailing),
                   Voicemail.processed_at >= now - RECOVER_WITHIN).limit(1000)).all()
        for vm in unmailed:
            log.warning("voicemail %s was finished but not mailed: mailing it now", vm.id)
            voicemail_finished(app, session, vm)
