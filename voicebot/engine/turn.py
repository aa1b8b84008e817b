"""One webhook's worth of a call, as the steps see it: the call, the TwiML being built, and
the effects they may ask for.

Steps never touch the database: whatever they make or change (journal events, queue
entries, tickets, SMS, voicemails, visits, bookings) goes through `Effects`, whose one
implementation is `voicebot.engine.effects`. Keeping it a protocol here keeps the step
kinds (and the call note, which reads their wording) free of the model and callback
packages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from twilio.twiml.voice_response import VoiceResponse

from voicebot.engine.conditions import CallerFacts
from voicebot.engine.phrases import phrase
from voicebot.flows import texts
from voicebot.flows.model import Flow, Text
from voicebot.models import MessagePurpose
from voicebot.services import messages
from voicebot.services.bookings import Slot
from voicebot.services.calls import CallRow

HANGUP = "hangup"
RESTART = "restart"
"""Targets the engine handles itself unless the flow defines a state of that name."""


class Urls(Protocol):
    def step(self, state: str, turn: int, event: str) -> str: ...
    def queue_wait(self, state: str) -> str: ...
    def whisper(self, call_sid: str, state: str, turn: int, member: str) -> str: ...
    def recording_status(self) -> str: ...
    def call_recording_status(self) -> str: ...
    def sms_status(self) -> str: ...
    def transcription(self) -> str: ...


@dataclass(frozen=True)
class Reply:
    """What Twilio reports back to a step that waited (a `<Gather>`, `<Dial>`, `<Enqueue>` or
    `<Record>` action), already checked and typed at the web edge (voicebot.web.params):
    steps read fields, never Twilio's form."""

    digits: str = ""
    speech: str = ""
    confidence: float | None = None
    """The recognizer's confidence in `speech`, 0 to 1; None when Twilio gave none."""
    dial_status: str = ""
    dial_duration: int | None = None
    queue_result: str = ""
    recording_sid: str = ""
    recording_url: str = ""
    recording_duration: int = 0

    @property
    def given(self) -> str:
        """What the caller gave, for an error report."""
        return self.speech or self.digits or self.dial_status


@dataclass(frozen=True)
class Waiting:
    """A caller in a queue, as a staff member's `answer_queue` finds them."""

    queue: str
    priority: int
    call_id: int
    kept_number: str = ""
    """A kept place: the number being called back (the caller is not on the line)."""
    hold: str = ""
    """A kept place: the Twilio queue the staff member waits in until the caller answers."""


@dataclass(frozen=True)
class KeptOutcome:
    """How the call back a staff member was held for went, as their hold ends."""

    place: int
    number: str
    result: str
    """"called-back", "kept" (not reached, tried again at `next_try_at`), "not-reached"
    (a ticket for a person), "dry-run"; or still "calling"/"connecting"."""
    next_try_at: dt.datetime | None


@dataclass(frozen=True)
class Made:
    """A row an effect created: its id and the text it stored."""

    id: int
    text: str = ""


@dataclass(frozen=True)
class VisitRecord:
    """A visit after a `visit` step wrote the client's answer into it."""

    id: int
    no_entry: bool | None
    adult_contact: str


