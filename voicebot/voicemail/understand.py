"""What a voicemail asks for: the service, who called, a number to call back, how urgent (OM-4).

Precision comes first: a quote goes out only when the message names a service from the
flow's catalogue and nothing marks it as something else (a supplier, a job seeker, a wrong
number...). Everything else goes to a person, who loses nothing by reading it; a caller who
gets a quote they did not ask for loses trust in the business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voicebot.flows import words
from voicebot.flows.model import Flow, NotServiceReason, Phrase, Service
from voicebot.voicemail import matching, names, numbers
from voicebot.voicemail.matching import Match, Said

Reason = NotServiceReason | Literal["no_service_named", "empty", "no_catalogue"]
Urgency = Literal["urgent", "normal"]

URGENT_WORDS = {
    "english": (
        "urgent", "urgently", "asap", "a s a p", "as soon as possible", "emergency", "flooding",
        "flooded", "flood", "water everywhere", "right away", "immediately", "smoke", "sparks",
        "burning smell", "smells like gas", "gas smell", "on fire",
    ),
    "russian": (
        "срочно", "срочный", "срочная", "срочное", "авария", "аварийная", "как можно скорее",
        "как можно быстрее", "немедленно", "прямо сейчас", "дым", "дымит", "затопило",
        "отказали тормоза", "не тормозит",
    ),
}
NEGATIONS = frozenset({"not", "no", "isn", "не", "нет"})
"""A word just before an urgent word that turns it around: "it's not urgent", "не срочно"."""

FILLERS = frozenset({
    "uh", "um", "umm", "hmm", "er", "ah", "eh", "mm", "hello", "hi", "unk", "blank",
    "silence", "inaudible", "noise", "алло", "ээ", "эээ", "мм", "ммм", "але",
})
"""Words that say nothing: a message of only these is empty (a hang-up after the beep)."""


@dataclass(frozen=True)
class Understanding:
    service: Service | None
    is_service_request: bool
    reason: Reason | None
    """Why no quote: a `not_service` reason, 'no_service_named', 'empty' or 'no_catalogue'."""
    caller_name: str | None
    callback_number: str | None
    """E.164 when the digits make a whole number, else the digits as said."""
    urgency: Urgency
    matched_words: tuple[str, ...]
    """Catalogue phrases found in the message, as written in the flow file."""


def _urgency(said: Said, language: str, extra: tuple[Phrase, ...]) -> tuple[Urgency, list[Match]]:
    builtin = tuple(words.make_phrase(w, language) for w in URGENT_WORDS[language])
    found = [
        m for m in matching.find_any(builtin + extra, said, language)
        if not (m.start > 0 and said.stems[m.start - 1] in NEGATIONS)
        and not (m.start > 1 and said.stems[m.start - 2] in NEGATIONS)
    ]
    return ("urgent" if found else "normal"), found


def _country(flow: Flow) -> str:
    """Country code for numbers said without one: the line's own (+375 for a Belarusian line)."""
    return numbers.country(flow.numbers, flow.stem_language)


def _pick_service(services: tuple[Service, ...], said: Said, language: str) -> tuple[
        Service | None, list[Match]]:
    """The service named first in the message; at one place, the one with the longer phrase
    ("dish washer" is a dishwasher, not a washer)."""
    best: tuple[int, int, int] | None = None
    chosen: Service | None = None
    found: list[Match] = []
    for order, service in enumerate(services):
        matches = matching.find_any(service.words, said, language)
        found.extend(matches)
        for m in matches:
            key = (m.start, -(m.end - m.start), order)
            if best is None or key < best:
                best, chosen = key, service
    return chosen, found


def understand(transcript: str, flow: Flow) -> Understanding:
    language = flow.stem_language
    said = Said.of(transcript, language)
    catalogue = flow.quotes
    extra_urgent = catalogue.urgent if catalogue else ()
    urgency, urgent_found = _urgency(said, language, extra_urgent)
    number = numbers.callback_number(said.words, _country(flow))

    reasons: list[NotServiceReason] = []
    marker_found: list[Match] = []
    service: Service | None = None
    service_found: list[Match] = []
    if catalogue is not None:
        for kind, phrases in catalogue.not_service.items():
            hits = matching.find_any(phrases, said, language)
            if hits:
                reasons.append(kind)
                marker_found.extend(hits)
        service, service_found = _pick_service(catalogue.services, said, language)

    found = service_found + marker_found + urgent_found
    taken = {i for m in found for i in range(m.start, m.end)}
    name = names.caller_name(said.words, language, taken, flow.name)

    reason: Reason | None
    if not [w for w in said.words if w not in FILLERS]:
        reason = "empty"
    elif catalogue is None:
        reason = "no_catalogue"
    elif reasons:
        reason = reasons[0]
    elif service is None:
        reason = "no_service_named"
    else:
        reason = None
    matched = tuple(dict.fromkeys(m.phrase.text for m in found))
    return Understanding(
        service=service if reason is None else None,
        is_service_request=reason is None,
        reason=reason,
        caller_name=name,
        callback_number=number,
        urgency=urgency,
        matched_words=matched,
    )
