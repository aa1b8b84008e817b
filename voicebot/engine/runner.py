"""Runs a call's steps from its stored state until one needs the caller, building TwiML.

One `Turn` is one webhook: the call row is loaded, the caller's input is applied to the
state it was in, steps run until one waits (ask, transfer, queue, voicemail, hangup), and
the response goes back to Twilio. Nothing about the call is kept in process memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from voicebot import callbacks, db
from voicebot.engine import answers, booking, texts
from voicebot.engine.answers import capture_value
from voicebot.engine.conditions import CallerFacts, available_members, holds
from voicebot.engine.phrases import phrase
from voicebot.flows.errors import FlowRuntimeError
from voicebot.flows.model import (
    AnswerQueue,
    Ask,
    Book,
    Choice,
    Flow,
    Hangup,
    Notify,
    Queue,
    RecordVisit,
    Route,
    Say,
    SetVars,
    Sms,
    Step,
    Text,
    Ticket,
    Transfer,
    Voicemail,
)
from voicebot.language import spoken_time
from voicebot.models import Call, CallEvent, QueueEntry
from voicebot.models import Ticket as TicketRow
from voicebot.models import Visit as VisitRow
from voicebot.models import Voicemail as VoicemailRow
from voicebot.telephony import Telephony
from voicebot.ticket_language import normalise

log = logging.getLogger("voicebot.engine")

HANGUP = "hangup"
RESTART = "restart"
MAX_STEPS = 64
"""Steps one webhook may run; the loader rejects loops that never wait, this is the backstop."""

ANSWERED = {"completed", "answered"}

CONFIRMING = "_confirming"
"""Call variable holding the guess an `ask` is confirming: the state, the choice's target,
and the answer that was a guess (the leading underscore keeps it out of the journal)."""


class Urls(Protocol):
    def step(self, state: str, turn: int, event: str) -> str: ...
    def queue_wait(self, state: str) -> str: ...
    def recording_status(self) -> str: ...
    def call_recording_status(self) -> str: ...
    def sms_status(self) -> str: ...
    def transcription(self) -> str: ...


def queue_name(flow: Flow, queue: str, priority: int) -> str:
    """Twilio queues are first-in first-out, so each priority gets its own Twilio queue and
    staff always dequeue from the highest non-empty one."""
    return f"{flow.id}.{queue}.p{priority}"


@dataclass
class Turn:
    flow: Flow
    call: Call
    session: Session
    now: dt.datetime
    urls: Urls
    telephony: Telephony
    response: VoiceResponse = field(default_factory=VoiceResponse)
    outbox: list[int] = field(default_factory=list)
    """Messages stored this turn, sent after the commit."""
    ended: bool = False
    """The flow hung up this turn."""
    _previous_calls: int | None = None

    # -- journal --------------------------------------------------------------------------
    def event(self, kind: str, text: str = "", state: str | None = None, **data: Any) -> None:
        # Set from the event's side, the call's event list is not loaded from the database
        # (a query per webhook, growing with the call) just to append to it.
        self.session.add(
            CallEvent(call=self.call, at=self.now, state=self.call.state if state is None else state,
                      kind=kind, text=text, data=data)
        )

    # -- speaking -------------------------------------------------------------------------
    def values(self) -> Mapping[str, Any]:
        return texts.values(self.flow, self.call.vars, self.call.party, self.now)

    def render(self, text: Text) -> str:
        return texts.render(text, self.values())

    def say(self, lines: tuple[Text, ...], target: Any = None) -> None:
        for line in lines:
            self.speak(self.render(line), target)

    def speak(self, spoken: str, target: Any = None) -> None:
        """Say a finished sentence (a rendered flow text or one of the engine's phrases)."""
        if spoken.strip():
            into = self.response if target is None else target
            into.say(spoken, voice=self.flow.voice, language=self.flow.language)
            self.event("say", spoken)

    def phrase(self, key: str) -> str:
        return phrase(key, self.flow.language)

    # -- caller facts ---------------------------------------------------------------------
    def caller(self) -> CallerFacts:
        return CallerFacts(self.call.party, self._count_previous_calls, self.call.vars)

    def _count_previous_calls(self) -> int:
        # "Known" means known to this line: a call to another business served by the same
        # voicebot says nothing about this caller here. Asked only by a rule that reads it,
        # once a turn. Other calls are all the count looks at: this turn's pending changes
        # need not be flushed first (they are, at the commit).
        if self._previous_calls is None:
            with self.session.no_autoflush:
                self._previous_calls = self.session.scalar(
                    select(func.count(Call.id)).where(
                        Call.from_number == self.call.party, Call.flow_id == self.flow.id,
                        Call.id != self.call.id,
                    )
                ) or 0
        return self._previous_calls

    def set_var(self, name: str, value: str) -> None:
        # JSON columns only notice reassignment, not in-place edits.
        self.call.vars = {**self.call.vars, name: value}

    @property
    def line_number(self) -> str:
        """The number voicebot speaks from: the dialled one inbound, the flow's own outbound."""
        if self.call.direction == "inbound":
            return self.call.to_number
        return self.flow.numbers[0] if self.flow.numbers else self.call.from_number


def start(turn: Turn, entry: str | None = None) -> None:
    """Begin the call at the flow's start, or at `entry` (an outbound call into the flow)."""
    turn.event("start", f"{turn.call.from_number} -> {turn.call.to_number}", state="")
    if turn.flow.record_calls:
        # Started before anything is said, so the greeting that announces it is on record.
        turn.response.start().recording(
            recording_status_callback=turn.urls.call_recording_status(),
            recording_status_callback_event="completed",
        )
        turn.event("call-recording", "started")
    run_from(turn, entry or turn.flow.start)


def resume(turn: Turn, event: str, form: Mapping[str, str]) -> None:
    """Apply what Twilio reports for the state the call is in, then run on."""
    state = turn.call.state
    if state not in turn.flow.states:
        raise FlowRuntimeError("the call is in a state the flow no longer has", flow=turn.flow.id,
                               state=state, where=turn.flow.file, given=_given(form) or event)
    step = turn.flow.step(state)
    try:
        _resume_step(turn, step, event, form)
    except FlowRuntimeError:
        raise
    except Exception as exc:
        raise FlowRuntimeError(str(exc), flow=turn.flow.id, state=step.id, where=str(step.source),
                               given=_given(form)) from exc


def _given(form: Mapping[str, str]) -> str:
    return form.get("SpeechResult") or form.get("Digits") or form.get("DialCallStatus") or ""


def _resume_step(turn: Turn, step: Step, event: str, form: Mapping[str, str]) -> None:
    match step, event:
        case Ask(), "gather" | "silence":
            _answer(turn, step, form)
        case Transfer(), "dial":
            _dial_result(turn, step, form)
        case AnswerQueue(), "dial":
            turn.event("dial-result", form.get("DialCallStatus", ""))
            run_from(turn, step.next)
        case Queue(), "queue":
            _queue_result(turn, step, form)
        case Voicemail(), "record":
            _recorded(turn, step, form)
        case Book(), "gather" | "silence":
            _slot_answer(turn, step, form)
        case _:
            raise FlowRuntimeError(f"unexpected {event!r} event for a {type(step).__name__} step",
                                   flow=turn.flow.id, state=step.id, where=str(step.source),
                                   given=_given(form))


def run_from(turn: Turn, state: str) -> None:
    for _ in range(MAX_STEPS):
        if state == RESTART:
            state = turn.flow.start
        if state == HANGUP and HANGUP not in turn.flow.states:
            _hangup(turn, ())
            return
        step = turn.flow.step(state)
        turn.call.state = step.id
        turn.event("enter", type(step).__name__.lower(), state=step.id)
        try:
            following = _run_step(turn, step)
        except FlowRuntimeError:
            raise
        except Exception as exc:
            raise FlowRuntimeError(str(exc), flow=turn.flow.id, state=step.id,
                                   where=str(step.source)) from exc
        if following is None:
            return
        state = following
    raise FlowRuntimeError(f"{MAX_STEPS} steps ran without waiting for the caller",
                           flow=turn.flow.id, state=state, where=turn.flow.file)


def _run_step(turn: Turn, step: Step) -> str | None:
    """Run one step; return the next state, or None when the step waits for Twilio."""
    match step:
        case Say():
            turn.say(step.text)
            if step.pause:
                turn.response.pause(length=step.pause)
            return step.next
        case Route():
            caller = turn.caller()
            for rule in step.rules:
                if holds(rule.when, turn.flow, caller, turn.now):
                    turn.event("route", rule.goto, line=rule.source.line)
                    return rule.goto
            turn.event("route", step.otherwise)
            return step.otherwise
        case SetVars():
            vals = turn.values()
            for name, text in step.values:
                turn.set_var(name, texts.render(text, vals))
            return step.next
        case Sms():
            _sms(turn, step)
            return step.next
        case Notify():
            _notify(turn, step)
            return step.next
        case Ticket():
            _ticket(turn, step)
            return step.next
        case RecordVisit():
            _record_visit(turn, step)
            return step.next
        case Book():
            return _offer_slot(turn, step, _wished(turn, step))
        case Ask():
            turn.call.retries = 0
            _gather(turn, step, step.prompt)
            return None
        case Transfer():
            return _transfer(turn, step)
        case Queue():
            _enqueue(turn, step)
            return None
        case AnswerQueue():
            return _answer_queue(turn, step)
        case Voicemail():
            _record(turn, step)
            return None
        case Hangup():
            _hangup(turn, step.text)
            return None
    raise AssertionError(f"unknown step {step!r}")


# -- asking -------------------------------------------------------------------------------
def _gather(turn: Turn, step: Ask, prompt: tuple[Text, ...], then: str = "") -> None:
    call = turn.call
    options: dict[str, Any] = {
        "input": " ".join(sorted(step.input)),
        "action": turn.urls.step(step.id, call.turn, "gather"),
        "method": "POST",
        "timeout": step.timeout,
        "action_on_empty_result": False,
    }
    if "speech" in step.input:
        options.update(language=turn.flow.language, speech_timeout=step.speech_timeout)
        if step.hints:
            options["hints"] = ", ".join(step.hints)
    if "dtmf" in step.input:
        options["finish_on_key"] = step.finish_on_key
        if step.num_digits:
            options["num_digits"] = step.num_digits
    gather = turn.response.gather(**options)
    turn.say(prompt, gather)
    turn.speak(then, gather)
    # Twilio runs the next verb when the caller says nothing: that is our no-input signal.
    turn.response.redirect(turn.urls.step(step.id, call.turn, "silence"), method="POST")


def _answer(turn: Turn, step: Ask, form: Mapping[str, str]) -> None:
    digits = form.get("Digits", "").strip()
    speech = form.get("SpeechResult", "").strip()
    pending = turn.call.vars.get(CONFIRMING)
    if pending is not None:
        turn.call.vars = {k: v for k, v in turn.call.vars.items() if k != CONFIRMING}
    if not digits and not speech:
        turn.event("no-input")
        _retry(turn, step, step.no_input)
        return
    turn.call.inputs += 1
    confidence = form.get("Confidence")
    turn.event("input", digits or speech, digits=digits, speech=speech,
               confidence=float(confidence) if confidence else None)
    if isinstance(pending, dict) and pending.get("state") == step.id:
        _confirmed(turn, step, pending, digits, speech)
        return
    heard = answers.hear(turn.flow, step, digits, speech)
    if heard is not None and heard.certainty == "guess":
        _confirm(turn, step, heard, digits, speech)
        return
    if heard is not None:
        _take(turn, step, heard, speech)
        return
    _unmatched(turn, step, digits, speech)


def _take(turn: Turn, step: Ask, heard: answers.Heard, speech: str) -> None:
    turn.event("understood", heard.choice.goto, confidence=round(heard.confidence, 2))
    turn.call.retries = 0
    _keep_words(turn, step, speech)
    run_from(turn, _passed_on(turn, heard.choice.goto, speech))


def _unmatched(turn: Turn, step: Ask, digits: str, speech: str) -> None:
    """No choice: the answer is captured when the ask captures, else it is a no-match."""
    if step.capture and step.next:
        value = capture_value(step.capture_kind, digits, speech, turn.flow,
                              spoken_only="speech" in step.input)
        if value is not None:
            turn.set_var(step.capture, value)
            turn.event("capture", value, name=step.capture)
            turn.call.retries = 0
            run_from(turn, step.next)
            return
    turn.event("no-match", digits or speech)
    # "Any more questions?" answered with the next question ("what channels are there?"):
    # the menu the caller is sent to answers it instead of being read again.
    answered = _passed_on(turn, step.no_match, speech)
    if answered != step.no_match:
        turn.call.retries = 0
        run_from(turn, answered)
        return
    _retry(turn, step, step.no_match)


def _confirm(turn: Turn, step: Ask, heard: answers.Heard, digits: str, speech: str) -> None:
    """Ask whether the best guess is what the caller meant, instead of acting on it."""
    turn.event("guess", heard.choice.goto, confidence=round(heard.confidence, 2))
    turn.call.vars = {**turn.call.vars, CONFIRMING: {
        "state": step.id, "goto": heard.choice.goto, "digits": digits, "speech": speech}}
    _gather(turn, step, _confirmation(turn, step, heard.choice))


def _confirmation(turn: Turn, step: Ask, choice: Choice) -> tuple[Text, ...]:
    how = phrase("confirm_keys" if "dtmf" in step.input else "confirm_say", turn.flow.language)
    if choice.confirm is not None:
        question = choice.confirm
    else:
        question = Text(phrase("confirm_label", turn.flow.language, label=choice.label),
                        choice.source)
    return (question, Text(how, choice.source))


def _confirmed(turn: Turn, step: Ask, pending: Mapping[str, Any], digits: str,
               speech: str) -> None:
    """The caller's answer to a confirmation: yes takes the guess; anything else is heard
    afresh ("нет, я по оплате"); a bare no treats the first answer as not understood."""
    said = capture_value("yes_no", digits, speech, turn.flow)
    if said == "yes":
        turn.event("confirmed", str(pending["goto"]))
        turn.call.retries = 0
        _keep_words(turn, step, str(pending.get("speech", "")))
        run_from(turn, _passed_on(turn, str(pending["goto"]), str(pending.get("speech", ""))))
        return
    heard = answers.hear(turn.flow, step, "" if said == "no" else digits, speech)
    if heard is not None and heard.choice.goto != pending["goto"]:
        # "нет, я по оплате": another answer, heard like any first one.
        if heard.certainty == "guess":
            _confirm(turn, step, heard, digits, speech)
            return
        _take(turn, step, heard, speech)
        return
    if said == "no":
        turn.event("not-confirmed", str(pending["goto"]))
        _unmatched(turn, step, str(pending.get("digits", "")), str(pending.get("speech", "")))
        return
    if heard is not None and heard.certainty == "sure":
        _take(turn, step, heard, speech)
        return
    # Neither yes nor no, nor a clearer answer: what they said now is their answer.
    _unmatched(turn, step, digits, speech)


def _passed_on(turn: Turn, target: str, speech: str) -> str:
    """Where spoken words go when they lead back to a question this call was already asked
    (the menu after "any more questions?"): if its choices understand the same words,
    straight to the answer, without reading the menu again. A question not asked yet is
    asked ("no, just come with the contract" does not answer "any more questions?"); keys
    are not passed on (1 in one menu is not 1 in the next)."""
    step = turn.flow.states.get(target)
    if not speech or not isinstance(step, Ask) or not step.choices or not _asked(turn, step):
        return target
    heard = answers.hear(turn.flow, step, "", speech)
    if heard is None or heard.certainty != "sure":
        return target
    turn.event("passed-on", speech, state=step.id)
    _keep_words(turn, step, speech)
    return heard.choice.goto


def _asked(turn: Turn, menu: Ask) -> bool:
    """Whether this call has already heard this menu, under its own name or another with the
    same choices (hotline's greeting and its menu share theirs)."""
    entered = turn.session.scalars(
        select(CallEvent.state).where(CallEvent.call_id == turn.call.id, CallEvent.kind == "enter")
        .distinct()
    )
    return any(isinstance(step := turn.flow.states.get(state), Ask)
               and step.choices == menu.choices for state in entered)


def _keep_words(turn: Turn, step: Ask, speech: str) -> None:
    """The caller's own words are kept even when a choice steers the call: "too expensive
    for my pension" is the reason on the disconnect ticket written later."""
    if step.capture and step.capture_kind == "text" and speech:
        turn.set_var(step.capture, speech)


def _retry(turn: Turn, step: Ask, give_up: str) -> None:
    turn.call.retries += 1
    if turn.call.retries > step.retries:
        turn.call.retries = 0
        run_from(turn, give_up)
        return
    if step.reprompt:
        # The flow's own words for a second try, asked instead of the same question again.
        _gather(turn, step, step.reprompt)
        return
    # Not the same sentence again: an apology, then what the caller can say or press.
    turn.speak(turn.phrase("not_caught"))
    options = _options(turn, step)
    _gather(turn, step, () if options else step.prompt, then=options)


def _options(turn: Turn, step: Ask) -> str:
    """'You can say insurance or press 1, say parts or press 2, or press 0' from the ask's
    choices; words only: 'You can say no or yes'."""
    def say(words: str) -> str:
        return phrase("choice_say", turn.flow.language, words=words)

    def word(choice: Choice) -> str:
        return phrase("choice_word", turn.flow.language, word=choice.words[0].text)

    either, last = turn.phrase("or"), turn.phrase("or_last")
    if not any(choice.digits for choice in step.choices):
        words = [word(choice) for choice in step.choices if choice.words]
        if not words:
            return ""
        listed = say(either.join(words)) if len(words) == 2 else say(
            last.join(filter(None, (", ".join(words[:-1]), words[-1]))))
    else:
        offers = [either.join(filter(None, (
            say(word(choice)) if choice.words else "",
            phrase("choice_press", turn.flow.language, digits=choice.digits[0])
            if choice.digits else "",
        ))) for choice in step.choices]
        listed = last.join(filter(None, (", ".join(offers[:-1]), offers[-1])))
    return phrase("choices", turn.flow.language, options=listed)


# -- people -------------------------------------------------------------------------------
def _transfer(turn: Turn, step: Transfer) -> str | None:
    for role in step.roles:
        members = available_members(turn.flow, role, turn.now)
        if members:
            break
    else:
        turn.event("transfer", "nobody available", roles=list(step.roles))
        _unanswered(turn, step.unanswered)
        return step.fallback
    turn.say(step.announce)
    dial = turn.response.dial(
        action=turn.urls.step(step.id, turn.call.turn, "dial"), method="POST",
        timeout=step.timeout, caller_id=turn.line_number,
        **({"record": "record-from-answer"} if step.record else {}),
    )
    for member in members:
        dial.number(member.phone)
    turn.event("transfer", role, role=role, members=[m.id for m in members])
    return None


def _dial_result(turn: Turn, step: Transfer, form: Mapping[str, str]) -> None:
    status = form.get("DialCallStatus", "")
    turn.event("dial-result", status, duration=form.get("DialCallDuration"))
    if status in ANSWERED:
        turn.call.outcome = "transferred"
        run_from(turn, step.next)
    else:
        _unanswered(turn, step.unanswered)
        run_from(turn, step.fallback)


def _unanswered(turn: Turn, own: tuple[Text, ...]) -> None:
    """Why the caller is now asked to leave a message (or sent on): nobody took the call."""
    if own:
        turn.say(own)
    else:
        turn.speak(turn.phrase("unanswered"))


def _enqueue(turn: Turn, step: Queue) -> None:
    entry = turn.session.scalar(select(QueueEntry).where(QueueEntry.call_id == turn.call.id))
    if entry is None:
        entry = QueueEntry(call_id=turn.call.id, flow_id=turn.flow.id)
        turn.session.add(entry)
    entry.queue, entry.priority = step.name, step.priority
    entry.enqueued_at, entry.left_at, entry.result = turn.now, None, ""
    turn.call.outcome = "queued"
    turn.response.enqueue(
        queue_name(turn.flow, step.name, step.priority),
        action=turn.urls.step(step.id, turn.call.turn, "queue"), method="POST",
        wait_url=turn.urls.queue_wait(step.id), wait_url_method="POST",
    )
    turn.event("queue", step.name, priority=step.priority)


def _queue_result(turn: Turn, step: Queue, form: Mapping[str, str]) -> None:
    result = form.get("QueueResult", "")
    turn.event("queue-result", result)
    entry = turn.session.scalar(select(QueueEntry).where(QueueEntry.call_id == turn.call.id))
    if entry is not None:
        entry.left_at = entry.left_at or turn.now
        entry.result = result
    if result == "bridged":
        turn.call.outcome = "served"
        run_from(turn, HANGUP)
    elif result == "hangup":
        turn.call.outcome = "abandoned"
    else:
        _unanswered(turn, step.unanswered)
        run_from(turn, step.next)


def _answer_queue(turn: Turn, step: AnswerQueue) -> str | None:
    entry = turn.session.scalar(
        select(QueueEntry)
        .where(QueueEntry.flow_id == turn.flow.id, QueueEntry.queue == step.queue,
               QueueEntry.left_at.is_(None))
        .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id)
        .limit(1)
    )
    if entry is None:
        turn.event("answer-queue", "nobody waiting")
        return step.empty
    entry.left_at, entry.result = turn.now, "answering"
    dial = turn.response.dial(action=turn.urls.step(step.id, turn.call.turn, "dial"),
                              method="POST")
    dial.queue(queue_name(turn.flow, entry.queue, entry.priority))
    turn.event("answer-queue", entry.queue, priority=entry.priority, call_id=entry.call_id)
    return None


