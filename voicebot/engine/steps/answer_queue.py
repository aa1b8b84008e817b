"""`answer_queue`: a staff member takes the next waiting caller of a queue.

The next one may be a kept place (the queue step's `keep_place`): the caller hung up and is
called back now. The staff member then hears who is called back and why, and waits on hold
(an `<Enqueue>` of their own) until the caller answers and is put through; a call back that
reaches nobody releases them, with what happens next, to take the next caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.steps.queue import spoken_number, twilio_queue
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.hours import spoken_date, spoken_time
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
    resumes_on = frozenset({"dial", "queue"})

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> AnswerQueue:
        return AnswerQueue(sid, src, queue=values["answer_queue"], next=values["next"],
                           empty=values["empty"])

    def run(self, turn: Turn, step: AnswerQueue) -> str | None:
        waiting = turn.effects.take_waiting(turn.flow, step.queue, turn.now, turn.call)
        if waiting is None:
            turn.event("answer-queue", "nobody waiting")
            return step.empty
        if waiting.hold:
            turn.speak(turn.phrase("kept_staff_hold",
                                   number=spoken_number(waiting.kept_number, turn.flow.language)))
            turn.response.enqueue(
                waiting.hold, action=turn.urls.step(step.id, turn.call.turn, "queue"),
                method="POST", wait_url=turn.urls.queue_wait(step.id), wait_url_method="POST")
            turn.event("answer-queue", waiting.queue, priority=waiting.priority,
                       call_id=waiting.call_id, kept=waiting.kept_number)
            return None
        dial = turn.response.dial(action=turn.urls.step(step.id, turn.call.turn, "dial"),
                                  method="POST")
        dial.queue(twilio_queue(turn.flow, waiting.queue, waiting.priority))
        turn.event("answer-queue", waiting.queue, priority=waiting.priority,
                   call_id=waiting.call_id)
        return None

    @override
    def resume(self, turn: Turn, step: AnswerQueue, event: str,
               reply: Reply) -> str | None:
        if event == "dial":
            turn.event("dial-result", reply.dial_status)
            return step.next
        # On hold for a kept place's call back.
        if reply.queue_result == "hangup":
            turn.effects.kept_staff_left(turn.call)
            turn.event("queue-result", "hangup")
            return None
        outcome = turn.effects.kept_outcome(turn.call)
        if outcome is not None and reply.queue_result == "bridged":
            # Put through: whichever leg reports it first marks the place served.
            turn.effects.kept_connected(outcome.place, turn.now)
        turn.event("queue-result", reply.queue_result)
        if outcome is None or reply.queue_result == "bridged":
            return step.next
        if outcome.result == "kept" and outcome.next_try_at is not None:
            turn.speak(turn.phrase("kept_staff_retry", when=_when(turn, outcome.next_try_at)))
        elif outcome.result == "not-reached":
            turn.speak(turn.phrase("kept_staff_ticket"))
        elif outcome.result == "called-back":
            turn.speak(turn.phrase("kept_staff_hung_up"))
        return step.id  # still free: the next caller


    def edges(self, step: AnswerQueue) -> list[Edge]:
        return [Edge(step.id, step.next, "next"), Edge(step.id, step.empty, "queue empty")]


def _when(turn: Turn, moment: dt.datetime) -> str:
    """A time in the line's zone as the staff member hears it, with the day if not today."""
    zone = ZoneInfo(turn.flow.timezone)
    here, today = moment.astimezone(zone), turn.now.astimezone(zone).date()
    said = spoken_time(here.time(), turn.flow.language)
    if here.date() == today:
        return said
    return f"{spoken_date(here.date(), turn.flow.language)}, {said}"
