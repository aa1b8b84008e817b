"""`queue`: hold the caller in a named queue until a staff member's `answer_queue` takes
them, highest priority first, then in arrival order (OM-3).

While they wait (Twilio's `<Enqueue waitUrl>`, answered by the web edge's queue-wait loop)
they hear hold music, their place in line and an estimate of the wait from recent history,
every `announce_every` seconds; with `message_key`, that key leaves the queue for `message`
(usually the voicemail) at any moment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import HANGUP, Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Invalid, Key, Node, Schema, integer, whole_number
from voicebot.flows.wording import Event, sentence


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
    music: str = ""
    """Hold music: an http(s) URL, or a file under audio/ served at /audio/NAME."""
    announce_every: int = 60
    """Seconds between telling the caller their place and the estimated wait."""
    message_key: str = ""
    message: str = ""
    """Where `message_key` takes the caller (the flow's fallback unless the step says)."""


def twilio_queue(flow: Flow, queue: str, priority: int) -> str:
    """Twilio queues are first-in first-out, so each priority gets its own Twilio queue and
    staff always dequeue from the highest non-empty one."""
    return f"{flow.id}.{queue}.p{priority}"


def announce_every(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 600:
        raise Invalid("expected whole seconds from 20 to 600 (more often interrupts the music "
                      "all the time; less often leaves the caller wondering)")
    return value


def one_key(node: Node) -> str:
    key = fields.digits(node)
    if len(key) != 1:
        raise Invalid("expected one keypad key (0-9, * or #)")
    return key


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
        "music": Key(fields.audio, default=""),
        "announce_every": Key(announce_every, default=60),
        "message_key": Key(one_key, default=""),
        "message": Key(fields.target),
        "next": next_key(),
    }
    waits = True
    resumes_on = frozenset({"queue"})
    notes = ("queue", "queue-told", "queue-message")
    words: ClassVar[Words] = {
        "en": {"queue": "The caller waited in the queue {text}.",
               "queue-told": "The caller was told they were number {position} in line{wait}.",
               "wait": ", about {minutes} to wait",
               "queue-message": "The caller chose to leave a message instead of waiting."},
        "ru": {"queue": "Абонент ждал в очереди {text}.",
               "queue-told": "Абоненту сообщили его номер в очереди: {position}{wait}.",
               "wait": ", ждать примерно {minutes}",
               "queue-message": "Абонент не стал ждать и решил оставить сообщение."},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Queue:
        message = values["message"]
        return Queue(sid, src, name=values["queue"], priority=values["priority"],
                     next=values["next"], hold=values["hold"], max_wait=values["max_wait"],
                     unanswered=values["unanswered"], music=values["music"],
                     announce_every=values["announce_every"], message_key=values["message_key"],
                     message=message if message is not None else node.ctx.default_fallback)

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
        if step.message_key and result == "leave" and turn.effects.chose_message(turn.call):
            # The caller pressed `message_key` while waiting (the wait loop made them leave).
            turn.event("queue-result", "message")
            return step.message
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
        edges = [Edge(step.id, step.next, "next")]
        if step.message_key:
            edges.append(Edge(step.id, step.message, f"key {step.message_key}"))
        return edges

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w, d = self.words[lang], event.data
        if event.kind == "queue-told":
            minutes = d.get("minutes")
            wait = w["wait"].format(minutes=spoken_minutes(int(minutes), lang)) if minutes else ""
            return w["queue-told"].format(position=d.get("position"), wait=wait)
        if event.kind == "queue-message":
            return w["queue-message"]
        return sentence(w["queue"].format(text=event.text))


def spoken_minutes(minutes: int, lang: str) -> str:
    """"a minute", "3 minutes"; Russian in the accusative after "примерно": "1 минуту",
    "3 минуты", "5 минут", "21 минуту"."""
    if lang == "ru":
        last, tens = minutes % 10, minutes % 100
        if last == 1 and tens != 11:
            word = "минуту"
        elif 2 <= last <= 4 and not 12 <= tens <= 14:
            word = "минуты"
        else:
            word = "минут"
        return f"{minutes} {word}"
    return "a minute" if minutes == 1 else f"{minutes} minutes"
