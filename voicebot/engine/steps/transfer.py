"""`transfer`: dial the first staff role with someone available (OM-2); on no answer, the
fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.conditions import available_members
from voicebot.engine.steps.base import Edge, Event, StepKind, Words, next_key, register
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, boolean, integer, list_of
from voicebot.flows.wording import role_name

ANSWERED = {"completed", "answered"}
"""Dial statuses of a call a person took."""


@dataclass(frozen=True)
class Transfer(StepBase):
    roles: tuple[str, ...]
    """Tried in order: the first role with an available member is dialled (OM-2)."""
    next: str
    """Where the call goes after the transferred conversation ends."""
    fallback: str
    """Where the call goes when nobody is available or nobody answers."""
    announce: tuple[Text, ...] = ()
    timeout: int = 20
    record: bool = False
    unanswered: tuple[Text, ...] = ()
    """Said before the fallback; empty: the engine's apology in the flow's language."""


@register
class TransferKind(StepKind[Transfer]):
    key = "transfer"
    rank = 40
    step = Transfer
    schema: ClassVar[Schema] = {
        "transfer": Key(list_of(fields.role, min_items=1), required=True),
        "announce": Key(fields.texts, default=()),
        "timeout": Key(integer(1), default=20),
        "record": Key(boolean, default=False),
        "unanswered": Key(fields.texts, default=()),
        "next": next_key(),
        "fallback": Key(fields.target),
    }
    waits = True
    resumes_on = frozenset({"dial"})
    notes = ("transfer",)
    words: ClassVar[Words] = {
        "en": {"transfer": "Put through to: {role}.",
               "nobody": "Nobody was available to take the call."},
        "ru": {"transfer": "Звонок переведён: {role}.",
               "nobody": "Свободных сотрудников не было."},
    }

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Transfer:
        fallback = values["fallback"]
        return Transfer(
            sid, src, roles=values["transfer"], next=values["next"],
            fallback=fallback if fallback is not None else node.ctx.default_fallback,
            announce=values["announce"], timeout=values["timeout"], record=values["record"],
            unanswered=values["unanswered"],
        )

    def run(self, turn: Turn, step: Transfer) -> str | None:
        for role in step.roles:
            members = available_members(turn.flow, role, turn.now)
            if members:
                break
        else:
            turn.event("transfer", "nobody available", roles=list(step.roles))
            turn.unanswered(step.unanswered)
            return step.fallback
        turn.say(step.announce)
        dial = turn.response.dial(
            action=turn.urls.step(step.id, turn.call.turn, "dial"), method="POST",
            timeout=step.timeout, caller_id=turn.line_number,
            **({"record": "record-from-answer"} if step.record else {}),
        )
        for member in members:
            dial.number(member.phone)
        turn.event("transfer", role, role=role, members=[m.id for m in members])
        return None

    @override
    def resume(self, turn: Turn, step: Transfer, event: str,
               reply: Reply) -> str | None:
        status = reply.dial_status
        turn.event("dial-result", status, duration=reply.dial_duration)
        if status in ANSWERED:
            turn.call.outcome = "transferred"
            return step.next
        turn.unanswered(step.unanswered)
        return step.fallback

    def edges(self, step: Transfer) -> list[Edge]:
        return [Edge(step.id, step.next, "next"), Edge(step.id, step.fallback, "fallback")]

    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w = self.words[lang]
        if event.text == "nobody available":
            return w["nobody"]
        return w["transfer"].format(role=role_name(flow, str(event.data.get("role") or event.text)))