# -- messages and work for people --------------------------------------------------------
def _dedupe(turn: Turn, step: Step, suffix: str = "") -> str:
    """Same call, same exchange, same step: a replayed webhook produces the same key."""
    return f"{turn.call.sid}:{turn.call.turn}:{step.id}{':' + suffix if suffix else ''}"


def _queue_sms(turn: Turn, step: Step, to: str, body: str, purpose: str) -> None:
    message = turn.telephony.queue_sms(
        turn.session, to=to, from_=turn.line_number, body=body, purpose=purpose,
        flow_id=turn.flow.id, call_id=turn.call.id, dedupe_key=_dedupe(turn, step, to),
    )
    turn.outbox.append(message.id)
    turn.event("sms" if purpose == "caller" else "notify", body, to=to, message_id=message.id)


def _sms(turn: Turn, step: Sms) -> None:
    body = turn.render(step.text)
    if step.to == "caller":
        _queue_sms(turn, step, turn.call.party, body, "caller")
        return
    for member in turn.flow.members(step.to):
        _queue_sms(turn, step, member.phone, body, "notify")


def _notify(turn: Turn, step: Notify) -> None:
    body = turn.render(step.text)
    for role in step.roles:
        for member in turn.flow.members(role):
            _queue_sms(turn, step, member.phone, body, "notify")


