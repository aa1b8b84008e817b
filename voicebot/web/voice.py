"""The public webhook URLs Twilio calls. Every route here is signature-checked.

Stable, documented URLs (paste them into the Twilio console):
  POST /twilio/voice            incoming call
  POST /twilio/voice/status     call status callback
  POST /twilio/recording        recording status callback
  POST /twilio/sms              incoming SMS
  POST /twilio/sms/status       message status callback
  POST /twilio/transcription    Twilio's transcription of a voicemail (transcribeCallback)
  POST /twilio/fallback         the number's fallback URL: an apology and a message, no database
The rest (`/twilio/voice/step`, `/twilio/voice/queue-wait`, `/twilio/voice/whisper`,
`/twilio/fallback/done`) are continuation URLs that voicebot writes into its own TwiML. Hold
music from `audio/` is served, unsigned, by voicebot.web.audio. Every field is read through
voicebot.web.params.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest, HTTPException

from voicebot import db, spool
from voicebot.callbacks.runner import dial_finished
from voicebot.clock import clock
from voicebot.compiler.registry import registry
from voicebot.engine import runner
from voicebot.engine.effects import Effects
from voicebot.engine.phrases import phrase
from voicebot.engine.runner import Turn
from voicebot.engine.steps.answer_queue import AnswerQueue
from voicebot.engine.steps.queue import Queue, spoken_minutes
from voicebot.engine.steps.transfer import Transfer
from voicebot.flows import texts
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.model import Flow
from voicebot.language.tags import language_family
from voicebot.models import Call, CallOutcome, EventKind, QueueEntry
from voicebot.phones import is_e164, mask
from voicebot.services import callbacks, calls, conversations, kept_places, messages, voicemails
from voicebot.services import queue as queues
from voicebot.services.calls import CallRow, CallView
from voicebot.telephony import FINAL_CALL_STATUSES
from voicebot.voicemail import pipeline, replies
from voicebot.web.params import (
    Answered,
    CallStatus,
    Continuation,
    IncomingCall,
    IncomingSms,
    QueueWait,
    Recording,
    SmsStatus,
    Transcription,
    Whisper,
    takes,
)
from voicebot.web.security import check_signature, signed_url
from voicebot.web.urls import Urls, absolute

log = logging.getLogger("voicebot.webhooks")

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
bp.before_request(check_signature)



def twiml(body: VoiceResponse | MessagingResponse | str) -> Response:
    return Response(str(body), mimetype="application/xml")


def run_turn(flow: Flow, call: CallRow, action: Callable[[Turn], None],
             reload: Callable[[], CallRow | None] | None = None) -> Response:
    """One webhook, one transaction: the turn's changes to the call's row (one UPDATE), its
    journal lines (one INSERT), its outbox (the worker sends its SMS after the commit) and
    its callbacks commit together, or, when a step fails, are rolled back for the apology
    and the fallback, on the call's row as it was before (committed by an earlier webhook
    and locked again; or, for a call this webhook created and the rollback took with it,
    made again by `reload`)."""
    session = db.session()
    now = clock().now()

    def new_turn(c: CallRow) -> tuple[Turn, Effects]:
        c.turn += 1
        effects = Effects(session)
        return Turn(flow=flow, call=c, effects=effects, now=now, urls=Urls()), effects

    turn, effects = new_turn(call)
    try:
        action(turn)
    except Exception as exc:
        log.error("%s", exc, exc_info=not hasattr(exc, "where"))
        session.rollback()
        fresh = reload() if reload is not None else calls.lock(session, call.sid)
        assert fresh is not None
        turn, effects = new_turn(fresh)
        runner.recover(turn, exc)
    turn.call.last_twiml = str(turn.response)
    if turn.ended:
        effects.pending += calls.close(turn.call, now, status=None)
    effects.write()
    calls.save(session, turn.call)
    session.commit()
    return twiml(turn.call.last_twiml)


def flow_for(to: str) -> Flow | None:
    flow = registry().for_number(to)
    default = current_app.config.get("DEFAULT_FLOW")
    if flow is None and default:
        flow = flow_or_none(default)
        if flow is None:
            log.error("VOICEBOT_DEFAULT_FLOW names %r, which is not loaded", default)
    return flow


def new_call(flow: Flow, sid: str, from_: str, to: str, direction: str = "inbound",
             variables: dict[str, str] | None = None) -> CallRow | None:
    """The call's row in the request's transaction, committed by its first turn; None for
    a copy of the webhook (`services.calls.open`)."""
    return calls.open(db.session(), flow, sid=sid, from_=from_, to=to, now=clock().now(),
                      direction=direction, variables=variables)


def _first(sid: str) -> Call:
    """The call a copy of this webhook created first."""
    first = calls.find(db.session(), sid)
    assert first is not None
    return first


@bp.post("/voice")
@takes(IncomingCall.parse)
def voice(params: IncomingCall) -> Response:
    sid, from_, to = params.call_sid, params.from_, params.to
    flow = flow_for(to)
    if flow is None:
        existing = calls.find(db.session(), sid)
        if existing is not None:
            return _replay_start(existing)
        log.warning("call to %s: no flow answers this number and no default flow is set", mask(to))
        reply = VoiceResponse()
        reply.say(phrase("unknown_number", "en"), language="en-US")
        reply.hangup()
        _journal_closed(sid, from_, to, None, CallOutcome.UNKNOWN_NUMBER, answer=str(reply))
        return twiml(reply)
    # Logged on arrival, before the row is written: a webhook stuck on the database shows.
    log.info("call %s from %s to %s: flow %s", sid, mask(from_), mask(to), flow.id)
    call = new_call(flow, sid, from_, to)
    if call is None:  # the same webhook again
        return _replay_start(_first(sid))
    return run_turn(flow, call, runner.start, reload=lambda: new_call(flow, sid, from_, to))


def _journal_closed(sid: str, from_: str, to: str, flow: Flow | None, outcome: str, *,
                   answer: str = "", flagged: str = "") -> Call:
    """Every call leaves a record, even one no flow ran (`services.calls.journal_closed`)."""
    session = db.session()
    call = calls.journal_closed(session, flow, sid=sid, from_=from_, to=to, outcome=outcome,
                                now=clock().now(), answer=answer, flagged=flagged)
    session.commit()
    return call


def _replay_start(call: CallView) -> Response:
    log.info("duplicate incoming-call webhook for %s: replayed", call.sid)
    if call.last_twiml:
        return twiml(call.last_twiml)
    # The first delivery is still being answered: come back for its answer in a second.
    reply = VoiceResponse()
    reply.pause(length=1)
    reply.redirect(url_for("twilio.voice"), method="POST")
    return twiml(reply)


def _one_at_a_time() -> None:
    """For webhooks that move a call on (a turn, a status, an answered dial): copies of one,
    and webhooks of one call, run one after the other, on SQLite too (db.serialise). Called
    before the request's first statement. The others need not wait: what they insert has a
    unique key, and a copy finds the first one's row."""
    db.serialise(db.session())


