"""`notify`: text every member of the given staff roles and go on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import (
    Edge,
    Event,
    StepKind,
    Words,
    next_key,
    register,
    sentence,
)
from voicebot.engine.steps.sms import send
from voicebot.engine.turn import Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, list_of
from voicebot.flows.wording import role_name
from voicebot.models import MessagePurpose


@dataclass(frozen=True)
class Notify(StepBase):
    roles: tuple[str, ...]
    text: Text
    next: str


@register
class NotifyKind(StepKind[Notify]):
    key = "notify"
    rank = 90
    step = Notify
    schema: ClassVar[Schema] = {
        "notify": Key(list_of(fields.role, min_items=1), required=True),
        "text": Key(fields.joined_text, required=True),
        "next": next_key(),
    }
    notes = ("notify",)
    words: ClassVar[Words] = {
        "en": {"notify": "Staff notified ({to}): {text}"},
        "ru": {"notify": "Сотрудники уведомлены ({to}): {text}"},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Notify:
        return Notify(sid, src, roles=values["notify"], text=values["text"], next=values["next"])

    def run(self, turn: Turn, step: Notify) -> str | None:
        body = turn.render(step.text)
        for role in step.roles:
            for member in turn.flow.members(role):
                send(turn, step.id, member.phone, body, MessagePurpose.NOTIFY)
        return step.next

    def edges(self, step: Notify) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]

    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        to = role_name(flow, str(event.data.get("to")))
        return sentence(self.words[lang]["notify"].format(to=to, text=event.text))