def _ticket(turn: Turn, step: Ticket) -> None:
    key = _dedupe(turn, step)
    if turn.session.scalar(select(TicketRow.id).where(TicketRow.dedupe_key == key)):
        return
    vals = turn.values()
    row = TicketRow(
        dedupe_key=key, flow_id=turn.flow.id, call_id=turn.call.id, kind=step.kind,
        text=normalise(texts.render(step.text, vals)), assign_role=step.assign, urgent=step.urgent,
        fields={name: texts.render(text, vals) for name, text in step.fields},
        phone=turn.call.party,
        due_at=turn.now + dt.timedelta(hours=step.due_hours) if step.due_hours else None,
    )
    turn.session.add(row)
    turn.session.flush()
    turn.event("ticket", row.text, ticket_id=row.id, ticket_kind=step.kind, urgent=step.urgent)
    callbacks.ticket_created(turn.session, turn.flow, row, turn.now)


def _record_visit(turn: Turn, step: RecordVisit) -> None:
    """The confirmation call's outcome goes onto the visit the call is about (RT-1, RT-2, RT-4)."""
    raw = str(turn.call.vars.get("visit_id") or "")
    visit = turn.session.get(VisitRow, int(raw)) if raw.isdigit() else None
    if visit is None:
        raise FlowRuntimeError("this call is about no visit (no visit_id)", flow=turn.flow.id,
                               state=step.id, where=str(step.source), given=raw)
    vals = turn.values()
    visit.status = step.status
    if step.note is not None:
        line = texts.render(step.note, vals).strip()
        visit.note = f"{visit.note}\n{line}".strip() if line not in visit.note else visit.note
    if step.adult_contact is not None:
        visit.adult_contact = texts.render(step.adult_contact, vals)
    if step.no_entry is not None:
        visit.no_entry = step.no_entry
    turn.event("visit", step.status, visit_id=visit.id, no_entry=visit.no_entry,
               adult_contact=visit.adult_contact)


