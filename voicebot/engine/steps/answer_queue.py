"""`answer_queue`: a staff member takes the next waiting caller of a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.steps.queue import twilio_queue
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Source, StepBase
from voicebot.flows.schema import Key, Node, Schema


@dataclass(frozen=True)
class AnswerQueue(StepBase):
    """A staff member takes the next waiting caller: highest priority first, then arrival."""

    queue: str
    next: str
    """Where the staff member goes after the conversation."""
    empty: str
    """Where the staff member goes when nobody is waiting."""


@register
class AnswerQueueKind(StepKind[AnswerQueue]):
    key = "answer_queue"
    rank = 60
    step = AnswerQueue
    schema: ClassVar[Schema] = {
        "answer_queue": Key(fields.queue_use, required=True),
        "next": next_key(),
        "empty": next_key(),
    }
    waits = True
    resumes_on = frozenset({"dial"})

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> AnswerQueue:
        return AnswerQueue(sid, src, queue=values["answer_queue"], next=values["next"],
                           empty=values["empty"])

    def run(self, turn: Turn, step: AnswerQueue) -> str | None:
        waiting = turn.effects.take_waiting(turn.flow.id, step.queue, turn.now)
        if waiting is None:
            turn.event("answer-queue", "nobody waiting")
            return step.empty
        dial = turn.response.dial(action=turn.urls.step(step.id, turn.call.turn, "dial"),
                                  method="POST")
        dial.queue(twilio_queue(turn.flow, waiting.queue, waiting.priority))
        turn.event("answer-queue", waiting.queue, priority=waiting.priority,
                   call_id=waiting.call_id)
        return None

    @override
    def resume(self, turn: Turn, step: AnswerQueue, event: str,
               reply: Reply) -> str | None:
        turn.event("dial-result", reply.dial_status)
        return step.next

    def edges(self, step: AnswerQueue) -> list[Edge]:
        return [Edge(step.id, step.next, "next"), Edge(step.id, step.empty, "queue empty")]