def _load_call(sid: str) -> CallRow | None:
    return calls.lock(db.session(), sid)


@bp.post("/voice/step")
@takes(Continuation.parse)
def step(params: Continuation) -> Response:
    sid, state, event, turn_no = params.call_sid, params.state, params.event, params.turn
    _one_at_a_time()
    call = _load_call(sid)
    if state == "__fallback__":  # a message after the apology: kept, whatever we know
        if call is not None:
            return _fallback_recorded(call, params)
        from_, to = params.caller()
        return _fallback_recorded(_journal_closed(sid, from_, to, flow_for(to),
                                                  CallOutcome.VOICEMAIL,
                                                  flagged="message left after an error"), params)
    if call is None:
        return _start_over(params)
    if call.ended_at is not None or turn_no != call.turn or state != call.state:
        log.info("call %s: replayed webhook (turn %s/%s, state %s/%s)", sid, turn_no, call.turn,
                 state, call.state)
        return twiml(call.last_twiml)
    flow = flow_or_none(call.flow_id)
    if flow is None:
        log.error("call %s: its flow %r is gone", sid, call.flow_id)
        reply = VoiceResponse()
        reply.say(phrase("unavailable", "en"))
        reply.hangup()
        return twiml(reply)
    return run_turn(flow, call, lambda t: runner.resume(t, event, params.reply))


