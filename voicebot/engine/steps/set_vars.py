"""`set`: store values (texts with placeholders) in call variables and go on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields, texts
from voicebot.flows.model import Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, dict_of


@dataclass(frozen=True)
class SetVars(StepBase):
    values: tuple[tuple[str, Text], ...]
    next: str


@register
class SetKind(StepKind[SetVars]):
    key = "set"
    rank = 110
    step = SetVars
    schema: ClassVar[Schema] = {
        "set": Key(dict_of(fields.variable_definition, fields.value_text), required=True),
        "next": next_key(),
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> SetVars:
        return SetVars(sid, src, values=tuple(values["set"].items()), next=values["next"])

    def run(self, turn: Turn, step: SetVars) -> str | None:
        vals = turn.values()
        for name, text in step.values:
            turn.set_var(name, texts.render(text, vals))
        return step.next

    def edges(self, step: SetVars) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]