# -- booking -------------------------------------------------------------------------------
def _offer_key(step: Book) -> str:
    return f"_offer_{step.id}"


def _wished(turn: Turn, step: Book) -> dt.datetime:
    """Where the search starts: the time the client asked for, if it says one."""
    said = str(turn.call.vars.get(step.wish) or "") if step.wish else ""
    return spoken_time.parse(said, turn.now, turn.flow.timezone) or turn.now


def _offer_slot(turn: Turn, step: Book, start_from: dt.datetime) -> str | None:
    """Offer the first free slot from `start_from` (or, if none, the first at all); returns
    the `full` state when there is nothing more to offer."""
    offered = int(turn.call.vars.get(f"{_offer_key(step)}_count") or 0)
    slot = None
    if offered < step.offers:
        slot = next(booking.free_slots(turn.session, turn.flow, step, turn.now, start_from), None)
        if slot is None and start_from > turn.now:
            slot = next(booking.free_slots(turn.session, turn.flow, step, turn.now, turn.now), None)
    if slot is None:
        turn.set_var(step.capture, "")
        turn.event("booking", "no slot offered" if not offered else f"{offered} slot(s) declined")
        return step.full
    spoken = booking.spoken_slot(turn.flow, slot)
    turn.set_var(step.capture, spoken)
    turn.set_var(_offer_key(step), slot.isoformat())
    turn.set_var(f"{_offer_key(step)}_count", str(offered + 1))
    turn.event("offer", spoken)
    turn.call.retries = 0
    _gather(turn, step.question, step.question.prompt)
    return None