def _start_over(params: Continuation) -> Response:
    """A continuation for a call we do not know (a lost database, an old URL): begin again."""
    sid, (from_, to) = params.call_sid, params.caller()
    flow = flow_for(to)
    if flow is None:
        abort(404)
    log.warning("call %s: continuation for an unknown call; starting the flow over", sid)

    def start_again(turn: Turn) -> None:
        turn.response.say(phrase("start_over", flow.language), voice=flow.voice,
                          language=flow.language)
        runner.start(turn)

    call = new_call(flow, sid, from_, to)
    if call is None:  # a copy of this continuation started it over first
        return twiml(_first(sid).last_twiml)
    return run_turn(flow, call, start_again, reload=lambda: new_call(flow, sid, from_, to))


def _fallback_recorded(call: CallView, params: Continuation) -> Response:
    recorded = params.reply
    if recorded.recording_sid:
        session = db.session()
        voicemails.store(session, call, call.flow_id, recorded.recording_sid,
                         recorded.recording_url, recorded.recording_duration, clock().now())
        calls.left_message(session, call.id)
        session.commit()
    reply = VoiceResponse()
    reply.hangup()
    return twiml(reply)


@bp.post("/voice/queue-wait")
@takes(QueueWait.parse)
def queue_wait(params: QueueWait) -> Response:
    session = db.session()
    call = calls.find(session, params.call_sid)
    reply = VoiceResponse()
    if call is None:
        reply.leave()
        return twiml(reply)
    flow = flow_or_none(call.flow_id)  # gone, or a call no flow ever answered
    step = flow.states.get(params.state) if flow is not None else None
    if isinstance(step, AnswerQueue):
        return _held_for_call_back(call)
    entry = queues.place_of(session, call.id)
    if flow is None or not isinstance(step, Queue) or entry is None:
        reply.leave()
        return twiml(reply)
    if params.waited >= step.max_wait:
        reply.leave()
        return twiml(reply)
    now = clock().now()
    if step.message_key and params.digits == step.message_key:
        if queues.chose_message(session, call.id, now):
            calls.event(session, call, now, EventKind.QUEUE_MESSAGE, step.message_key)
            session.commit()
        reply.leave()  # the Enqueue's action then takes them to the step's `message`
        return twiml(reply)
    say = {"voice": flow.voice, "language": flow.language}
    kept = step.keep_place
    offered = kept is not None and params.waited >= kept.offer_after
    if kept is not None and offered and params.digits == kept.key:
        if not is_e164(call.from_number):  # withheld: nobody to call back; they wait on
            reply.say(phrase("kept_withheld", flow.language), **say)
        elif kept_places.keep(session, call, step.id, now):
            session.commit()
            reply.leave()  # the Enqueue's action confirms the number and says goodbye
            return twiml(reply)
    told = calls.last_event_data(session, call, EventKind.QUEUE_TOLD)
    if told is None or told.get("entered") != entry.enqueued_at.isoformat() or (
            params.waited - int(told.get("waited", 0)) >= step.announce_every):
        _announce(reply, flow, step, call, entry, params.waited, offered=offered)
        session.commit()
    # The music (or a pause) inside a Gather, so the message key works at any moment.
    holder = (reply.gather(input="dtmf", num_digits=1, timeout=1, method="POST",
                           action=url_for("twilio.queue_wait", s=params.state))
              if step.message_key or offered else reply)
    if step.music:
        holder.play(step.music if "://" in step.music
                    else absolute(url_for("audio.audio", name=step.music.removeprefix("audio/"))))
    else:
        holder.pause(length=10)
    return twiml(reply)


