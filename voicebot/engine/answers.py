"""Understanding what the caller pressed or said in answer to an `ask`.

Every choice is scored (`voicebot.language.scorer`); the best one is taken when the layer is
confident enough, confirmed with the caller when it is a guess, and left alone when it is
hardly a guess at all. Keys pressed are exact and always taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from voicebot.flows.model import CaptureKind, Choice, Flow
from voicebot.language import entities, keys, numbers, places, polarity
from voicebot.language.scorer import Menu, Verdict

PLACE_CONFIDENCE = 0.9
"""How sure a town named within a choice's radius is: a name, not a phrase that may mean two
things."""
GUESS_FLOOR = 0.3
"""Below this confidence the best choice is not even worth asking about."""

REFUSAL_CONFIDENCE = 0.75
"""How sure an answer that only negates a choice is the answer no: as sure as the word "нет"."""
BARE_NO = frozenset({"нет", "no"})
"""A choice listing one of these alone is the answer no."""

Certainty = Literal["sure", "guess"]


class Question(Protocol):
    """What understanding an answer reads of an `ask` step."""

    @property
    def choices(self) -> tuple[Choice, ...]: ...
    @property
    def use_anywhere(self) -> bool: ...
    @property
    def menu(self) -> Menu[int] | None: ...
    @property
    def confirm_below(self) -> float | None: ...


@dataclass(frozen=True)
class Heard:
    choice: Choice
    confidence: float
    certainty: Certainty


def offered(flow: Flow, step: Question) -> tuple[Choice, ...]:
    """The choices an answer to `step` may pick, in the order the step's menu keys them."""
    return (flow.anywhere if step.use_anywhere else ()) + step.choices


def menu(flow: Flow, step: Question) -> Menu[int]:
    if step.menu is not None:
        return step.menu
    # Asks the loader does not see (a `book` step's question) have no choices to compile.
    choices = offered(flow, step)
    return Menu([(i, c.patterns) for i, c in enumerate(choices)], flow.family,
                addressed=[i for i, c in enumerate(choices) if c.addressed])


def confirmable(choice: Choice) -> bool:
    """A choice can be confirmed when the flow says how to ask about it."""
    return choice.confirm is not None or choice.label is not None


def hear(flow: Flow, step: Question, digits: str, speech: str) -> Heard | None:
    choices = offered(flow, step)
    if digits:
        for choice in choices:
            if digits in choice.digits:
                return Heard(choice, 1.0, "sure")
    if not speech:
        return None
    said_key = keys.lone_key(speech, flow.family)
    if said_key is not None:
        for choice in choices:
            if said_key in choice.digits:
                return Heard(choice, 1.0, "sure")
    verdict: Verdict[int] = menu(flow, step).hear(entities.with_error_word(speech, flow.family))
    best = verdict.best
    threshold = step.confirm_below if step.confirm_below is not None else flow.confirm_below
    # Two choices that go to one state (a booking said two ways) do not make a guess of it.
    confidence = verdict.confidence_by(lambda k: choices[k].goto)
    # "Наверное, буду", "там видно будет": a hedged answer is confirmed, never acted on as
    # said (RT-4: a technician is not sent to a client who only may be home).
    hedged = best is not None and polarity.unsure_of_self(speech, flow.family)
    if best is not None and confidence >= threshold \
            and not (hedged and confirmable(choices[best.key])):
        return Heard(choices[best.key], confidence, "sure")
    # A town the choices do not list by name, near a place one of them serves ("Щёлково" for
    # the Moscow centre), is as clear an answer as the name itself.
    nearby = near(flow, choices, speech)
    if nearby is not None:
        return Heard(nearby, PLACE_CONFIDENCE, "sure")
    if best is None:
        refusal = _refusal(choices, verdict)
        return None if refusal is None else Heard(refusal, REFUSAL_CONFIDENCE, "sure")
    choice = choices[best.key]
    if (confidence >= GUESS_FLOOR or hedged) and confirmable(choice):
        return Heard(choice, confidence, "guess")
    return None


def _refusal(choices: tuple[Choice, ...], verdict: Verdict[int]) -> Choice | None:
    """The choice that is the answer no, when all the answer did was negate another choice:
    "Остались ли вопросы?" - "нет вопросов", "инвалидности нет" (TS-6), "no more questions"."""
    if not verdict.negated:
        return None
    for i, choice in enumerate(choices):
        if i not in verdict.negated and any(w.text.lower() in BARE_NO for w in choice.words):
            return choice
    return None


def near(flow: Flow, choices: tuple[Choice, ...], speech: str) -> Choice | None:
    """The choice serving the first town named, by the nearest of the places choices are
    `near`, within its radius."""
    if not any(c.near for c in choices):
        return None
    for town in places.named(speech, flow.family):
        served = [(town.km_to(n.place), c) for c in choices for n in c.near
                  if town.km_to(n.place) <= n.km]
        if served:
            return min(served, key=lambda s: s[0])[1]
    return None


def capture_value(kind: CaptureKind, digits: str, speech: str, flow: Flow,
                  spoken_only: bool = False, question: str = "") -> str | None:
    """The answer as the variable stores it, or None when it is not an answer of that kind.
    `spoken_only`: a keypress is not an answer to a question the caller can speak (a stray
    "0" must not become someone's question for management). `question`: what was asked, so
    a yes or no said in its words ("не на гарантии") is heard."""
    raw = digits or speech
    if spoken_only and not speech and kind in ("text", "date", "name", "place"):
        return None
    if kind in ("text", "date"):
        return raw.strip() or None
    if kind in ("digits", "number"):
        # Said in words too: "двадцать девять пятьсот..." or "nine seven two oh five".
        return numbers.digits(raw) or None
    if kind == "phone":
        # Said without a country code, a number belongs to the line's own country (+375 29 ...
        # on a Belarusian line); typed on the keypad it is read the same way.
        return entities.phone_in(raw, entities.line_country(flow.numbers, flow.stem_language))
    if kind == "place":
        # The town named ("мы в Ногинске" -> "Ногинск"), else the answer as said.
        return places.town_said(speech, flow.family) or speech.strip() or None
    if kind == "name":
        # "Андрей меня зовут", "да просто Саша", "зовите меня Лёша" keep only the name; an
        # answer with no recognisable name is kept as said, for a person to read.
        return entities.answered_name(speech, flow.stem_language) or speech.strip() or None
    if digits in ("1", "2"):
        return "yes" if digits == "1" else "no"
    return polarity.answer(speech, flow.family, question) if speech else None
