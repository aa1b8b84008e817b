"""`book`: offer the earliest free slot of a calendar; book it when the client agrees
(CS-3, CS-9); a "no" offers the next one, from the day the client names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from typing_extensions import override

from voicebot.engine.answers import capture_value
from voicebot.engine.steps.ask import Ask, gather
from voicebot.engine.steps.base import Edge, StepKind, Words, next_key, register
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.hours import spoken_date
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import Key, Node, Schema, integer, pattern, positive_number
from voicebot.language import spoken_time
from voicebot.services import bookings


@dataclass(frozen=True)
class Book(StepBase):
    """Offer the earliest free slot of a calendar; book it when the client agrees (CS-3, CS-9).

    A day takes pre-bookings up to `share` of its standard hours (`posts` working in parallel
    through the flow's open hours), and each slot at most `posts` jobs at once; slots lie
    `lead` or more ahead and at most `days_ahead` days away."""

    calendar: str
    question: Ask
    """How a slot is offered: the prompt (with the slot in `capture`), yes or no."""
    capture: str
    """Holds the slot on offer, then the one booked; empty when none was."""
    next: str
    full: str
    """No slot free in the window, or the client turned down `offers` of them."""
    posts: int = 1
    share: float = 1.0
    days_ahead: int = 7
    job_hours: float = 1.0
    lead: dt.timedelta = dt.timedelta(hours=1)
    offers: int = 3
    wish: str | None = None
    """A variable with the time the client asked for in words: the search starts there."""


OFFERS = {
    "ru": "Могу записать вас на {%s:вин}. Вам подходит? Скажите «да» или «нет», или нажмите 1 или 2.",
    "en": "I can book you for {%s}. Does that suit you? Say yes or no, or press 1 or 2.",
}
"""The question a `book` step asks when the flow gives no `offer:` of its own."""


def spoken_slot(flow: Flow, slot: dt.datetime) -> str:
    """'среда, 25 ноября, в 10:00' or 'Wednesday, November 25 at 10:00'."""
    here = slot.astimezone(ZoneInfo(flow.timezone))
    day = spoken_date(here.date(), flow.language)
    if flow.stem_language == "russian":
        return f"{day}, в {here:%H:%M}"
    return f"{day} at {here:%H:%M}"


@register
class BookKind(StepKind[Book]):
    key = "book"
    rank = 130
    step = Book
    schema: ClassVar[Schema] = {
        "book": Key(pattern(r"^[a-z][a-z0-9_-]*$", "a calendar name like repair"), required=True),
        "capture": Key(fields.variable_definition, required=True),
        "offer": Key(fields.texts),
        "reprompt": Key(fields.texts, default=()),
        "wish": Key(fields.variable_use),
        "posts": Key(integer(1), default=1),
        "share": Key(fields.share, default=1.0),
        "days_ahead": Key(integer(0), default=7),
        "job_hours": Key(positive_number, default=1.0),
        "lead": Key(fields.duration, default=dt.timedelta(hours=1)),
        "offers": Key(integer(1), default=3),
        "next": next_key(),
        "full": next_key(),
    }
    waits = True
    resumes_on = frozenset({"gather", "silence"})
    notes = ("booked",)
    words: ClassVar[Words] = {"en": {"booked": "Booked: {text}."},
                              "ru": {"booked": "Запись: {text}."}}

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Book:
        v = values
        capture: str = v["capture"]
        prompt = v["offer"] or (
            Text(OFFERS["ru" if node.ctx.stem_language == "russian" else "en"] % capture, src,
                 frozenset({capture})),
        )
        question = Ask(sid, src, prompt=prompt, input=frozenset(("dtmf", "speech")), choices=(),
                       no_input=v["full"], no_match=v["full"], num_digits=1, timeout=6,
                       retries=1, reprompt=v["reprompt"], capture=capture,
                       capture_kind="yes_no", next=v["next"], use_anywhere=False)
        return Book(sid, src, calendar=v["book"], question=question, capture=capture,
                    next=v["next"], full=v["full"], posts=v["posts"], share=v["share"],
                    days_ahead=v["days_ahead"], job_hours=v["job_hours"], lead=v["lead"],
                    offers=v["offers"], wish=v["wish"])

    def run(self, turn: Turn, step: Book) -> str | None:
        # The search starts at the time the client asked for, if they said one.
        said = str(turn.call.vars.get(step.wish) or "") if step.wish else ""
        wish = spoken_time.named(said, turn.now, turn.flow.timezone)
        return _offer(turn, step, wish.moment if wish else turn.now, wish)

    @override
    def resume(self, turn: Turn, step: Book, event: str, reply: Reply) -> str | None:
        digits, speech = reply.digits, reply.speech
        offered = dt.datetime.fromisoformat(str(turn.call.vars.get(_offer_key(step))))
        answer = capture_value("yes_no", digits, speech, turn.flow)
        if digits or speech:
            turn.call.inputs += 1
            turn.event("input", digits or speech, digits=digits, speech=speech)
        if answer == "yes":
            made = turn.effects.book(
                turn.flow, step, offered, turn.now, key=turn.dedupe(step.id),
                call_id=turn.call.id, phone=turn.call.party,
                client_name=str(turn.call.vars.get("client_name") or ""))
            if made is not None:
                turn.event("booked", spoken_slot(turn.flow, offered), booking_id=made.id)
                return step.next
            turn.event("booking", "taken meanwhile")
            answer = "no"
        if answer == "no":
            # "нет, лучше в четверг": the next offer starts at the day they name.
            wish = spoken_time.named(speech, turn.now, turn.flow.timezone) if speech else None
            start = max(wish.moment if wish else offered, offered + dt.timedelta(seconds=1))
            return _offer(turn, step, start, wish)
        turn.call.retries += 1
        if turn.call.retries > step.question.retries:
            turn.set_var(step.capture, "")
            return step.full
        turn.say(step.question.reprompt)
        gather(turn, step.question, step.question.prompt)
        return None

    def edges(self, step: Book) -> list[Edge]:
        return [Edge(step.id, step.next, "booked"), Edge(step.id, step.full, "no slot")]


def _offer_key(step: Book) -> str:
    return f"_offer_{step.id}"


def _offer(turn: Turn, step: Book, start_from: dt.datetime,
           wish: spoken_time.Named | None = None) -> str | None:
    """Offer the first free slot from `start_from` (or, if none, the first at all); returns
    the `full` state when there is nothing more to offer. A slot other than the one the
    client asked for (`wish`) comes with the reason, so the offer answers what they said."""
    offered = int(turn.call.vars.get(f"{_offer_key(step)}_count") or 0)
    slot = None
    if offered < step.offers:
        slot = turn.effects.free_slot(turn.flow, step, turn.now, start_from)
        if slot is None and start_from > turn.now:
            slot = turn.effects.free_slot(turn.flow, step, turn.now, turn.now)
    if slot is None:
        turn.set_var(step.capture, "")
        turn.event("booking", "no slot offered" if not offered else f"{offered} slot(s) declined")
        return step.full
    spoken = spoken_slot(turn.flow, slot)
    unmet = _unmet(turn, step, wish, slot) if wish is not None else None
    if unmet is not None:
        turn.speak(turn.phrase(f"slot_{unmet}"))
    turn.set_var(step.capture, spoken)
    turn.set_var(_offer_key(step), slot.isoformat())
    turn.set_var(f"{_offer_key(step)}_count", str(offered + 1))
    turn.event("offer", spoken)
    turn.call.retries = 0
    gather(turn, step.question, step.question.prompt)
    return None


CLOSE_ENOUGH = dt.timedelta(hours=1)
"""An offer this near the hour asked for meets it ("к девяти" answered with 09:00 or 10:00
when jobs start every two hours is no refusal)."""


def _unmet(turn: Turn, step: Book, wish: spoken_time.Named, slot: dt.datetime) -> str | None:
    """Which part of the client's wish the slot does not meet, or None: said before the offer
    (engine phrases `slot_*`), since "в четверг в десять" answered with Friday at noon and no
    word why sounds as if the client was not heard (CS-9 keeps the window to three days)."""
    zone = ZoneInfo(turn.flow.timezone)
    wanted, offered = wish.moment.astimezone(zone), slot.astimezone(zone)
    missed_hour = wish.time and abs(offered - wanted) > CLOSE_ENOUGH
    other_day = offered.date() != wanted.date()
    day = wanted.date()
    ranges = () if day in turn.flow.hours.holidays else turn.flow.hours.week.get(day.weekday(), ())
    if wanted >= bookings.window_end(turn.flow, step, turn.now):
        return "far"
    if missed_hour and wanted < turn.now + step.lead:
        return "soon"
    if wish.day and other_day and not ranges:
        return "day_closed"
    if missed_hour and not any(r.start <= wanted.time() < r.end for r in ranges):
        return "closed"
    if other_day:
        return "day_full"
    return "taken" if missed_hour else None