class Effects(Protocol):
    """Everything a step changes outside the call row and the TwiML."""

    def event(self, call: CallRow, at: dt.datetime, state: str, kind: str, text: str,
              data: dict[str, Any]) -> None: ...

    def previous_calls(self, call: CallRow, flow_id: str) -> int: ...

    def last_event_data(self, call: CallRow, kind: str) -> dict[str, Any] | None: ...

    def whisper_taken(self, call: CallRow, turn: int) -> bool: ...

    def states_entered(self, call: CallRow) -> Collection[str]: ...

    def write(self) -> None: ...

    def join_queue(self, call: CallRow, flow_id: str, queue: str, priority: int,
                   now: dt.datetime) -> None: ...

    def leave_queue(self, call: CallRow, result: str, now: dt.datetime) -> None: ...

    def chose_message(self, call: CallRow) -> bool: ...

    def take_waiting(self, flow: Flow, queue: str, now: dt.datetime,
                     staff: CallRow) -> Waiting | None: ...

    def keep_place(self, call: CallRow, state: str, now: dt.datetime) -> bool: ...

    def kept_number(self, call: CallRow) -> str | None: ...

    def kept_answered(self, entry_id: int) -> str | None: ...

    def kept_connected(self, entry_id: int, now: dt.datetime) -> None: ...

    def kept_not_put_through(self, entry_id: int) -> None: ...

    def kept_outcome(self, staff: CallRow) -> KeptOutcome | None: ...

    def kept_staff_left(self, staff: CallRow) -> None: ...

    def queue_sms(self, flow: Flow, call: CallRow, *, to: str, body: str, purpose: MessagePurpose,
                  key: str) -> int: ...

    def create_ticket(self, flow: Flow, call: CallRow, now: dt.datetime, *, key: str, kind: str,  # noqa: PLR0913  a ticket's fields, by keyword
                      text: str, assign: str | None, urgent: bool, fields: dict[str, str],
                      due_at: dt.datetime | None) -> Made | None: ...

    def record_visit(self, visit_id: int, *, status: str, note: str | None,
                     adult_contact: str | None, no_entry: bool | None) -> VisitRecord | None: ...

    def store_voicemail(self, call: CallRow, flow_id: str, recording_sid: str, url: str,
                        duration: int, now: dt.datetime) -> None: ...

    def free_slot(self, flow: Flow, calendar: Slot, now: dt.datetime,
                  start_from: dt.datetime) -> dt.datetime | None: ...

    def book(self, flow: Flow, calendar: Slot, slot: dt.datetime, now: dt.datetime, *,
             key: str, call_id: int | None, phone: str, client_name: str) -> Made | None: ...


@dataclass
class Turn:
    flow: Flow
    call: CallRow
    effects: Effects
    now: dt.datetime
    urls: Urls
    response: VoiceResponse = field(default_factory=VoiceResponse)
    ended: bool = False
    """The flow hung up this turn."""
    _previous_calls: int | None = None

    # -- journal --------------------------------------------------------------------------
    def event(self, kind: str, text: str = "", state: str | None = None, **data: Any) -> None:
        self.effects.event(self.call, self.now, self.call.state if state is None else state,
                           kind, text, data)

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

    def phrase(self, key: str, **values: object) -> str:
        return phrase(key, self.flow.language, **values)

    def unanswered(self, own: tuple[Text, ...]) -> None:
        """Why the caller is now asked to leave a message (or sent on): nobody took the call."""
        if own:
            self.say(own)
        else:
            self.speak(self.phrase("unanswered"))

    # -- caller facts ---------------------------------------------------------------------
    def caller(self) -> CallerFacts:
        return CallerFacts(self.call.party, self._count_previous_calls, self.call.vars)

    def _count_previous_calls(self) -> int:
        # "Known" means known to this line: a call to another business served by the same
        # voicebot says nothing about this caller here. Asked only by a rule that reads it
        # (conditions.holds), once a turn.
        if self._previous_calls is None:
            self._previous_calls = self.effects.previous_calls(self.call, self.flow.id)
        return self._previous_calls

    def set_var(self, name: str, value: str) -> None:
        # JSON columns only notice reassignment, not in-place edits.
        self.call.vars = {**self.call.vars, name: value}

    @property
    def line_number(self) -> str:
        """The number voicebot speaks and texts from (one rule for every SMS and caller ID)."""
        return messages.line_number(self.flow, self.call)

    def dedupe(self, step_id: str, suffix: str = "") -> str:
        """Same call, same exchange, same step: a replayed webhook produces the same key."""
        return f"{self.call.sid}:{self.call.turn}:{step_id}{':' + suffix if suffix else ''}"

    def hangup(self, lines: tuple[Text, ...]) -> None:
        self.say(lines)
        self.response.hangup()
        self.ended = True
        if self.call.outcome in ("in-progress", "queued"):
            self.call.outcome = "completed"
        self.event("hangup", self.call.outcome)
