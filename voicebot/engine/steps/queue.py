"""`queue`: hold the caller in a named queue until a staff member's `answer_queue` takes
them, highest priority first, then in arrival order (OM-3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import HANGUP, Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, integer, whole_number


@dataclass(frozen=True)
class Queue(StepBase):
    name: str
    priority: int
    """Higher is served first; equal priorities are served in arrival order (OM-3)."""
    next: str
    """Where the caller goes when they leave the queue without being served."""
    hold: tuple[Text, ...] = ()
    max_wait: int = 300
    unanswered: tuple[Text, ...] = ()
    """Said before `next`; empty: the engine's apology in the flow's language."""


def twilio_queue(flow: Flow, queue: str, priority: int) -> str:
    """Twilio queues are first-in first-out, so each priority gets its own Twilio queue and
    staff always dequeue from the highest non-empty one."""
    return f"{flow.id}.{queue}.p{priority}"


@register
class QueueKind(StepKind[Queue]):
    key = "queue"
    rank = 50
    step = Queue
    schema: ClassVar[Schema] = {
        "queue": Key(fields.queue_name, required=True),
        "priority": Key(whole_number, default=0),
        "hold": Key(fields.texts, default=()),
        "max_wait": Key(integer(1), default=300),
        "unanswered": Key(fields.texts, default=()),
        "next": next_key(),
    }
    waits = True
    resumes_on = frozenset({"queue"})
    notes = ("queue",)
    words: ClassVar[Words] = {
        "en": {"queue": "The caller waited in the queue {text}."},
        "ru": {"queue": "Абонент ждал в очереди {text}."},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Queue:
        return Queue(sid, src, name=values["queue"], priority=values["priority"],
                     next=values["next"], hold=values["hold"], max_wait=values["max_wait"],
                     unanswered=values["unanswered"])

    def run(self, turn: Turn, step: Queue) -> str | None:
        turn.effects.join_queue(turn.call, turn.flow.id, step.name, step.priority, turn.now)
        turn.call.outcome = "queued"
        turn.response.enqueue(
            twilio_queue(turn.flow, step.name, step.priority),
            action=turn.urls.step(step.id, turn.call.turn, "queue"), method="POST",
            wait_url=turn.urls.queue_wait(step.id), wait_url_method="POST",
        )
        turn.event("queue", step.name, priority=step.priority)
        return None

    @override
    def resume(self, turn: Turn, step: Queue, event: str,
               reply: Reply) -> str | None:
        result = reply.queue_result
        turn.event("queue-result", result)
        turn.effects.leave_queue(turn.call, result, turn.now)
        if result == "bridged":
            turn.call.outcome = "served"
            return HANGUP
        if result == "hangup":
            turn.call.outcome = "abandoned"
            return None
        turn.unanswered(step.unanswered)
        return step.next

    def edges(self, step: Queue) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]
