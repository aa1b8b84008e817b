"""`queue`: hold the caller in a named queue until a staff member's `answer_queue` takes
them, highest priority first, then in arrival order (OM-3).

While they wait (Twilio's `<Enqueue waitUrl>`, answered by the web edge's queue-wait loop)
they hear hold music, their place in line and an estimate of the wait from recent history,
every `announce_every` seconds; with `message_key`, that key leaves the queue for `message`
(usually the voicemail) at any moment. With `keep_place`, another key keeps the caller's
place and ends the call: when their place comes up and a staff member takes it, voicebot
calls them back and puts them through (`voicebot.services.kept_places`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from typing_extensions import override

from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import HANGUP, Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import Flow, KeepPlace, Source, StepBase, Text, TimeRange
from voicebot.flows.schema import (
    Invalid,
    Key,
    Node,
    Reported,
    Schema,
    check_mapping,
    integer,
    whole_number,
)
from voicebot.flows.wording import Event, sentence
from voicebot.language import inflect
from voicebot.language.tags import language_family


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
    keep_place: KeepPlace | None = None


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


def offer_after(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
        raise Invalid("expected whole seconds waited before the offer, from 0 to 3600")
    return value


def attempts(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid("expected 1 to 5 calls (more is pestering a caller who is not there)")
    return value


def spacing(node: Node) -> dt.timedelta:
    gap = fields.duration(node)
    if not dt.timedelta(minutes=1) <= gap <= dt.timedelta(hours=24):
        raise Invalid("expected a duration from 1m to 24h between calls")
    return gap


_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def quiet_hours(node: Node) -> TimeRange:
    """'20:00-08:00': a daily span when nobody is called back; it may run past midnight."""
    found = _SPAN.match(node.value.strip()) if isinstance(node.value, str) else None
    if found is None:
        raise Invalid('expected a daily span like "20:00-08:00" (the line\'s time zone)')
    hours = (int(found[1]), int(found[2])), (int(found[3]), int(found[4]))
    if any(h > 23 or m > 59 for h, m in hours):
        raise Invalid("expected times of day from 00:00 to 23:59")
    if hours[0] == hours[1]:
        raise Invalid("the quiet hours start and end at the same time")
    return TimeRange(dt.time(*hours[0]), dt.time(*hours[1]))


KEEP_PLACE: Schema = {
    "key": Key(one_key, required=True),
    "offer_after": Key(offer_after, default=0),
    "min_wait": Key(integer(0), default=0),
    "attempts": Key(attempts, default=2),
    "spacing": Key(spacing, default=dt.timedelta(minutes=5)),
    "quiet_hours": Key(quiet_hours),
    "offer": Key(fields.texts, default=()),
    "say": Key(fields.texts, default=()),
    "assign": Key(fields.role, default=""),
}


def keep_place(node: Node) -> KeepPlace:
    values = check_mapping(node, KEEP_PLACE, what="a mapping with at least `key:`")
    return KeepPlace(**values)


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
        "keep_place": Key(keep_place),
        "next": next_key(),
    }
    waits = True
    resumes_on = frozenset({"queue", "dial"})
    notes = ("queue", "queue-told", "queue-message", "queue-kept", "kept-call")
    words: ClassVar[Words] = {
        "en": {"queue": "The caller waited in the queue {text}.",
               "queue-told": "The caller was told they were number {position} in line{wait}.",
               "wait": ", about {minutes} to wait",
               "queue-message": "The caller chose to leave a message instead of waiting.",
               "queue-kept": "The caller kept their place in line and hung up; we are to call "
                             "them back at {text}."},
        "ru": {"queue": "Абонент ждал в очереди {text}.",
               "queue-told": "Абоненту сообщили его номер в очереди: {position}{wait}.",
               "wait": ", ждать примерно {minutes}",
               "queue-message": "Абонент не стал ждать и решил оставить сообщение.",
               "queue-kept": "Абонент сохранил место в очереди и положил трубку; мы "
                             "перезвоним ему по номеру {text}."},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Queue:
        message = values["message"]
        kept: KeepPlace | None = values["keep_place"]
        if kept is not None and kept.key == values["message_key"]:
            node.child("keep_place").child("key").fail(
                "the message key already leaves the queue for a message: keep_place needs "
                "another key")
            raise Reported
        return Queue(sid, src, name=values["queue"], priority=values["priority"],
                     next=values["next"], hold=values["hold"], max_wait=values["max_wait"],
                     unanswered=values["unanswered"], music=values["music"],
                     announce_every=values["announce_every"], message_key=values["message_key"],
                     message=message if message is not None else node.ctx.default_fallback,
                     keep_place=kept)

    def run(self, turn: Turn, step: Queue) -> str | None:
        place = turn.call.vars.get(PLACE_VAR)
        if place and turn.call.direction == "outbound":
            return self._called_back(turn, step, int(place))
        turn.effects.join_queue(turn.call, turn.flow.id, step.name, step.priority, turn.now)
        turn.call.outcome = "queued"
        turn.response.enqueue(
            twilio_queue(turn.flow, step.name, step.priority),
            action=turn.urls.step(step.id, turn.call.turn, "queue"), method="POST",
            wait_url=turn.urls.queue_wait(step.id), wait_url_method="POST",
        )
        turn.event("queue", step.name, priority=step.priority)
        return None

    def _called_back(self, turn: Turn, step: Queue, place: int) -> str | None:
        """The caller who kept their place answered our call back: why we call, then the
        staff member on hold for them (`answer_queue`)."""
        hold = turn.effects.kept_answered(place)
        if hold is None:
            turn.event("kept-call", "staff-gone", what="staff-gone")
            turn.speak(turn.phrase("kept_staff_gone"))
            turn.hangup(())
            return None
        lines = step.keep_place.say if step.keep_place else ()
        if lines:
            turn.say(lines)
        else:
            turn.speak(turn.phrase("kept_hello", name=turn.flow.name))
        turn.response.dial(action=turn.urls.step(step.id, turn.call.turn, "dial"),
                           method="POST").queue(hold)
        turn.event("kept-call", "connecting", what="connecting")
        return None

    @override
    def resume(self, turn: Turn, step: Queue, event: str,
               reply: Reply) -> str | None:
        if event == "dial":  # a call back: the conversation with staff ended, or never began
            place = int(turn.call.vars.get(PLACE_VAR) or 0)
            turn.event("dial-result", reply.dial_status)
            if reply.dial_status in ("completed", "answered"):
                turn.effects.kept_connected(place, turn.now)
                turn.call.outcome = "served"
            else:
                turn.effects.kept_not_put_through(place)
                turn.event("kept-call", "staff-gone", what="staff-gone")
                turn.speak(turn.phrase("kept_staff_gone"))
            turn.hangup(())
            return None
        result = reply.queue_result
        if step.keep_place and result == "leave":
            number = turn.effects.kept_number(turn.call)
            if number:
                # The caller pressed the keep_place key (the wait loop kept their place).
                turn.event("queue-result", "kept")
                turn.speak(turn.phrase("kept_confirm",
                                       number=spoken_number(number, turn.flow.language)))
                turn.hangup(())
                turn.call.outcome = "kept-place"
                return None
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
        if step.keep_place:
            edges.append(Edge(step.id, HANGUP, f"key {step.keep_place.key}: keeps place, "
                                               "called back"))
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
        if event.kind == "queue-kept":
            return w["queue-kept"].format(text=event.text)
        if event.kind == "kept-call":
            return kept_call_note(d, flow, lang)
        return sentence(w["queue"].format(text=event.text))


PLACE_VAR = "kept_place"
"""The variable of a call back: the kept place it is for (voicebot.services.kept_places)."""

KEPT_WORDS: Words = {
    "en": {"calling": "Kept place: called back at {time} (call {attempt} of {of}).",
           "connected": "Kept place: the caller answered the call back and was put through "
                        "to staff.",
           "answered": "Kept place: the caller answered the call back but hung up before "
                       "being put through.",
           "retry": "Kept place: not reached ({status}); the next call is due after {next}.",
           "ticket": "Kept place: not reached after {calls} ({status}); ticket #{ticket} for "
                     "a person to call them back.",
           "dry-run": "Kept place: dry run, the call back was not placed.",
           "staff-gone": "The staff member on hold had hung up; the caller heard an apology.",
           "connecting": "The caller who kept their place answered and heard why we called.",
           "no-answer": "no answer", "busy": "busy", "failed": "the call failed",
           "canceled": "the call was canceled", "machine": "an answering machine",
           "completed": "the call ended before they were put through"},
    "ru": {"calling": "Сохранённое место: перезвонили в {time} (звонок {attempt} из {of}).",
           "connected": "Сохранённое место: абонент ответил на обратный звонок и был соединён "
                        "с сотрудником.",
           "answered": "Сохранённое место: абонент ответил на обратный звонок, но положил "
                       "трубку до соединения с сотрудником.",
           "retry": "Сохранённое место: не дозвонились ({status}); следующий звонок — после "
                    "{next}.",
           "ticket": "Сохранённое место: не дозвонились за {calls} ({status}); создана заявка "
                     "№{ticket}, чтобы абоненту перезвонил сотрудник.",
           "dry-run": "Сохранённое место: пробный режим, обратный звонок не совершался.",
           "staff-gone": "Сотрудник, ожидавший на линии, положил трубку; абонент услышал "
                         "извинение.",
           "connecting": "Абонент, сохранивший место, ответил и услышал, почему мы звоним.",
           "no-answer": "нет ответа", "busy": "занято", "failed": "вызов не прошёл",
           "canceled": "вызов отменён", "machine": "ответил автоответчик",
           "completed": "звонок закончился до соединения"},
}


def kept_call_note(data: dict[str, Any], flow: Flow | None, lang: str) -> str:
    """A kept place's call back, in the journal of the call that kept it."""
    w = KEPT_WORDS[lang]
    what = str(data.get("what", ""))
    if what not in w:
        return ""
    zone = ZoneInfo(flow.timezone) if flow is not None else dt.UTC
    at = data.get("when")
    nxt = data.get("next")
    status = str(data.get("status", ""))
    return w[what].format(
        time=_clock(at, zone, lang) if isinstance(at, str) else "",
        next=_clock(nxt, zone, lang) if isinstance(nxt, str) else "",
        attempt=data.get("attempt", ""), of=data.get("of", ""),
        calls=calls_said(int(data.get("of") or 0), lang), ticket=data.get("ticket", ""),
        status=w.get(status, status))