def _announce(reply: VoiceResponse, flow: Flow, step: Queue, call: Call,
              entry: QueueEntry, waited: int, *, offered: bool) -> None:
    """The caller's place, the estimated wait, their keys and the step's hold lines."""
    session, now = db.session(), clock().now()
    say = {"voice": flow.voice, "language": flow.language}
    position = queues.position(session, entry)
    reply.say(phrase("queue_position", flow.language, position=position), **say)
    wait = queues.estimated_wait(session, entry, now)
    minutes = max(1, round(wait.total_seconds() / 60)) if wait is not None else None
    if minutes is not None:
        reply.say(phrase("queue_estimate", flow.language,
                         minutes=spoken_minutes(minutes, language_family(flow.language))),
                  **say)
    if step.message_key:
        reply.say(phrase("queue_message_key", flow.language, digit=step.message_key), **say)
    vals = texts.values(flow, call.vars, call.from_number, now)
    kept = step.keep_place
    offer_said = False  # the reports count the callers who heard it (voicebot.stats)
    if kept is not None and offered and (minutes is None or minutes >= kept.min_wait):
        offer_said = True
        for line in kept.offer:
            reply.say(texts.render(line, vals), **say)
        if not kept.offer:
            reply.say(phrase("kept_offer", flow.language, digit=kept.key), **say)
    calls.event(session, call, now, EventKind.QUEUE_TOLD, str(position), position=position,
                minutes=minutes, waited=waited, entered=entry.enqueued_at.isoformat(),
                offered=offer_said)
    for line in step.hold:
        reply.say(texts.render(line, vals), **say)


def _held_for_call_back(staff: Call) -> Response:
    """The wait loop of a staff member on hold while a kept place is called back: they wait
    while the call rings; a call back that reached nobody releases them (`<Leave>`), and the
    step's action tells them what happens next."""
    reply = VoiceResponse()
    if kept_places.held_for(db.session(), staff.id) is None:
        reply.leave()
    else:
        reply.pause(length=5)
    return twiml(reply)


@bp.post("/voice/whisper")
@takes(Whisper.parse)
def whisper(params: Whisper) -> Response:
    """The staff member who answered a transfer hears who is calling and why, and takes the
    call with 1 (the caller is connected when this TwiML ends) or passes it on with 2 or by
    pressing nothing (their leg hangs up; the dial's result sends the caller on)."""
    session = db.session()
    call = calls.find(session, params.parent_sid)
    flow = flow_or_none(call.flow_id) if call is not None else None
    step = flow.states.get(params.state) if flow is not None else None
    reply = VoiceResponse()
    if (call is None or flow is None or not isinstance(step, Transfer) or not step.whisper
            or call.ended_at is not None):
        reply.hangup()  # the caller is gone (or the flow changed): nobody to connect
        return twiml(reply)
    say = {"voice": flow.voice, "language": flow.language}
    answer = url_for("twilio.whisper", c=params.parent_sid, s=params.state, t=params.turn,
                     m=params.member, e="answer")
    if params.event == "ask":
        gather = reply.gather(input="dtmf", num_digits=1, timeout=6, action=answer,
                              method="POST")
        vals = texts.values(flow, call.vars, call.from_number, clock().now())
        for line in step.whisper:
            gather.say(texts.render(line, vals), **say)
        gather.say(phrase("whisper_keys", flow.language), **say)
        reply.redirect(answer, method="POST")  # nothing pressed: passed on
        return twiml(reply)
    taken = params.digits == "1"
    calls.whisper_answered(session, call, clock().now(), state=params.state, turn=params.turn,
                           member=params.member, taken=taken)
    session.commit()
    if not taken:
        reply.say(phrase("whisper_passed", flow.language), **say)
        reply.hangup()
    return twiml(reply)


