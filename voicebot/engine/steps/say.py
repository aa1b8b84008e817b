"""`say`: speak the texts (then an optional pause) and go on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields
from voicebot.flows.model import Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, integer


@dataclass(frozen=True)
class Say(StepBase):
    text: tuple[Text, ...]
    next: str
    pause: int = 0


@register
class SayKind(StepKind[Say]):
    key = "say"
    rank = 10
    step = Say
    schema: ClassVar[Schema] = {
        "say": Key(fields.texts, required=True),
        "next": next_key(),
        "pause": Key(integer(0), default=0),
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Say:
        return Say(sid, src, text=values["say"], next=values["next"], pause=values["pause"])

    def run(self, turn: Turn, step: Say) -> str | None:
        turn.say(step.text)
        if step.pause:
            turn.response.pause(length=step.pause)
        return step.next

    def edges(self, step: Say) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]
