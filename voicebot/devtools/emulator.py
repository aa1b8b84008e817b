"""A call emulator: plays Twilio's part against a voicebot server by following its TwiML.

It knows nothing about flows. It signs and posts the same webhooks Twilio would, reads the
TwiML that comes back, and stops whenever Twilio would be waiting for the caller (a Gather,
a Record, a Dial, a queue). The test or the person at the keyboard then says what the caller
does, and the emulator carries on from there.

Time is simulated: speech, pauses, timeouts and recordings advance a clock that feeds
`CallDuration`, `QueueTime` and friends, so runs are deterministic.
"""

from __future__ import annotations

import io
import math
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import wave
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from twilio.request_validator import RequestValidator

if TYPE_CHECKING:
    from flask import Flask

Waiting = Literal["gather", "record", "dial", "queue", "ended"]

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
QUEUE_RESULTS = (
    "bridged",
    "queue-full",
    "hangup",
    "leave",
    "redirected",
    "error",
    "system-error",
)
VOICE_PATH = "/twilio/voice"
STATUS_CALLBACK_PATH = "/twilio/voice/status"

# Verbs Twilio accepts but the emulator cannot play; reported instead of skipped, so a test
# never passes because something was quietly ignored.
_UNSUPPORTED_VERBS = frozenset(
    {"Connect", "Echo", "Pay", "Prompt", "Refer", "Sms", "Message", "Stop"}
)
_TOP_VERBS = frozenset(
    {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Redirect",
        "Record",
        "Dial",
        "Enqueue",
        "Hangup",
        "Reject",
        "Leave",
        "Start",
    }
)
# Children allowed inside each verb; None means any (Say takes SSML elements).
_CHILDREN: dict[str, frozenset[str] | None] = {
    "Say": None,
    "Gather": frozenset({"Say", "Play", "Pause"}),
    "Dial": frozenset({"Number", "Client", "Sip", "Queue", "Conference", "Application", "Sim"}),
    "Enqueue": frozenset({"Task"}),
    # Only call recording is emulated; <Stream>, <Siprec> and <Transcription> are refused.
    "Start": frozenset({"Recording"}),
}
# A server that keeps redirecting without ever waiting for the caller would hang the
# emulator; Twilio would eventually drop such a call too.
_MAX_REQUESTS_PER_TURN = 100
_WORDS_PER_SECOND = 2.5


class CallStateError(Exception):
    """The caller did something the call cannot take right now (e.g. pressed keys during a Dial)."""


class Transport(Protocol):
    """Delivers one form-encoded POST. `url` is relative to the server (`/twilio/voice?x=1`)
    when it lies under the emulator's public URL, absolute otherwise."""

    def post(
        self, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, str]: ...