@bp.post("/voice/status")
@takes(CallStatus.parse)
def voice_status(params: CallStatus) -> Response:
    """Status of any call: an inbound one (the console's "call status changes" URL) or one we
    placed, which may never have reached the flow (busy, no answer). Copies and late arrivals
    are harmless: statuses only move forward and each ending is acted on once."""
    sid, status = params.call_sid, params.status
    _one_at_a_time()
    session = db.session()
    now = clock().now()
    call = _load_call(sid)
    # Only calls we placed have a dial (telephony stores its call SID): an inbound call's
    # status asks nothing about dials.
    dial = None if call is not None and call.direction == "inbound" else \
        calls.dial_of(session, sid)
    if call is None and dial is None:
        log.info("status %s for unknown call %s: ignored", status, sid)
        return Response(status=204)
    final = status in FINAL_CALL_STATUSES
    if call is not None:
        flow = flow_or_none(call.flow_id)
        calls.status_reported(session, call, status, now, final=final, duration=params.duration)
        if final and flow is not None:
            callbacks.call_ended(session, flow, call, now)
        calls.save(session, call)
    if dial is not None:
        calls.dial_reported(dial, status, params.answered_by)
    session.commit()
    if dial is not None and status in FINAL_CALL_STATUSES:
        dial_finished(session, dial, status, now)
    return Response(status=204)


@bp.post("/voice/outbound")
@takes(Answered.parse)
def outbound(params: Answered) -> Response:
    """A call we placed was answered: Twilio asks what to say. The call starts in the flow
    state its dial names (a redial, a visit confirmation), with the dial's variables."""
    sid, to, dial_id = params.call_sid, params.to, params.dial_id
    _one_at_a_time()
    session = db.session()
    existing = calls.find(session, sid)
    if existing is not None:
        return twiml(existing.last_twiml)
    dial = calls.dial_by_id(session, dial_id)
    if dial is None or dial.to_number != to or dial.call_sid not in (None, sid):
        log.warning("outbound webhook for call %s matches no dial we placed", sid)
        reply = VoiceResponse()
        reply.hangup()
        return twiml(reply)
    answered_by = params.answered_by
    calls.dial_answered(dial, sid, answered_by)
    flow = flow_or_none(dial.flow_id)
    if flow is None or answered_by.startswith(("machine", "fax")):
        # A machine is not the client: hang up, and the call's end counts as not reached.
        reason = f"answered by {answered_by}" if flow else f"flow {dial.flow_id!r} is gone"
        log.info("outbound call %s to %s: %s; hanging up", sid, mask(to), reason)
        session.commit()
        reply = VoiceResponse()
        reply.hangup()
        return twiml(reply)
    session.commit()
    entry = dial.entry

    def create() -> CallRow | None:
        return new_call(flow, sid, dial.from_number, to, direction="outbound",
                        variables=dict(dial.vars))

    call = create()
    if call is None:  # the same webhook twice at once
        return twiml(_first(sid).last_twiml)
    return run_turn(flow, call, lambda t: runner.start(t, entry=entry), reload=create)


@bp.post("/recording")
@takes(Recording.parse)
def recording(params: Recording) -> Response:
    rec_sid, call_sid, status = params.recording_sid, params.call_sid, params.status
    session = db.session()
    call = calls.find(session, call_sid)
    if status != "completed":
        log.warning("recording %s of call %s: status %s", rec_sid, call_sid, status)
        return Response(status=204)
    if call is None and params.fallback_caller is not None:
        call = _fallback_call(call_sid, *params.fallback_caller)
    if params.whole_call:
        return _call_recorded(call, params)
    owner = voicemails.owner(session, rec_sid)
    if owner is not None and owner != call_sid:
        # Twilio never gives two calls one recording: this is forged or mixed up. The voicemail
        # stays with its call. 409 rather than a silent 204: Twilio does not retry a 4xx, and
        # shows it in its debugger, where the operator sees it next to this log line.
        log.warning("recording %s belongs to call %s, not %s: refused", rec_sid, owner, call_sid)
        return Response(f"recording {rec_sid} belongs to another call\n", status=409,
                        mimetype="text/plain")
    # No work here: Twilio wants its answer in milliseconds; the worker does the rest (OM-4).
    flow = flow_or_none(call.flow_id) if call else None
    row, begin = voicemails.recorded(session, call, flow, rec_sid, params.url, params.duration,
                                     clock().now(), quote_wanted=pipeline.quote_wanted(call, flow))
    session.commit()
    if begin:
        pipeline.start(current_app, row.id)
    log.info("recording %s stored as voicemail %s (%s)", rec_sid, row.id,
             "queued" if begin else f"already {row.status}")
    return Response(status=204)