def _slot_answer(turn: Turn, step: Book, form: Mapping[str, str]) -> None:
    digits, speech = form.get("Digits", "").strip(), form.get("SpeechResult", "").strip()
    offered = dt.datetime.fromisoformat(str(turn.call.vars.get(_offer_key(step))))
    answer = capture_value("yes_no", digits, speech, turn.flow)
    if digits or speech:
        turn.call.inputs += 1
        turn.event("input", digits or speech, digits=digits, speech=speech)
    if answer == "yes":
        made = booking.book(turn.session, turn.flow, step, offered, turn.now,
                            key=_dedupe(turn, step), call_id=turn.call.id, phone=turn.call.party,
                            client_name=str(turn.call.vars.get("client_name") or ""))
        if made is not None:
            turn.event("booked", booking.spoken_slot(turn.flow, offered), booking_id=made.id)
            run_from(turn, step.next)
            return
        turn.event("booking", "taken meanwhile")
        answer = "no"
    if answer == "no":
        # "нет, лучше в четверг": the next offer starts at the day they name.
        named = spoken_time.parse(speech, turn.now, turn.flow.timezone) if speech else None
        start = max(named or offered, offered + dt.timedelta(seconds=1))
        following = _offer_slot(turn, step, start)
        if following is not None:
            run_from(turn, following)
        return
    turn.call.retries += 1
    if turn.call.retries > step.question.retries:
        turn.set_var(step.capture, "")
        run_from(turn, step.full)
        return
    turn.say(step.question.reprompt)
    _gather(turn, step.question, step.question.prompt)


