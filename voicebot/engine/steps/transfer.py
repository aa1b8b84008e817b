"""`transfer`: dial the first staff role with someone available (OM-2); on no answer, the
fallback.

With `whisper:`, the staff member who answers first hears who is calling and why, and takes
the call with 1 (Twilio's `<Number url>`: the caller is connected only when that URL's TwiML
ends); members are then dialled one at a time, so pressing 2 or nothing sends the call on to
the next available person, in the order the roles and the roster give, and then to the
fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from twilio.twiml.voice_response import Dial
from typing_extensions import override

from voicebot.engine.conditions import available_members
from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, boolean, integer, list_of
from voicebot.flows.wording import Event, role_name

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
    whisper: tuple[Text, ...] = ()
    """Said to the staff member who answers, before the caller is connected."""


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
        "whisper": Key(fields.texts, default=()),
        "next": next_key(),
        "fallback": Key(fields.target),
    }
    waits = True
    resumes_on = frozenset({"dial"})
    notes = ("transfer", "whisper")
    words: ClassVar[Words] = {
        "en": {"transfer": "Put through to: {role}.",
               "nobody": "Nobody was available to take the call.",
               "offered": "Offered to {member} ({role}).",
               "accepted": "{member} took the call.",
               "declined": "{member} passed the call on."},
        "ru": {"transfer": "Звонок переведён: {role}.",
               "nobody": "Свободных сотрудников не было.",
               "offered": "Звонок предложен: {member} ({role}).",
               "accepted": "Звонок принят — {member}.",
               "declined": "Отказ — {member}; звонок передан дальше."},
    }

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Transfer:
        fallback = values["fallback"]
        return Transfer(
            sid, src, roles=values["transfer"], next=values["next"],
            fallback=fallback if fallback is not None else node.ctx.default_fallback,
            announce=values["announce"], timeout=values["timeout"], record=values["record"],
            unanswered=values["unanswered"], whisper=values["whisper"],
        )

    def run(self, turn: Turn, step: Transfer) -> str | None:
        if step.whisper:
            return self._offer(turn, step, 0)
        for role in step.roles:
            members = available_members(turn.flow, role, turn.now)
            if members:
                break
        else:
            turn.event("transfer", "nobody available", roles=list(step.roles))
            turn.unanswered(step.unanswered)
            return step.fallback
        turn.say(step.announce)
        dial = _dial(turn, step)
        for member in members:
            dial.number(member.phone)
        turn.event("transfer", role, role=role, members=[m.id for m in members])
        return None

    def _offer(self, turn: Turn, step: Transfer, attempt: int) -> str | None:
        """Dial the `attempt`-th available member (counting from 0) with the whisper."""
        people = [(role, m) for role in step.roles
                  for m in available_members(turn.flow, role, turn.now)]
        if attempt >= len(people):
            if attempt == 0:
                turn.event("transfer", "nobody available", roles=list(step.roles))
            turn.unanswered(step.unanswered)
            return step.fallback
        role, member = people[attempt]
        if attempt == 0:
            turn.say(step.announce)
        else:
            turn.speak(turn.phrase("still_trying"))
        dial = _dial(turn, step)
        whisper = turn.urls.whisper(turn.call.sid, step.id, turn.call.turn, member.id)
        dial.number(member.phone, url=whisper, method="POST")
        turn.event("transfer", role, role=role, members=[member.id], attempt=attempt,
                   whisper=True)
        return None

    @override
    def resume(self, turn: Turn, step: Transfer, event: str,
               reply: Reply) -> str | None:
        status = reply.dial_status
        turn.event("dial-result", status, duration=reply.dial_duration)
        if step.whisper:
            # Twilio reports a member who answered and then passed as a completed dial, so
            # only the member's own 1, journalled by the whisper webhook, means taken.
            dialled = turn.call.turn - 1
            if status in ANSWERED and turn.effects.whisper_taken(turn.call, dialled):
                turn.call.outcome = "transferred"
                return step.next
            offered = turn.effects.last_event_data(turn.call, "transfer") or {}
            return self._offer(turn, step, int(offered.get("attempt", 0)) + 1)
        if status in ANSWERED:
            turn.call.outcome = "transferred"
            return step.next
        turn.unanswered(step.unanswered)
        return step.fallback

    def edges(self, step: Transfer) -> list[Edge]:
        return [Edge(step.id, step.next, "next"), Edge(step.id, step.fallback, "fallback")]

    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w = self.words[lang]
        member = member_name(flow, str(event.data.get("member") or ""))
        if event.kind == "whisper":
            return w["accepted" if event.data.get("taken") else "declined"].format(member=member)
        if event.data.get("whisper"):
            (first,) = event.data.get("members") or [""]
            return w["offered"].format(member=member_name(flow, str(first)),
                                       role=role_name(flow, str(event.data.get("role"))))
        if event.text == "nobody available":
            return w["nobody"]
        return w["transfer"].format(role=role_name(flow, str(event.data.get("role") or event.text)))


def _dial(turn: Turn, step: Transfer) -> Dial:
    return turn.response.dial(
        action=turn.urls.step(step.id, turn.call.turn, "dial"), method="POST",
        timeout=step.timeout, caller_id=turn.line_number,
        **({"record": "record-from-answer"} if step.record else {}),
    )


def member_name(flow: Flow | None, member_id: str) -> str:
    """A staff member as the roster names them; their id when it gives no name."""
    for member in flow.staff if flow else ():
        if member.id == member_id:
            return member.name or member.id
    return member_id
