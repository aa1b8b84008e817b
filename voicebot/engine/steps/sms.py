"""`sms`: text the caller (or every member of a staff role) and go on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields
from voicebot.flows.model import Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema
from voicebot.models import MessagePurpose


@dataclass(frozen=True)
class Sms(StepBase):
    to: str
    """'caller' or a staff role."""
    text: Text
    next: str


def recipient(node: Node) -> str:
    if node.value == "caller":
        return "caller"
    return fields.role(node)


def send(turn: Turn, step_id: str, to: str, body: str, purpose: MessagePurpose) -> None:
    """Store one SMS of this step, once however often the webhook is replayed; the worker
    sends it after the turn commits (the caller never waits on Twilio's API)."""
    message_id = turn.effects.queue_sms(turn.flow, turn.call, to=to, body=body,
                                        purpose=purpose, key=turn.dedupe(step_id, to))
    turn.event("sms" if purpose == "caller" else "notify", body, to=to, message_id=message_id)


@register
class SmsKind(StepKind[Sms]):
    key = "sms"
    rank = 80
    step = Sms
    schema: ClassVar[Schema] = {
        "sms": Key(fields.joined_text, required=True),
        "to": Key(recipient, default="caller"),
        "next": next_key(),
    }
    notes = ("sms",)
    words: ClassVar[Words] = {
        "en": {"sms": "SMS sent to the caller: {text}"},
        "ru": {"sms": "Абоненту отправлено SMS: {text}"},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Sms:
        return Sms(sid, src, to=values["to"], text=values["sms"], next=values["next"])

    def run(self, turn: Turn, step: Sms) -> str | None:
        body = turn.render(step.text)
        if step.to == "caller":
            send(turn, step.id, turn.call.party, body, MessagePurpose.CALLER)
        else:
            for member in turn.flow.members(step.to):
                send(turn, step.id, member.phone, body, MessagePurpose.NOTIFY)
        return step.next

    def edges(self, step: Sms) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]