# -- recording and ending -----------------------------------------------------------------
def _record(turn: Turn, step: Voicemail) -> None:
    turn.say(step.prompt)
    options: dict[str, Any] = {
        "action": turn.urls.step(step.id, turn.call.turn, "record"), "method": "POST",
        "max_length": step.max_length, "play_beep": True, "finish_on_key": "#",
        "recording_status_callback": turn.urls.recording_status(),
        "recording_status_callback_event": "completed",
    }
    if step.transcribe:
        options.update(transcribe=True, transcribe_callback=turn.urls.transcription())
    turn.response.record(**options)
    turn.event("voicemail", "recording")


def _recorded(turn: Turn, step: Voicemail, form: Mapping[str, str]) -> None:
    sid = form.get("RecordingSid", "")
    duration = int(form.get("RecordingDuration") or 0)
    if sid and duration > 0:
        store_voicemail(turn.session, turn.call, turn.flow.id, sid, form.get("RecordingUrl", ""),
                        duration, turn.now)
        turn.call.outcome = "voicemail"
        turn.event("recorded", f"{duration} s", recording_sid=sid)
    else:
        turn.event("recorded", "no message left")
    run_from(turn, step.next)


def store_voicemail(session: Session, call: Call | None, flow_id: str, recording_sid: str,
                    url: str, duration: int, now: dt.datetime) -> VoicemailRow:
    """Both the Record action and the recording status callback report a recording, in
    either order and maybe twice: whichever comes first creates the row."""
    db.insert_once(session, VoicemailRow, "recording_sid", recording_sid=recording_sid,
                   flow_id=flow_id, created_at=now)
    row = session.scalars(select(VoicemailRow).where(VoicemailRow.recording_sid == recording_sid)
                          ).one()
    if call is not None and row.call_id in (None, call.id):  # never moved to another call
        row.call_id, row.from_number = call.id, call.from_number
    row.recording_url = url or row.recording_url
    row.duration = duration or row.duration
    session.flush()
    return row


def _hangup(turn: Turn, lines: tuple[Text, ...]) -> None:
    turn.say(lines)
    turn.response.hangup()
    turn.ended = True
    if turn.call.outcome in ("in-progress", "queued"):
        turn.call.outcome = "completed"
    turn.event("hangup", turn.call.outcome)


def recover(turn: Turn, error: Exception) -> None:
    """A step failed: the caller hears the apology and goes to the flow's fallback. If the
    fallback fails too, they can still leave a message: never silence."""
    turn.response = VoiceResponse()
    turn.outbox.clear()
    turn.event("error", str(error))
    turn.call.flagged = "runtime error"
    turn.say(turn.flow.apology)
    try:
        run_from(turn, turn.flow.fallback)
    except Exception as second:
        log.exception("fallback of flow %s failed too", turn.flow.id)
        turn.response = VoiceResponse()
        turn.say(turn.flow.apology)
        turn.event("error", f"fallback failed: {second}")
        turn.response.record(
            action=turn.urls.step("__fallback__", turn.call.turn, "record"), method="POST",
            max_length=120, play_beep=True,
            recording_status_callback=turn.urls.recording_status(),
            recording_status_callback_event="completed",
        )
        turn.response.hangup()
        turn.ended = True