def _clock(iso: str, zone: dt.tzinfo, lang: str) -> str:
    moment = dt.datetime.fromisoformat(iso).astimezone(zone)
    return moment.strftime("%H:%M" if lang == "ru" else "%I:%M %p").lstrip("0")


def calls_said(count: int, lang: str) -> str:
    """"1 call", "2 calls"; Russian after «за» in the accusative: "1 звонок", "2 звонка",
    "5 звонков"."""
    if lang != "ru":
        return "1 call" if count == 1 else f"{count} calls"
    return f"{count} {inflect.count_form(count, 'звонок', 'звонка', 'звонков')}"


def spoken_number(number: str, language: str) -> str:
    """A phone number read out in groups, digit by digit, without the country code of the
    line's own country: "5 0 3, 5 5 5, 0 1 7 7"; Russian "9 0 0, 5 5 5, 0 1, 7 7". A <Say>
    of "+15035550177" would read it as a quantity."""
    digits = number.lstrip("+")
    if digits[:1] in ("1", "7") and len(digits) == 11:
        digits = digits[1:]
    tail = [digits[6:8], digits[8:]] if language_family(language) == "ru" else [digits[6:]]
    groups = [digits[:3], digits[3:6], *tail]
    return ", ".join(" ".join(g) for g in groups if g)


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
