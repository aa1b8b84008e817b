"""Twilio's webhook parameters, read in one place.

Every `/twilio/*` route takes one typed value parsed here from its form and its continuation
URL (`IncomingCall`, `Continuation`, `CallStatus`, ...; the `takes` decorator hands it over),
so no handler reads `request.form` or `request.args` itself. Parsing:
- text is made storable: PostgreSQL refuses NUL in text, and no encoder takes a lone
  surrogate, so both become U+FFFD (what the caller wrote around them is kept);
- numbers are ASCII digits within bounds (`str.isdigit` passes "²" and 20-digit numbers,
  which `int()` refuses or no column holds); one that is not is treated as absent;
- identifiers, phone numbers and statuses match what Twilio sends and fit their columns,
  or the request is a 400 that names the field.

The signature check reads the raw form (Twilio signed the bytes it sent); everything else
reads this.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from flask import Response, g, request
from flask.ctx import _AppCtxGlobals
from werkzeug.exceptions import BadRequest

from voicebot.engine.turn import Reply

log = logging.getLogger("voicebot.webhooks")

SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
# E.164 and what Twilio writes for other callers, no longer than the 32 characters kept.
NUMBER = re.compile(r"^(\+?[0-9]{3,15}|client:[\w.-]{1,25}|sip:\S{1,28}|anonymous|restricted|unknown)$",
                    re.IGNORECASE | re.ASCII)
# Twilio's call, message and recording statuses: lower-case words with dashes.
STATUS = re.compile(r"^[a-z][a-z-]{0,15}$")

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"^[0-9]{1,9}$", re.ASCII)
_DECIMAL = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,12})?$", re.ASCII)

DAY = 86_400
# Numeric fields the engine or a webhook reads: (whole number?, lowest, highest).
NUMBERS: dict[str, tuple[bool, float, float]] = {
    "RecordingDuration": (True, 0, DAY),
    "CallDuration": (True, 0, DAY),
    "DialCallDuration": (True, 0, DAY),
    "QueueTime": (True, 0, DAY),
    "Confidence": (False, 0.0, 1.0),
}
# Text fields stored in short columns: longer values are cut to fit.
SHORT = {"AnsweredBy": 32, "QueueResult": 16, "DialCallStatus": 32, "ErrorCode": 200}


def storable(text: str) -> str:
    """`text` with what no database column takes (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _number(name: str, raw: str) -> int | float | None:
    whole, low, high = NUMBERS[name]
    if not (_INTEGER if whole else _DECIMAL).match(raw):
        return None
    value = int(raw) if whole else float(raw)
    return value if low <= value <= high else None


class TwilioForm:
    """One webhook's parameters, cleaned. Twilio never repeats a parameter; if one comes
    twice (the signature covers both), the first counts, as everywhere in Flask."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self._values: dict[str, str] = {}
        for key in form:
            value = storable(form[key])
            if key in NUMBERS and _number(key, value.strip()) is None:
                if value.strip():
                    log.warning("ignored %s=%r: not a number Twilio sends", key, value[:40])
                continue
            if key in SHORT:
                value = value[:SHORT[key]]
            self._values[storable(key)] = value

    def text(self, name: str, default: str = "") -> str:
        return self._values.get(name, default)

    def required(self, name: str, pattern: re.Pattern[str] | None = None) -> str:
        """A field the request is meaningless without: missing or malformed is a 400."""
        value = self._values.get(name, "").strip()
        if not value:
            raise BadRequest(f"missing {name}")
        if pattern is not None and not pattern.match(value):
            raise BadRequest(f"malformed {name}")
        return value

    def optional(self, name: str, pattern: re.Pattern[str], default: str) -> str:
        """A field Twilio may leave out: absent gives `default`, malformed is a 400."""
        if not self._values.get(name, "").strip():
            return default
        return self.required(name, pattern)

    def integer(self, name: str) -> int | None:
        """A bounded whole number (see NUMBERS), or None when absent or impossible."""
        value = self._values.get(name)
        return None if value is None else int(value)

    def decimal(self, name: str) -> float | None:
        """A bounded number with a fraction (see NUMBERS), or None when absent or impossible."""
        value = self._values.get(name)
        return None if value is None else float(value)


def form() -> TwilioForm:
    """The current webhook's parameters, parsed once per request."""
    app_globals: _AppCtxGlobals = g._get_current_object()
    parsed: TwilioForm | None = app_globals.get("twilio_form")
    if parsed is None:
        parsed = app_globals.twilio_form = TwilioForm(request.form)
    return parsed


def url_number(name: str, highest: int = 2**31 - 1) -> int:
    """A whole number from a continuation URL voicebot wrote (a turn, a dial id): anything
    else is a forged or mangled URL, a 400. Bounded by what an INTEGER column holds."""
    raw = request.args.get(name, "")
    if not _INTEGER.match(raw) or int(raw) > highest:
        raise BadRequest(f"malformed {name}")
    return int(raw)


def url_text(name: str) -> str:
    """A state or event name from a continuation URL, storable."""
    return storable(request.args.get(name, ""))[:64]


@dataclass(frozen=True)
class IncomingCall:
    """/twilio/voice (a call to one of our numbers) and /twilio/fallback (the number's
    fallback URL, with Twilio's `ErrorCode` saying why the primary handler failed)."""

    call_sid: str
    from_: str
    to: str
    error_code: str

    @classmethod
    def parse(cls) -> IncomingCall:
        f = form()
        return cls(f.required("CallSid", SID), f.required("From", NUMBER),
                   f.required("To", NUMBER), f.text("ErrorCode"))


@dataclass(frozen=True)
class Continuation:
    """/twilio/voice/step: what a `<Gather>`, `<Record>`, `<Dial>` or `<Enqueue>` voicebot
    wrote comes back with. The URL names the state, the turn and the event; `reply` is what
    the step waited for (digits, speech and its confidence, a dial's or a queue's result, a
    recording), for the flow engine."""

    call_sid: str
    state: str
    event: str
    turn: int
    from_: str | None
    to: str | None
    reply: Reply

    @classmethod
    def parse(cls) -> Continuation:
        f = form()
        sid, state, event, turn = (f.required("CallSid", SID), url_text("s"), url_text("e"),
                                   url_number("t"))
        from_, to = f.optional("From", NUMBER, "") or None, f.optional("To", NUMBER, "") or None
        reply = Reply(
            digits=f.text("Digits").strip(), speech=f.text("SpeechResult").strip(),
            confidence=f.decimal("Confidence"),
            dial_status=f.text("DialCallStatus"), dial_duration=f.integer("DialCallDuration"),
            queue_result=f.text("QueueResult"),
            recording_sid=f.optional("RecordingSid", SID, ""), recording_url=f.text("RecordingUrl"),
            recording_duration=f.integer("RecordingDuration") or 0)
        return cls(sid, state, event, turn, from_, to, reply)

    def caller(self) -> tuple[str, str]:
        """(From, To), needed only for a call we have no record of: a 400 if missing."""
        if self.from_ is None:
            raise BadRequest("missing From")
        if self.to is None:
            raise BadRequest("missing To")
        return self.from_, self.to


@dataclass(frozen=True)
class QueueWait:
    """/twilio/voice/queue-wait: Twilio's hold music URL, asked again while a caller waits."""

    call_sid: str
    state: str
    waited: int
    digits: str = ""
    """A key the caller pressed during the wait (the wait loop's `<Gather>` action)."""

    @classmethod
    def parse(cls) -> QueueWait:
        f = form()
        return cls(f.required("CallSid", SID), url_text("s"), f.integer("QueueTime") or 0,
                   f.text("Digits").strip())


@dataclass(frozen=True)
class Whisper:
    """/twilio/voice/whisper: the staff member's leg of a transfer with a whisper (Twilio's
    `<Number url>`), then the key they pressed. The URL voicebot wrote names the caller's call
    (`c`), the transfer's state and exchange and the member; Twilio signs it."""

    call_sid: str
    parent_sid: str
    state: str
    turn: int
    member: str
    event: str
    digits: str

    @classmethod
    def parse(cls) -> Whisper:
        f = form()
        parent = request.args.get("c", "")
        if not SID.match(parent):
            raise BadRequest("malformed c")
        return cls(f.required("CallSid", SID), parent, url_text("s"), url_number("t"),
                   url_text("m"), url_text("e"), f.text("Digits").strip())


@dataclass(frozen=True)
class CallStatus:
    """/twilio/voice/status: any call's status (one we answered or one we placed)."""

    call_sid: str
    status: str
    duration: int | None
    answered_by: str

    @classmethod
    def parse(cls) -> CallStatus:
        f = form()
        return cls(f.required("CallSid", SID), f.required("CallStatus", STATUS),
                   f.integer("CallDuration"), f.text("AnsweredBy"))


@dataclass(frozen=True)
class Answered:
    """/twilio/voice/outbound?d=DIAL: a call we placed was answered (by whom: `answered_by`,
    from answering-machine detection)."""

    call_sid: str
    to: str
    dial_id: int
    answered_by: str

    @classmethod
    def parse(cls) -> Answered:
        f = form()
        return cls(f.required("CallSid", SID), f.required("To", NUMBER), url_number("d"),
                   f.text("AnsweredBy"))


@dataclass(frozen=True)
class Recording:
    """/twilio/recording: a voicemail's recording, a whole call's (`?kind=call`, TS-10), or a
    message left through the fallback URL (`?via=fallback&from=..&to=..`: the database was
    down, so the caller's numbers travel in the URL Twilio signed)."""

    recording_sid: str
    call_sid: str
    status: str
    duration: int
    url: str
    """Where Twilio keeps the audio: required once the recording is completed."""
    whole_call: bool
    fallback_caller: tuple[str, str] | None
    """(From, To) the fallback URL wrote into this callback's URL."""

    @classmethod
    def parse(cls) -> Recording:
        f = form()
        recording_sid, call_sid = f.required("RecordingSid", SID), f.required("CallSid", SID)
        status = f.optional("RecordingStatus", STATUS, "completed")
        return cls(recording_sid, call_sid, status, f.integer("RecordingDuration") or 0,
                   f.required("RecordingUrl") if status == "completed" else f.text("RecordingUrl"),
                   request.args.get("kind") == "call", _fallback_caller())


def _fallback_caller() -> tuple[str, str] | None:
    if request.args.get("via") != "fallback":
        return None
    from_, to = url_text("from"), url_text("to")
    if not (NUMBER.match(from_) and NUMBER.match(to)):
        raise BadRequest("malformed fallback recording URL")
    return from_, to


@dataclass(frozen=True)
class Transcription:
    """/twilio/transcription: Twilio's own transcription of a voicemail."""

    recording_sid: str
    status: str
    text: str

    @classmethod
    def parse(cls) -> Transcription:
        f = form()
        return cls(f.required("RecordingSid", SID), f.text("TranscriptionStatus"),
                   f.text("TranscriptionText").strip())


@dataclass(frozen=True)
class IncomingSms:
    """/twilio/sms: a text to one of our numbers."""

    message_sid: str
    from_: str
    to: str
    body: str

    @classmethod
    def parse(cls) -> IncomingSms:
        f = form()
        return cls(f.required("MessageSid", SID), f.required("From", NUMBER),
                   f.required("To", NUMBER), f.text("Body"))


@dataclass(frozen=True)
class SmsStatus:
    """/twilio/sms/status: what became of a message we sent."""

    message_sid: str
    status: str
    error_code: str

    @classmethod
    def parse(cls) -> SmsStatus:
        f = form()
        return cls(f.required("MessageSid", SID), f.required("MessageStatus", STATUS),
                   f.text("ErrorCode"))


P = TypeVar("P")


def takes(parse: Callable[[], P]) -> Callable[[Callable[[P], Response]], Callable[[], Response]]:
    """`@takes(IncomingCall.parse)`: the route gets its parameters parsed (a 400 before the
    handler runs if they are malformed), under the handler's own name and endpoint."""

    def decorate(handler: Callable[[P], Response]) -> Callable[[], Response]:
        @functools.wraps(handler)
        def route() -> Response:
            return handler(parse())
        return route
    return decorate
