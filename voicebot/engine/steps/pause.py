"""`pause`: a few seconds of deliberate silence (Twilio's `<Pause length=N>`), then `next`.

For a beat before news the caller should take in, or time to find a pen before a number is
read out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, Event, StepKind, Words, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows.model import Flow, Source, StepBase
from voicebot.flows.schema import Invalid, Key, Node, Schema

LONGEST = 30
"""Seconds: a longer silence sounds like a dropped call, and callers hang up."""


@dataclass(frozen=True)
class Pause(StepBase):
    seconds: int
    next: str


def seconds(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LONGEST:
        raise Invalid(f"expected whole seconds from 1 to {LONGEST} (longer silence sounds "
                      "like a dropped call)")
    return value


@register
class PauseKind(StepKind[Pause]):
    key = "pause"
    rank = 15
    step = Pause
    schema: ClassVar[Schema] = {"pause": Key(seconds, required=True), "next": next_key()}
    notes = ("pause",)
    words: ClassVar[Words] = {
        "en": {"pause": "The caller was given {seconds} s of silence."},
        "ru": {"pause": "Абоненту дали паузу {seconds} с."},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Pause:
        return Pause(sid, src, seconds=values["pause"], next=values["next"])

    def run(self, turn: Turn, step: Pause) -> str | None:
        turn.response.pause(length=step.seconds)
        turn.event("pause", f"{step.seconds} s", seconds=step.seconds)
        return step.next

    def edges(self, step: Pause) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        return self.words[lang]["pause"].format(seconds=event.data.get("seconds"))
