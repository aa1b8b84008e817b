"""`hangup`: an optional goodbye, then the call ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields
from voicebot.flows.model import Source, StepBase, Text
from voicebot.flows.schema import Invalid, Key, Node, Schema


@dataclass(frozen=True)
class Hangup(StepBase):
    text: tuple[Text, ...] = ()


def goodbye(node: Node) -> tuple[Text, ...]:
    if node.value is None or node.value is True:
        return ()
    if isinstance(node.value, bool):
        raise Invalid("expected a goodbye text, or true to hang up without one")
    result: tuple[Text, ...] = fields.texts(node)
    return result


@register
class HangupKind(StepKind[Hangup]):
    key = "hangup"
    rank = 140
    step = Hangup
    schema: ClassVar[Schema] = {"hangup": Key(goodbye, required=True)}
    waits = True

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Hangup:
        return Hangup(sid, src, text=values["hangup"])

    def run(self, turn: Turn, step: Hangup) -> str | None:
        turn.hangup(step.text)
        return None

    @override
    def edges(self, step: Hangup) -> list[Edge]:
        return []
