"""`voicemail`: record a message after the prompt; the recording goes to the quote pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, Event, StepKind, Words, next_key, register
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, boolean, integer


@dataclass(frozen=True)
class Voicemail(StepBase):
    prompt: tuple[Text, ...]
    next: str
    max_length: int = 120
    transcribe: bool = False
    """Also ask Twilio for its own transcription text."""
    quote: bool = True
    """Run the voicemail-to-quote pipeline on this recording."""


@register
class VoicemailKind(StepKind[Voicemail]):
    key = "voicemail"
    rank = 70
    step = Voicemail
    schema: ClassVar[Schema] = {
        "voicemail": Key(fields.texts, required=True),
        "max_length": Key(integer(1), default=120),
        "transcribe": Key(boolean, default=False),
        "quote": Key(boolean, default=True),
        "next": next_key(),
    }
    waits = True
    resumes_on = frozenset({"record"})
    notes = ("recorded",)
    words: ClassVar[Words] = {
        "en": {"recorded": "The caller left a voicemail ({seconds} s)."},
        "ru": {"recorded": "Абонент оставил голосовое сообщение ({seconds} с)."},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Voicemail:
        return Voicemail(sid, src, prompt=values["voicemail"], next=values["next"],
                         max_length=values["max_length"], transcribe=values["transcribe"],
                         quote=values["quote"])

    def run(self, turn: Turn, step: Voicemail) -> str | None:
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
        return None

    @override
    def resume(self, turn: Turn, step: Voicemail, event: str,
               reply: Reply) -> str | None:
        sid, duration = reply.recording_sid, reply.recording_duration
        if sid and duration > 0:
            turn.effects.store_voicemail(turn.call, turn.flow.id, sid,
                                         reply.recording_url, duration, turn.now)
            turn.call.outcome = "voicemail"
            turn.event("recorded", f"{duration} s", recording_sid=sid)
        else:
            turn.event("recorded", "no message left")
        return step.next

    def edges(self, step: Voicemail) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        if not event.data.get("recording_sid"):
            return ""
        return self.words[lang]["recorded"].format(seconds=event.text.split()[0])