def _fallback_call(sid: str, from_: str, to: str) -> Call:
    """The journal entry of a call the fallback URL answered while the database was down:
    who called which line comes from the callback URL the fallback wrote (signed by Twilio)."""
    flow = flow_for(to)
    log.info("call %s from %s: message left through the fallback URL", sid, mask(from_))
    return _journal_closed(sid, from_, to, flow, CallOutcome.VOICEMAIL,
                           flagged="answered by the fallback: the database was down")


@bp.post("/fallback")
@takes(IncomingCall.parse)
def fallback(params: IncomingCall) -> Response:
    """Twilio's Voice fallback URL (the console's "Primary handler fails"), and the answer to
    a call in progress when the database stops answering: needs no database. The caller hears
    the line's apology and leaves a message; the recording callback comes back to
    /twilio/recording, and is kept (voicebot.spool) until the database is back."""
    sid, from_, to = params.call_sid, params.from_, params.to
    log.warning("call %s to %s answered by the fallback (Twilio error %s)", sid, mask(to),
                params.error_code or "none")
    reply = VoiceResponse()
    flow = flow_for(to)
    if flow is None:
        reply.say(phrase("unavailable", "en"), language="en-US")
        reply.hangup()
        return twiml(reply)
    values = texts.values(flow, {}, from_, clock().now())
    for line in flow.apology:
        reply.say(texts.render(line, values), voice=flow.voice, language=flow.language)
    reply.record(action=url_for("twilio.fallback_done"), method="POST", max_length=120,
                 play_beep=True, recording_status_callback_event="completed",
                 recording_status_callback=Urls().fallback_recording_status(from_, to))
    reply.hangup()
    return twiml(reply)


@bp.post("/fallback/done")
def fallback_done() -> Response:
    """After the fallback's recording: goodbye. The message comes by the recording callback."""
    reply = VoiceResponse()
    reply.hangup()
    return twiml(reply)


@bp.post("/transcription")
@takes(Transcription.parse)
def transcription(params: Transcription) -> Response:
    """Twilio's own transcription of a voicemail, for steps with `transcribe: true`."""
    rec_sid, status, text = params.recording_sid, params.status, params.text
    session = db.session()
    row = voicemails.by_recording(session, rec_sid)
    if row is None:
        log.warning("transcription of unknown recording %s: ignored", rec_sid)
        return Response(status=204)
    if status != "completed" or not text:
        log.warning("Twilio could not transcribe recording %s (%s); voicemail %s is transcribed "
                    "here instead", rec_sid, status or "no status", row.id)
        return Response(status=204)
    voicemails.transcribed_by_twilio(row, text)
    session.commit()
    if row.status == pipeline.FETCHED:  # it is waiting for this text: go on now
        pipeline.start(current_app, row.id)
    return Response(status=204)


def _call_recorded(call: Call | None, params: Recording) -> Response:
    """A whole-call recording (TS-10) belongs to the call's record, not to the voicemails."""
    rec_sid, duration = params.recording_sid, params.duration
    if call is None:
        log.warning("call recording %s for an unknown call: ignored", rec_sid)
        return Response(status=204)
    calls.recorded(db.session(), call, rec_sid, params.url, duration, clock().now())
    db.session().commit()
    return Response(status=204)


