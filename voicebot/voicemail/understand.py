"""What a voicemail asks for: the service, who called, a number to call back, how urgent (OM-4).

Precision comes first: a quote goes out only when the message names a service from the
flow's catalogue and nothing marks it as something else (a supplier, a job seeker, a wrong
number...). Everything else goes to a person, who loses nothing by reading it; a caller who
gets a quote they did not ask for loses trust in the business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from voicebot.flows.model import Flow, NotServiceReason, Service
from voicebot.language import entities, focus, negation
from voicebot.language.lemmas import Term, analyse
from voicebot.language.scorer import CONTEXT, FLOOR, Evidence, Menu, Verdict
from voicebot.language.urgency import builtin_urgent
from voicebot.voicemail import names, numbers, roles, symptoms

Reason = NotServiceReason | Literal["no_service_named", "empty", "no_catalogue"]
Urgency = Literal["urgent", "normal"]

HEARD = 0.5
"""A reason, service or urgency counts from this confidence: a quote goes out only on a
clear request (precision first), and a message for a person loses nothing."""

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


_ANYONES: frozenset[Reason | None] = frozenset({"spam", "wrong_number"})
"""Reasons any speaker may have: heard in the catalogue's words, they outrank a role."""

_GENERIC_URGENT: dict[str, Menu[str]] = {}


def _urgent_menu(flow: Flow) -> Menu[str]:
    if flow.quotes is not None and flow.quotes.urgent_heard is not None:
        return flow.quotes.urgent_heard
    family = flow.family
    if family not in _GENERIC_URGENT:
        _GENERIC_URGENT[family] = Menu([("urgent", builtin_urgent(family))], family)
    return _GENERIC_URGENT[family]


def _found(verdict: Verdict[Any]) -> list[Evidence]:
    return [e for s in verdict.ranking for e in s.evidence]


def _country(flow: Flow) -> str:
    """Country code for numbers said without one: the line's own (+375 for a Belarusian line)."""
    return numbers.country(flow.numbers, flow.stem_language)


def understand(transcript: str, flow: Flow) -> Understanding:
    terms: tuple[Term, ...] = analyse(transcript, flow.family)
    said = tuple(t.text for t in terms)
    catalogue = flow.quotes
    urgent = _urgent_menu(flow).hear_terms(terms)
    urgency: Urgency = "urgent" if urgent.best and urgent.confidence >= HEARD else "normal"
    number = numbers.callback_number(said, _country(flow))

    found: list[Evidence] = _found(urgent) if urgency == "urgent" else []
    reason: Reason | None
    service: Service | None = None
    if not [w for w in said if w not in FILLERS]:
        reason = "empty"
    elif catalogue is None or catalogue.services_heard is None \
            or catalogue.reasons_heard is None:
        reason = "no_catalogue"
    else:
        # Every reason and service is scored; the strongest reason wins over any service
        # (precision first: a supplier naming a fridge part gets no quote).
        meaning = analyse(entities.with_error_word(transcript, flow.family), flow.family)
        reasons = catalogue.reasons_heard.hear_terms(meaning)
        services = catalogue.services_heard.hear_terms(meaning)
        best_reason = reasons.best
        best_service = services.best
        found += _found(reasons) + _found(services)
        # What the caller asks outranks what it is about (`focus`): "а машина уже готова? я
        # оставлял её на ремонт подвески" names a repair the business already has; a quote
        # for it would be false, so a person calls back. Another reason must be heard
        # beyond the question to win ("is it ready yet? we sell parts" is a supplier).
        denied = negation.denied(meaning, flow.family)
        done = focus.done_asked(meaning, flow.family, denied)
        # Who speaks outranks what they name (`roles`): an insurer about a customer's claim,
        # a seller offering brake pads, a mechanic looking for work, a customer whose car is
        # already with us.
        speaker = roles.role(meaning, flow.family)
        heard = best_reason.key if best_reason is not None \
            and best_reason.score >= HEARD else None
        # A wait on our own job ("the part you ordered for my washer, has it come in?") is
        # said in a supplier's words, parts and orders, and outranks them; any other reason
        # (an insurer's job, OM-3) still wins.
        asked_done = done and not (best_reason is not None
                                   and best_reason.key != "follow_up"
                                   and best_reason.score * CONTEXT >= HEARD)
        awaited = roles.awaited(meaning, flow.family) and not (
            best_reason is not None and best_reason.key not in ("follow_up", "supplier")
            and best_reason.score >= HEARD)
        # "my invoice": a customer's account; a supplier's is "your invoice". A caller who
        # tells of work our people did for them ("you fixed my washer, a question about the
        # invoice") speaks of their own account too.
        own_account = best_reason is not None and best_reason.key == "supplier" and (all(
            focus.owned(meaning, e.start, flow.family) for e in best_reason.evidence)
            or (flow.family == "en"
                and focus.finished_told(meaning, denied)))
        # A caller who tells of work our people did for them ("you fixed my oven in October
        # and now it's doing the same thing", "the repair you did, is it guaranteed") and
        # asks for no new job speaks of our own job: a person takes it up, no quote (OM-4).
        other_reason = heard not in (None, "follow_up")
        told_done = flow.family == "en" and not other_reason \
            and focus.finished_told(meaning, denied)
        # A reply to what we sent ("about the quote you sent me") asks for no new job.
        answered = flow.family == "en" and not other_reason and focus.replies(meaning)
        if speaker == "insurance":
            reason = speaker
        elif speaker is not None:
            # The catalogue's own words win over a role only for what anyone may say (spam,
            # a wrong number) and for an insurer, whoever else's words it uses.
            reason = heard if heard in _ANYONES or heard == "insurance" else speaker
        elif asked_done or awaited or own_account or told_done or answered:
            reason = "follow_up"
        elif focus.pitched(meaning, flow.family) \
                and (best_reason is None or best_reason.score < HEARD) \
                and (best_service is None or best_service.score < HEARD):
            # A seller speaking of "your business" and of no appliance of theirs: a pitch.
            reason = "spam"
        elif best_reason is not None and best_reason.score >= HEARD:
            reason = best_reason.key
        elif best_service is not None and services.confidence >= max(FLOOR, HEARD):
            reason = None
            service = next(s for s in catalogue.services if s.id == best_service.key)
        else:
            # One part of one service, said doing something ("педаль проваливается").
            named = symptoms.at_fault(meaning, catalogue, flow.family)
            service = next((s for s in catalogue.services if s.id == named), None)
            reason = None if service is not None else "no_service_named"
    taken = {i for e in found for i in range(e.start, e.end)}
    breaks = {i for i in range(len(terms) - 1) if terms[i].clause != terms[i + 1].clause}
    name = names.caller_name(said, flow.stem_language, taken, flow.name, breaks, transcript)
    matched = tuple(dict.fromkeys(e.pattern.text for e in found))
    return Understanding(
        service=service,
        is_service_request=reason is None,
        reason=reason,
        caller_name=name,
        callback_number=number,
        urgency=urgency,
        matched_words=matched,
    )