class HttpTransport:
    """Talks to a running server over real HTTP."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        target = url if "://" in url else self.base_url + url
        request = urllib.request.Request(
            target,
            data=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


class WsgiTransport:
    """Calls a Flask app in-process. Give it the emulator's public URL as `base_url` so the
    app sees the same URL that was signed (`request.url`)."""

    def __init__(self, app: Flask, base_url: str = "http://localhost") -> None:
        self.client = app.test_client()
        self.base_url = base_url.rstrip("/")

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        if "://" in url:
            response = self.client.post(url, data=params, headers=headers)
        else:
            response = self.client.post(url, data=params, headers=headers, base_url=self.base_url)
        return response.status_code, response.get_data(as_text=True)


@dataclass(frozen=True)
class Exchange:
    """One request the emulator made and what came back."""

    kind: str  # "voice", "gather", "redirect", "record", "recording-status", "dial", ...
    url: str  # the full public URL that was signed
    params: dict[str, str]
    status: int  # 0 when the server could not be reached
    body: str


@dataclass(frozen=True)
class GatherSpec:
    input: frozenset[str]  # {"dtmf"}, {"speech"} or both
    action: str
    method: str
    timeout: int
    num_digits: int | None
    finish_on_key: str
    speech_timeout: str | None
    hints: tuple[str, ...]
    language: str | None
    action_on_empty_result: bool


@dataclass(frozen=True)
class RecordSpec:
    action: str
    method: str
    max_length: int
    timeout: int
    finish_on_key: str
    play_beep: bool
    status_callback: str | None
    status_callback_method: str


@dataclass(frozen=True)
class DialSpec:
    action: str | None
    method: str
    timeout: int
    caller_id: str | None
    numbers: tuple[str, ...]  # Number/Client/Sip targets, or the bare text of <Dial>
    queue: str | None  # dequeuing: <Dial><Queue>
    conference: str | None
    whispers: tuple[str | None, ...] = ()  # each target's <Number url>, resolved


@dataclass(frozen=True)
class StaffLeg:
    """What the staff member who answered a dial heard (`<Number url>`), and whether the
    caller was then connected to them."""

    heard: list[str]
    connected: bool


@dataclass(frozen=True)
class QueueSpec:
    name: str
    action: str | None
    method: str
    wait_url: str | None
    wait_url_method: str
    queue_sid: str
    position: int


@dataclass
class Turn:
    """What the caller experienced since their last action, and what the call waits for now."""

    heard: list[str] = field(default_factory=list)
    waiting: Waiting = "ended"
    gather: GatherSpec | None = None
    record: RecordSpec | None = None
    dial: DialSpec | None = None
    queue: QueueSpec | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # failed requests, invalid TwiML
    notes: list[str] = field(default_factory=list)  # things Twilio would quietly do

    @property
    def twiml(self) -> list[str]:
        return [e.body for e in self.exchanges if e.kind not in _CALLBACK_KINDS]

    @property
    def status_codes(self) -> list[int]:
        return [e.status for e in self.exchanges]

    @property
    def ended(self) -> bool:
        return self.waiting == "ended"

    @property
    def text(self) -> str:
        return "\n".join(self.heard)


_CALLBACK_KINDS = frozenset({"status", "recording-status"})


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _speech_seconds(text: str) -> float:
    return max(1.0, len(text.split()) / _WORDS_PER_SECOND)


def _int_attr(el: ET.Element, name: str, default: int) -> int:
    raw = el.get(name)
    if raw is None or not raw.strip().lstrip("-").isdigit():
        return default
    return int(raw)


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _invalid_nesting(el: ET.Element, top: bool = True) -> str | None:
    """Twilio rejects a whole document it cannot parse before playing any of it."""
    if top and el.tag not in _TOP_VERBS:
        if el.tag in _UNSUPPORTED_VERBS:
            return f"<{el.tag}> is valid TwiML but the emulator cannot play it"
        return f"unknown TwiML verb <{el.tag}>"
    allowed = _CHILDREN.get(el.tag, frozenset())
    if allowed is None:
        return None
    for child in el:
        if child.tag not in allowed:
            return f"<{child.tag}> is not allowed inside <{el.tag}>"
        if el.tag == "Gather":
            problem = _invalid_nesting(child, top=False)
            if problem:
                return problem
    return None


class CallEmulator:
    """One inbound call, driven step by step. See the module docstring."""

    def __init__(  # noqa: PLR0913  a call's every Twilio field, by keyword
        self,
        transport: Transport,
        *,
        auth_token: str,
        public_url: str,
        to: str,
        from_: str = "+15555550123",
        call_sid: str | None = None,
        account_sid: str = "AC" + "0" * 32,
        direction: str = "inbound",
        voice_path: str = VOICE_PATH,
        status_callback_path: str | None = STATUS_CALLBACK_PATH,
        answered_by: str | None = None,
        recordings: Path | None = None,
    ) -> None:
        """An inbound call by default. For a call the server placed (direction
        "outbound-api"), `voice_path` is the URL it gave Twilio to fetch on answer,
        `from_` its own line, `to` the person answering, and `answered_by` what Twilio's
        answering-machine detection says ("human", "machine_start", ...).

        `recordings`: a dry-run server's RECORDINGS_DIR. Twilio would hold a message's audio
        for the server to fetch; a dry-run server fetches nothing, so the emulator puts the
        audio there under the recording's SID, where the server's voicemail pipeline takes it
        (voicebot.voicemail.pipeline, dry-run only)."""
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url.rstrip("/")
        self.to = to
        self.from_ = from_
        self.call_sid = call_sid or new_sid("CA")
        self.account_sid = account_sid
        self.direction = direction
        self.voice_path = voice_path
        self.status_callback_path = status_callback_path
        self.answered_by = answered_by
        self.recordings = recordings
        self.clock = 0.0  # simulated seconds since the call was answered
        self.turns: list[Turn] = []
        self.history: list[Exchange] = []
        self._call_status = "ringing"
        self._started = False
        self._status_sent = False
        self._turn = Turn()
        self._requests_this_turn = 0
        self._wait_gather: str | None = None
        # Where the call resumes if the caller gives no input / the blocking verb falls through.
        self._rest: list[ET.Element] = []
        self._rest_url = ""
        self._enqueued_at = 0.0
        self.call_recordings: list[tuple[str, str | None]] = []
        """Whole-call recordings started with <Start><Recording>: (sid, status callback)."""

    # ---------------------------------------------------------------- caller actions

    @property
    def ended(self) -> bool:
        return self._started and self._turn.waiting == "ended"

    @property
    def turn(self) -> Turn:
        """The latest turn."""
        return self._turn

    def start(self) -> Turn:
        """The call comes in: POST the voice webhook with CallStatus=ringing."""
        if self._started:
            raise CallStateError("the call has already started")
        self._started = True
        self._begin()
        if self.direction != "inbound":
            self._call_status = "in-progress"  # Twilio fetches the URL once answered
        url = self.public_url + self.voice_path
        exchange = self._post("voice", url, {})
        self._call_status = "in-progress"
        self._follow(exchange)
        return self._finish()

    def press(self, digits: str) -> Turn:
        spec = self._expect_gather("press keys")
        if not re.fullmatch(r"[0-9*#]+", digits):
            raise CallStateError(f"keys must be 0-9, * or #, got {digits!r}")
        if "dtmf" not in spec.input:
            raise CallStateError("this <Gather> listens for speech only, not keys")
        self._begin()
        self.clock += 0.5 * len(digits)
        entered = digits
        if spec.finish_on_key:
            cut = [entered.index(k) for k in spec.finish_on_key if k in entered]
            if cut:
                entered = entered[: min(cut)]
        if spec.num_digits is not None and len(entered) > spec.num_digits:
            self._turn.notes.append(
                f"numDigits={spec.num_digits}: keys {entered[spec.num_digits :]!r} were ignored"
            )
            entered = entered[: spec.num_digits]
        if entered:
            self._gather_result(spec, {"Digits": entered})
        else:
            # Only the finish key: Twilio treats it as no input.
            self._gather_timeout(spec)
        return self._finish()

    def say(self, text: str, confidence: float = 0.92) -> Turn:
        spec = self._expect_gather("speak")
        if "speech" not in spec.input:
            raise CallStateError("this <Gather> listens for keys only, not speech")
        self._begin()
        self.clock += _speech_seconds(text) + 1
        self._gather_result(spec, {"SpeechResult": text, "Confidence": f"{confidence:g}"})
        return self._finish()

    def silence(self) -> Turn:
        """No input. A Gather times out and the call continues after it; a Record that hears
        nothing posts no recording and also continues after it."""
        self._check_started()
        waiting = self._turn.waiting
        if waiting == "gather" and self._turn.gather:
            spec = self._turn.gather
            self._begin()
            self._gather_timeout(spec)
        elif waiting == "record" and self._turn.record:
            spec_r = self._turn.record
            self._begin()
            self.clock += spec_r.timeout
            self._turn.notes.append("nothing was recorded: Twilio skips the action URL")
            self._continue()
        else:
            raise CallStateError(f"cannot stay silent while the call waits for {waiting}")
        return self._finish()

    def record(
        self,
        duration: int = 12,
        recording_sid: str | None = None,
        recording_url: str | None = None,
        finish: str = "hangup",
        audio: bytes | None = None,
    ) -> Turn:
        """Leave a message. `finish` is "hangup" (the caller hangs up: the action URL is still
        posted but its TwiML is not played, as on Twilio), a finish key such as "#" (the
        call continues with the action's TwiML), or "" (silence or maxLength ended it).
        `audio`: the message as a WAV, handed to a dry-run server (see `recordings`); without
        it, such a server gets `duration` seconds of silence, as Twilio would record."""
        self._check_started()
        spec = self._turn.record
        if self._turn.waiting != "record" or spec is None:
            raise CallStateError(f"nothing is recording; the call waits for {self._turn.waiting}")
        if finish not in ("hangup", "") and (len(finish) != 1 or finish not in spec.finish_on_key):
            raise CallStateError(
                f"finish must be 'hangup', '' or one of finishOnKey {spec.finish_on_key!r}"
            )
        if duration <= 0:
            return self.silence()
        self._begin()
        if duration > spec.max_length:
            self._turn.notes.append(f"recording cut at maxLength={spec.max_length}")
            duration, finish = spec.max_length, ("hangup" if finish == "hangup" else "")
        self.clock += duration
        sid = recording_sid or new_sid("RE")
        if audio is not None or self.recordings is not None:
            self._hand_over(sid, audio if audio is not None else silence(duration))
        url = recording_url or (
            f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"
        )
        params = {"RecordingUrl": url, "RecordingSid": sid, "RecordingDuration": str(duration)}
        if finish:
            params["Digits"] = finish
        if finish == "hangup":
            self._call_status = "completed"
        action = self._post("record", spec.action, params, method=spec.method)
        if spec.status_callback:
            self._post(
                "recording-status",
                spec.status_callback,
                {
                    "AccountSid": self.account_sid,
                    "CallSid": self.call_sid,
                    "RecordingSid": sid,
                    "RecordingUrl": url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(duration),
                    "RecordingChannels": "1",
                    "RecordingSource": "RecordVerb",
                },
                method=spec.status_callback_method,
                base=False,
            )
        if finish == "hangup":
            self._callback_ok(action)
            self._end()
        else:
            self._follow(action)
        return self._finish()

    def _hand_over(self, sid: str, audio: bytes) -> None:
        if self.recordings is None:
            self._turn.notes.append("the message's audio stays here: a live server fetches "
                                    "recordings from Twilio")
            return
        self.recordings.mkdir(parents=True, exist_ok=True)
        partial = self.recordings / f".{sid}.wav.part"
        partial.write_bytes(audio)
        os.replace(partial, self.recordings / f"{sid}.wav")  # whole, before the callback

    def dial_result(self, status: str = "completed", duration: int = 30) -> Turn:
        """How the <Dial> went on the far end; "answered" means "completed"."""
        self._check_started()
        spec = self._turn.dial
        if self._turn.waiting != "dial" or spec is None:
            raise CallStateError(
                f"nothing is being dialled; the call waits for {self._turn.waiting}"
            )
        status = "completed" if status == "answered" else status
        if status not in DIAL_STATUSES:
            raise CallStateError(f"dial status must be one of {', '.join(DIAL_STATUSES)}")
        self._begin()
        self.clock += duration if status == "completed" else spec.timeout
        if spec.action is None:
            self._continue()
            return self._finish()
        params = {"DialCallStatus": status, "DialCallSid": new_sid("CA")}
        if status == "completed":
            params["DialCallDuration"] = str(duration)
        self._follow(self._post("dial", spec.action, params, method=spec.method))
        return self._finish()

    def staff_answers(self, press: str | None = None) -> tuple[StaffLeg, Turn]:
        """The first dialled person answers: Twilio runs their `<Number url>` on their leg
        (they hear it, and press `press` or nothing), then connects the caller if that TwiML
        ends without hanging up. Twilio reports the dial as completed either way: the person
        did answer. Returns what the staff member heard, and the caller's next turn."""
        spec = self._turn.dial
        if self._turn.waiting != "dial" or spec is None or not spec.numbers:
            raise CallStateError(f"nobody is being dialled; the call waits for {self._turn.waiting}")
        url = spec.whispers[0] if spec.whispers else None
        leg = StaffLeg([], True)
        if url is not None:
            leg = self._whisper_leg(url, spec.numbers[0], press)
        return leg, self.dial_result("completed", duration=60 if leg.connected else 8)

    def _whisper_leg(self, url: str, number: str, press: str | None) -> StaffLeg:
        params = {"AccountSid": self.account_sid, "CallSid": new_sid("CA"),
                  "ParentCallSid": self.call_sid, "From": self.from_, "To": number,
                  "CallStatus": "in-progress", "Direction": "outbound-dial",
                  "ApiVersion": "2010-04-01"}
        heard: list[str] = []
        pressed: dict[str, str] = {}
        for _ in range(_MAX_REQUESTS_PER_TURN):
            exchange = self._post("whisper", url, {**params, **pressed}, base=False)
            problem = self._failure(exchange)
            if problem:
                self._turn.errors.append(problem)
                return StaffLeg(heard, False)
            root = ET.fromstring(exchange.body)
            following: str | None = None
            for verb in root:
                if verb.tag == "Say":
                    heard.append(_text(verb))
                elif verb.tag == "Gather":
                    heard += [_text(c) for c in verb if c.tag == "Say"]
                    if press:
                        following = urllib.parse.urljoin(url, verb.get("action") or url)
                        pressed = {"Digits": press}
                        break
                elif verb.tag == "Redirect":  # nothing pressed: Twilio moves past the Gather
                    following = urllib.parse.urljoin(url, _text(verb) or url)
                    pressed = {}
                    break
                elif verb.tag == "Hangup":
                    return StaffLeg(heard, False)
            if following is None:
                return StaffLeg(heard, True)
            url = following
        self._turn.errors.append("emulator: the whisper redirected too often")
        return StaffLeg(heard, False)

    def queue_result(self, result: str = "bridged") -> Turn:
        """How the caller left the queue. "hangup" means the caller hung up while waiting."""
        spec = self._expect_queue()
        if result not in QUEUE_RESULTS:
            raise CallStateError(f"queue result must be one of {', '.join(QUEUE_RESULTS)}")
        self._begin()
        self._leave_queue(spec, result)
        return self._finish()

    def queue_position(self, position: int, waited: int = 30) -> Turn:
        """The caller moved in the queue: Twilio fetches the waitUrl again."""
        spec = self._expect_queue()
        if position < 1:
            raise CallStateError("queue position starts at 1")
        self._begin()
        self.clock += waited
        moved = QueueSpec(
            name=spec.name,
            action=spec.action,
            method=spec.method,
            wait_url=spec.wait_url,
            wait_url_method=spec.wait_url_method,
            queue_sid=spec.queue_sid,
            position=position,
        )
        self._wait_in_queue(moved)
        return self._finish()

    def press_while_waiting(self, digits: str) -> Turn:
        """The caller presses keys in the queue: Twilio posts them to the wait loop's
        `<Gather>` action, whose TwiML (a `<Leave>`, more music) plays on."""
        spec = self._expect_queue()
        if self._wait_gather is None:
            raise CallStateError("the hold music does not listen for keys (no <Gather>)")
        self._begin()
        params = {"QueuePosition": str(spec.position), "QueueSid": spec.queue_sid,
                  "QueueTime": str(int(self.clock - self._enqueued_at)), "Digits": digits}
        url, self._wait_gather = self._wait_gather, None
        self._turn.waiting, self._turn.queue = "queue", spec
        verbs = self._parse(self._post("wait", url, params))
        for verb in verbs or ():
            if verb.tag == "Leave":
                self._leave_queue(spec, "leave")
                break
            if verb.tag in ("Say", "Play", "Pause"):
                self._hear(verb)
        return self._finish()

    def hangup(self) -> Turn:
        """The caller hangs up mid-call. During a Record nothing was said yet, so no recording
        is posted (use `record()` to leave a message and hang up)."""
        self._check_started()
        if self.ended:
            raise CallStateError("the call has already ended")
        previous = self._turn
        self._begin()
        if previous.waiting == "queue" and previous.queue is not None:
            self._leave_queue(previous.queue, "hangup")
        else:
            self._call_status = "completed"
            self._end()
        return self._finish()

    # ---------------------------------------------------------------- the engine

    def _begin(self) -> None:
        self._turn = Turn()
        self._requests_this_turn = 0

    def _finish(self) -> Turn:
        self.turns.append(self._turn)
        return self._turn

    def _check_started(self) -> None:
        if not self._started:
            raise CallStateError("the call has not started: call start() first")
        if self.ended:
            raise CallStateError("the call has ended")

    def _expect_gather(self, doing: str) -> GatherSpec:
        self._check_started()
        if self._turn.waiting != "gather" or self._turn.gather is None:
            raise CallStateError(f"cannot {doing}: the call waits for {self._turn.waiting}")
        return self._turn.gather

    def _expect_queue(self) -> QueueSpec:
        self._check_started()
        if self._turn.waiting != "queue" or self._turn.queue is None:
            raise CallStateError(f"nobody is in a queue; the call waits for {self._turn.waiting}")
        return self._turn.queue

    def _base_params(self) -> dict[str, str]:
        extra = {"AnsweredBy": self.answered_by} if self.answered_by else {}
        return {
            **extra,
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "From": self.from_,
            "To": self.to,
            "Caller": self.from_,
            "Called": self.to,
            "CallStatus": self._call_status,
            "Direction": self.direction,
            "ApiVersion": "2010-04-01",
        }

    def _post(
        self,
        kind: str,
        url: str,
        extra: dict[str, str],
        *,
        method: str = "POST",
        base: bool = True,
    ) -> Exchange:
        params = {**self._base_params(), **extra} if base else dict(extra)
        self._requests_this_turn += 1
        if method.upper() != "POST":
            exchange = Exchange(kind, url, params, 0, f"emulator: method {method} not supported")
        elif self._requests_this_turn > _MAX_REQUESTS_PER_TURN and kind not in _CALLBACK_KINDS:
            exchange = Exchange(
                kind,
                url,
                params,
                0,
                "emulator: too many requests in one turn without caller input (a Redirect loop?)",
            )
        else:
            headers = {
                "X-Twilio-Signature": self.validator.compute_signature(url, params),
                "User-Agent": "TwilioProxy/1.1 (voicebot emulator)",
            }
            prefix = self.public_url + "/"
            target = url[len(self.public_url) :] if url.startswith(prefix) else url
            try:
                status, body = self.transport.post(target, params, headers)
            except OSError as error:
                status, body = 0, f"emulator: could not reach the server: {error}"
            exchange = Exchange(kind, url, params, status, body)
        self._turn.exchanges.append(exchange)
        self.history.append(exchange)
        return exchange

    def _failure(self, exchange: Exchange) -> str | None:
        if 200 <= exchange.status < 300:
            return None
        path = (
            exchange.url[len(self.public_url) :]
            if exchange.url.startswith(self.public_url)
            else exchange.url
        )
        detail = exchange.body.strip().splitlines()[0][:200] if exchange.body.strip() else ""
        return f"{exchange.kind}: POST {path} -> {exchange.status}" + (
            f": {detail}" if detail else ""
        )

    def _callback_ok(self, exchange: Exchange) -> None:
        """A callback whose answer Twilio ignores: a failure is logged, the caller hears nothing."""
        problem = self._failure(exchange)
        if problem:
            self._turn.errors.append(problem)

    def _parse(self, exchange: Exchange) -> list[ET.Element] | None:
        problem = self._failure(exchange)
        if problem is None:
            try:
                root = ET.fromstring(exchange.body)
            except ET.ParseError as error:
                root = None
                problem = f"{exchange.kind}: {exchange.url}: not XML ({error})"
            if root is not None:
                if root.tag != "Response":
                    problem = (
                        f"{exchange.kind}: {exchange.url}: root is <{root.tag}>, not <Response>"
                    )
                else:
                    for verb in root:
                        nesting = _invalid_nesting(verb)
                        if nesting:
                            problem = f"{exchange.kind}: {exchange.url}: {nesting}"
                            break
                    else:
                        return list(root)
        self._application_error(problem or "invalid response")
        return None

    def _application_error(self, problem: str) -> None:
        # What the caller gets from Twilio when a webhook fails: a canned apology, then silence.
        self._turn.errors.append(problem)
        self._turn.heard.append("[application error]")
        self._call_status = "completed"
        self._end()

    def _follow(self, exchange: Exchange) -> None:
        verbs = self._parse(exchange)
        if verbs is not None:
            self._run(verbs, exchange.url)

    def _continue(self) -> None:
        verbs, url = self._rest, self._rest_url
        self._rest = []
        self._run(verbs, url)

    def _run(self, verbs: list[ET.Element], doc_url: str) -> None:
        """Plays verbs until one waits for the caller, the call ends, or the document runs out."""
        for index, verb in enumerate(verbs):
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                self._hear(verb)
            elif tag == "Redirect":
                target = urllib.parse.urljoin(doc_url, _text(verb) or doc_url)
                self._follow(self._post("redirect", target, {}, method=verb.get("method", "POST")))
                return
            elif tag == "Hangup":
                self._call_status = "completed"
                self._end()
                return
            elif tag == "Reject":
                reason = verb.get("reason", "rejected")
                self._turn.heard.append("[busy signal]" if reason == "busy" else "[not in service]")
                self._call_status = "busy" if reason == "busy" else "no-answer"
                self.clock = 0.0
                self._end(self._call_status)
                return
            elif tag == "Leave":
                self._turn.notes.append("<Leave> outside a queue does nothing")
            elif tag == "Start":
                self._start_call_recordings(verb, doc_url)
            else:
                self._rest, self._rest_url = verbs[index + 1 :], doc_url
                if tag == "Gather":
                    self._start_gather(verb, doc_url)
                elif tag == "Record":
                    self._start_record(verb, doc_url)
                elif tag == "Dial":
                    self._start_dial(verb, doc_url)
                elif tag == "Enqueue":
                    self._start_enqueue(verb, doc_url)
                return
        # Twilio hangs up when a document runs out of verbs.
        self._call_status = "completed"
        self._end()

    def _hear(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            text = _text(verb)
            if text:
                self._turn.heard.append(text)
                self.clock += _speech_seconds(text)
        elif verb.tag == "Play":
            if verb.get("digits"):
                self._turn.heard.append(f"[play digits {verb.get('digits')}]")
            else:
                self._turn.heard.append(f"[play {_text(verb)}]")
            self.clock += 3
        elif verb.tag == "Pause":
            self.clock += _int_attr(verb, "length", 1)

    def _start_gather(self, verb: ET.Element, doc_url: str) -> None:
        for child in verb:
            self._hear(child)
        modes = frozenset((verb.get("input") or "dtmf").split())
        num = verb.get("numDigits")
        self._turn.waiting = "gather"
        self._turn.gather = GatherSpec(
            input=modes,
            action=urllib.parse.urljoin(doc_url, verb.get("action") or doc_url),
            method=verb.get("method", "POST"),
            timeout=_int_attr(verb, "timeout", 5),
            num_digits=int(num) if num and num.isdigit() else None,
            finish_on_key=verb.get("finishOnKey", "#"),
            speech_timeout=verb.get("speechTimeout"),
            hints=tuple(h.strip() for h in (verb.get("hints") or "").split(",") if h.strip()),
            language=verb.get("language"),
            action_on_empty_result=verb.get("actionOnEmptyResult", "false").lower() == "true",
        )

    def _gather_result(self, spec: GatherSpec, result: dict[str, str]) -> None:
        self._follow(self._post("gather", spec.action, result, method=spec.method))

    def _gather_timeout(self, spec: GatherSpec) -> None:
        self.clock += spec.timeout
        if spec.action_on_empty_result:
            self._gather_result(spec, {})
        else:
            self._continue()

    def _start_record(self, verb: ET.Element, doc_url: str) -> None:
        callback = verb.get("recordingStatusCallback")
        max_length = _int_attr(verb, "maxLength", 3600)
        play_beep = verb.get("playBeep", "true").lower() != "false"
        if play_beep:
            self._turn.heard.append("[beep]")
        self._turn.waiting = "record"
        self._turn.record = RecordSpec(
            action=urllib.parse.urljoin(doc_url, verb.get("action") or doc_url),
            method=verb.get("method", "POST"),
            max_length=max_length if max_length > 0 else 3600,
            timeout=_int_attr(verb, "timeout", 5),
            finish_on_key=verb.get("finishOnKey", "1234567890*#"),
            play_beep=play_beep,
            status_callback=urllib.parse.urljoin(doc_url, callback) if callback else None,
            status_callback_method=verb.get("recordingStatusCallbackMethod", "POST"),
        )

    def _start_dial(self, verb: ET.Element, doc_url: str) -> None:
        legs = [c for c in verb if c.tag in ("Number", "Client", "Sip", "Sim")]
        targets = [_text(c) for c in legs]
        whispers = tuple(urllib.parse.urljoin(doc_url, c.get("url", "")) if c.get("url") else None
                         for c in legs)
        if not len(verb) and _text(verb):
            targets.append(_text(verb))
        queue = next((_text(c) for c in verb if c.tag == "Queue"), None)
        conference = next((_text(c) for c in verb if c.tag == "Conference"), None)
        action = verb.get("action")
        self._turn.waiting = "dial"
        self._turn.dial = DialSpec(
            action=urllib.parse.urljoin(doc_url, action) if action else None,
            method=verb.get("method", "POST"),
            timeout=_int_attr(verb, "timeout", 30),
            caller_id=verb.get("callerId"),
            numbers=tuple(targets),
            queue=queue,
            conference=conference,
            whispers=whispers,
        )

    def _start_enqueue(self, verb: ET.Element, doc_url: str) -> None:
        action, wait_url = verb.get("action"), verb.get("waitUrl")
        self._enqueued_at = self.clock
        spec = QueueSpec(
            name=_text(verb),
            action=urllib.parse.urljoin(doc_url, action) if action else None,
            method=verb.get("method", "POST"),
            wait_url=urllib.parse.urljoin(doc_url, wait_url) if wait_url else None,
            wait_url_method=verb.get("waitUrlMethod", "POST"),
            queue_sid=new_sid("QU"),
            position=1,
        )
        self._wait_in_queue(spec)

    def _wait_in_queue(self, spec: QueueSpec) -> None:
        """Plays the waitUrl once; Twilio would loop it, but once is all a test can observe."""
        self._turn.waiting = "queue"
        self._turn.queue = spec
        if spec.wait_url is None:
            self._turn.heard.append("[hold music]")
            return
        params = {
            "QueuePosition": str(spec.position),
            "QueueSid": spec.queue_sid,
            "QueueTime": str(int(self.clock - self._enqueued_at)),
            "AvgQueueTime": "60",
            "CurrentQueueSize": str(spec.position),
        }
        url: str = spec.wait_url
        while True:
            verbs = self._parse(self._post("wait", url, params, method=spec.wait_url_method))
            if verbs is None:
                return
            redirect: str | None = None
            for verb in verbs:
                if verb.tag in ("Say", "Play", "Pause"):
                    self._hear(verb)
                elif verb.tag == "Gather":
                    for child in verb:
                        self._hear(child)
                    action = verb.get("action")
                    self._wait_gather = urllib.parse.urljoin(url, action) if action else url
                elif verb.tag == "Leave":
                    self._leave_queue(spec, "leave")
                    return
                elif verb.tag == "Hangup":
                    self._leave_queue(spec, "hangup")
                    return
                elif verb.tag == "Redirect":
                    redirect = urllib.parse.urljoin(url, _text(verb) or url)
                    break
                else:
                    self._application_error(
                        f"wait: {url}: <{verb.tag}> is not allowed in a waitUrl"
                    )
                    return
            if redirect is None:
                return
            url = redirect

    def _leave_queue(self, spec: QueueSpec, result: str) -> None:
        hung_up = result == "hangup"
        if hung_up:
            self._call_status = "completed"
        self._turn.waiting = "ended"  # replaced below unless the call really ends
        self._turn.queue = None
        if spec.action is None:
            if hung_up:
                self._end()
            else:
                self._continue()
            return
        params = {
            "QueueResult": result,
            "QueueSid": spec.queue_sid,
            "QueueTime": str(int(self.clock - self._enqueued_at)),
        }
        exchange = self._post("enqueue", spec.action, params, method=spec.method)
        if hung_up:
            self._callback_ok(exchange)
            self._end()
        else:
            self._follow(exchange)

    def _start_call_recordings(self, verb: ET.Element, doc_url: str) -> None:
        """<Start><Recording> records the whole call without waiting; Twilio reports the
        recording once the call is over."""
        for recording in verb:
            callback = recording.get("recordingStatusCallback")
            self.call_recordings.append(
                (new_sid("RE"), urllib.parse.urljoin(doc_url, callback) if callback else None)
            )
            self._turn.notes.append("call recording started")

    def _report_call_recordings(self) -> None:
        for sid, callback in self.call_recordings:
            if callback is None:
                continue
            exchange = self._post("recording-status", callback, {
                "RecordingSid": sid,
                "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}"
                                f"/Recordings/{sid}",
                "RecordingStatus": "completed",
                "RecordingDuration": str(int(self.clock)),
                "RecordingChannels": "2",
                "RecordingSource": "StartCallRecordingTwiML",
            })
            self._callback_ok(exchange)

    def _end(self, status: str = "completed") -> None:
        self._turn.waiting = "ended"
        self._turn.gather = None
        self._turn.record = None
        self._turn.dial = None
        self._turn.queue = None
        self._rest = []
        if self._status_sent or self.status_callback_path is None:
            return
        self._status_sent = True
        self._call_status = status
        exchange = self._post(
            "status",
            self.public_url + self.status_callback_path,
            {"CallStatus": status, "CallDuration": str(int(self.clock))},
        )
        self._callback_ok(exchange)
        self._report_call_recordings()


def silence(seconds: int, rate: int = 8000) -> bytes:
    """A silent recording as Twilio makes them: 8 kHz mono 16-bit WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * rate * seconds)
    return buffer.getvalue()


def wav_seconds(data: bytes) -> int:
    """A WAV's length in whole seconds, rounded up; 1 at least (Twilio's RecordingDuration)."""
    with wave.open(io.BytesIO(data)) as audio:
        return max(1, math.ceil(int(audio.getnframes()) / int(audio.getframerate())))


# ------------------------------------------------------------------------- texts (SMS)
SMS_PATH = "/twilio/sms"


@dataclass(frozen=True)
class TextReply:
    """What the server answered to one incoming SMS: the texts Twilio would send back."""

    status: int
    body: str
    replies: tuple[str, ...]
    problem: str | None = None


class TextEmulator:
    """A phone texting one of the server's numbers: each `send` posts the signed webhook
    Twilio posts for an incoming SMS and reads the TwiML `<Message>` replies; `resend`
    delivers the last one again, as Twilio does when it got no answer in time."""

    def __init__(self, transport: Transport, *, auth_token: str, public_url: str, to: str,
                 from_: str = "+15555550123", account_sid: str = "AC" + "0" * 32,
                 sms_path: str = SMS_PATH) -> None:
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url.rstrip("/")
        self.to, self.from_, self.account_sid, self.sms_path = to, from_, account_sid, sms_path
        self.sent: list[dict[str, str]] = []

    def send(self, body: str, sid: str | None = None) -> TextReply:
        sid = sid or new_sid("SM")
        segments = max(1, math.ceil(len(body) / 153)) if len(body) > 160 else 1
        params = {
            "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": self.account_sid,
            "From": self.from_, "To": self.to, "Body": body, "NumMedia": "0",
            "NumSegments": str(segments), "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }
        self.sent.append(params)
        return self._post(params)

    def resend(self) -> TextReply:
        if not self.sent:
            raise CallStateError("nothing was texted yet")
        return self._post(self.sent[-1])

    def _post(self, params: dict[str, str]) -> TextReply:
        url = self.public_url + self.sms_path
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params),
                   "User-Agent": "TwilioProxy/1.1 (voicebot emulator)"}
        try:
            status, body = self.transport.post(self.sms_path, params, headers)
        except OSError as error:
            return TextReply(0, "", (), f"could not reach the server: {error}")
        if not 200 <= status < 300:
            return TextReply(status, body, (), f"POST {self.sms_path} -> {status}")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            return TextReply(status, body, (), f"the answer is not TwiML: {error}")
        if root.tag != "Response":
            return TextReply(status, body, (), f"the answer's root is <{root.tag}>, not <Response>")
        replies = []
        for message in root.iter("Message"):
            inner = message.find("Body")
            replies.append(_text(inner if inner is not None else message))
        return TextReply(status, body, tuple(replies))