@bp.post("/sms")
@takes(IncomingSms.parse)
def sms(params: IncomingSms) -> Response:
    sid, from_, to, body = params.message_sid, params.from_, params.to, params.body
    session = db.session()
    flow = flow_for(to)
    message = messages.by_sid(session, sid)
    if message is not None:  # Twilio delivered it again: the same answer, nothing done twice
        return _sms_reply(replies.replayed(session, message, flow))
    message = messages.received(session, flow, sid=sid, from_=from_, to=to, body=body,
                                now=clock().now())
    if message is None:  # the same webhook, delivered twice at once
        return _sms_reply(None)
    answer = replies.handle(session, message, flow, clock().now())
    session.commit()  # what it tells staff goes out from the worker
    log.info("SMS %s from %s stored", sid, mask(from_))
    return _sms_reply(answer)


def _sms_reply(text: str | None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return twiml(reply)


@bp.post("/sms/status")
@takes(SmsStatus.parse)
def sms_status(params: SmsStatus) -> Response:
    sid, status = params.message_sid, params.status
    session = db.session()
    message = messages.by_sid(session, sid)
    if message is None:
        log.info("status %s for unknown message %s: ignored", status, sid)
        return Response(status=204)
    if messages.status_reported(message, status, params.error_code):
        if params.error_code:
            conversations.refused(session, message, params.error_code, clock().now())
        session.commit()
    return Response(status=204)


@bp.errorhandler(BadRequest)
def bad_request(exc: BadRequest) -> tuple[str, int]:
    log.warning("400 on %s: %s", request.path, exc.description)
    return f"Bad request: {exc.description}\n", 400


@bp.after_request
def _apply_kept(response: Response) -> Response:
    """A webhook answered without a database error: callbacks kept while the database was
    down are applied now, in a thread (voicebot.spool)."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    if response.status_code < 500 and req.endpoint not in NO_DATABASE \
            and not g.get("database_down") and not spool.replaying(req.environ):
        spool.spool(current_app).replay_soon()
    return response


NO_DATABASE = frozenset({"twilio.fallback", "twilio.fallback_done"})
"""Webhooks answered without the database."""
KEPT = frozenset({"twilio.recording", "twilio.sms", "twilio.sms_status", "twilio.voice_status",
                  "twilio.transcription"})
"""Webhooks Twilio never repeats: kept while the database is down, applied when it is back."""
MID_CALL = frozenset({"twilio.step", "twilio.queue_wait", "twilio.outbound"})
"""Webhooks of a call in progress, for which Twilio has no fallback URL."""
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)


def _database_down(exc: Exception) -> Response:
    """The database does not answer (voicebot.db gives up connecting after CONNECT_TIMEOUT).
    A call starting now gets a 503 at once, so Twilio runs the number's fallback URL
    (/twilio/fallback: the apology and a message); a call in progress gets that same answer
    directly; a callback or SMS is kept and applied later; nothing is lost."""
    log.error("database unavailable on %s: %s", request.path, str(exc).strip().splitlines()[0])
    g.database_down = True
    endpoint = request.endpoint or ""
    if endpoint in MID_CALL:
        try:
            return fallback()
        except BadRequest:  # no caller to speak of: Twilio ends the call with its own message
            pass
    if endpoint in KEPT and not spool.replaying(request.environ) \
            and spool.spool(current_app).keep(request):
        return twiml(MessagingResponse()) if endpoint == "twilio.sms" else Response(status=204)
    return Response("database unavailable\n", status=503, mimetype="text/plain")


@bp.errorhandler(Exception)
def unexpected(exc: Exception) -> Response | HTTPException:
    if isinstance(exc, HTTPException):
        return exc
    if isinstance(exc, DATABASE_DOWN):
        return _database_down(exc)
    log.exception("unexpected error on %s (%s)", request.path, signed_url())
    if request.path.startswith("/twilio/voice"):
        reply = VoiceResponse()
        reply.say(phrase("unavailable", "en"))
        reply.hangup()
        return twiml(reply)
    return Response("internal error\n", status=500, mimetype="text/plain")
