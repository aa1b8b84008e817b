"""`ask`: a question answered by keys or speech, understood against its choices, or captured
into a variable; silence and answers not understood are asked again, then handed on."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal, get_args

from typing_extensions import override

from voicebot.engine import answers
from voicebot.engine.answers import capture_value
from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.model import CaptureKind, Choice, InputMode, Near, Source, StepBase, Text
from voicebot.flows.schema import (
    Key,
    Node,
    Reported,
    Schema,
    boolean,
    check_mapping,
    integer,
    join,
    list_of,
    one_of,
    pattern,
    positive_number,
    string,
)
from voicebot.flows.words import FAMILY
from voicebot.flows.yamlsource import key_line
from voicebot.language import places, polarity, questions
from voicebot.language.keys import spoken_key
from voicebot.language.scorer import Menu, Pattern

CONFIRMING = "_confirming"
"""Call variable holding the guess an `ask` is confirming: the state, the choice's target,
and the answer that was a guess (the leading underscore keeps it out of the journal)."""


@dataclass(frozen=True)
class Ask(StepBase):
    prompt: tuple[Text, ...]
    input: frozenset[InputMode]
    choices: tuple[Choice, ...]
    no_input: str
    no_match: str
    hints: tuple[str, ...] = ()
    timeout: int = 5
    speech_timeout: str = "auto"
    num_digits: int | None = None
    finish_on_key: str = "#"
    retries: int = 2
    reprompt: tuple[Text, ...] = ()
    capture: str | None = None
    """Variable that stores the answer; with `capture`, `next` is where a captured answer goes."""
    capture_kind: CaptureKind = "text"
    next: str | None = None
    questions: str | None = None
    """Where an answer put as a question goes when it matches no choice (HL-8: a question
    about something the line does not serve); None: such answers are a no-match."""
    use_anywhere: bool = True
    """Whether the flow's `anywhere` choices (abuse, operator, ...) apply to this ask."""
    confirm_below: float | None = None
    """Confidence below which the best guess is confirmed with the caller; None: the flow's."""
    menu: Menu[int] | None = field(default=None, compare=False, repr=False)
    """The `anywhere` choices (when used) then the ask's own, compiled together by the loader;
    candidate keys index `(anywhere +) choices`."""


# --- choices (also the flow's `anywhere:`) ----------------------------------------------------

NEAR: Schema = {"place": Key(string, required=True), "km": Key(positive_number, required=True)}


def near(node: Node) -> Near:
    """`near: {place: Москва, km: 120}`: a town the gazetteer knows, and a radius."""
    values = check_mapping(node, NEAR, what="a mapping with place and km")
    place = places.resolve(values["place"], FAMILY[node.ctx.stem_language])
    if place is None:
        node.ctx.report(node.line, join(node.path, "place"),
                        f"unknown town {values['place']!r}: name a town of 15,000 people or "
                        "more, as it is written in the flow's language")
        raise Reported
    return Near(values["place"], place, values["km"])


CHOICE: Schema = {
    "digits": Key(list_of(fields.digits, min_items=1), default=()),
    "words": Key(list_of(fields.phrase, min_items=1), default=()),
    "examples": Key(list_of(fields.example, min_items=1), default=()),
    "confirm": Key(fields.text),
    "label": Key(string),
    "addressed": Key(boolean, default=False),
    "near": Key(list_of(near, min_items=1), default=()),
    "services": Key(list_of(fields.service_use, min_items=1), default=()),
    "goto": Key(fields.target, required=True),
}


def choice(node: Node) -> Choice:
    values = check_mapping(node, CHOICE,
                           what="a choice with digits, words and/or examples, and goto")
    if not (values["digits"] or values["words"] or values["examples"] or values["near"]
            or values["services"]):
        node.ctx.report(node.line, node.path,
                        "a choice needs digits, words, examples, near or services")
        raise Reported
    return Choice(
        goto=values["goto"],
        source=Source(node.ctx.file, node.line),
        digits=values["digits"],
        words=values["words"],
        examples=values["examples"],
        confirm=values["confirm"],
        label=values["label"],
        addressed=values["addressed"],
        near=values["near"],
        services=values["services"],
    )


choices = list_of(choice, single=False, min_items=1)


def choice_label(c: Choice) -> str:
    """The choice in a few words, for the flow picture."""
    parts = []
    if c.digits:
        parts.append(" ".join(c.digits))
    # What the choice is about, in the flow author's shortest words: its label, its keywords,
    # or its first example.
    if c.label:
        parts.append(c.label)
    elif c.words:
        parts.append(", ".join(p.text for p in c.words))
    elif c.examples:
        parts.append(f"«{c.examples[0].text}»")
    elif c.near:
        parts.append(", ".join(f"near {n.name} ({n.km:g} km)" for n in c.near))
    return " / ".join(parts)


def _misplaced(node: Node, key: str, message: str) -> None:
    node.ctx.report(key_line(node.value, key), f"{node.path}.{key}", message)


def _check(v: dict[str, Any], node: Node) -> bool:
    """The rules between an ask's keys (capture and next, unique digits); False when one
    is broken (reported)."""
    ok = True
    if not v["choices"] and v["capture"] is None:
        node.ctx.report(node.line, node.path, "an ask needs choices or capture")
        ok = False
    if v["capture"] is None:
        if v["no_match"] is None:
            node.ctx.report(node.line, node.path, "missing required key 'no_match'")
            ok = False
        if v["next"] is not None:
            _misplaced(node, "next", "next is where a captured answer goes: add capture")
            ok = False
        if "capture_as" in node.value:
            _misplaced(node, "capture_as", "capture_as needs capture")
            ok = False
    elif v["next"] is None and not v["choices"]:
        node.ctx.report(
            node.line, node.path, "missing required key 'next' (where the captured answer goes)"
        )
        ok = False
    elif v["next"] is None and v["no_match"] is None:
        # With choices, a capture without `next` only keeps the caller's words when a choice
        # is taken ("машина дёргается, горит чек" for the repair request); an answer no
        # choice takes is then a no-match, which must go somewhere.
        node.ctx.report(node.line, node.path,
                        "missing required key 'no_match' (or 'next', where a captured answer "
                        "no choice takes goes)")
        ok = False
    seen: dict[str, int] = {}
    for index, c in enumerate(v["choices"]):
        for d in c.digits:
            if d in seen:
                node.ctx.report(
                    c.source.line,
                    f"{node.path}.choices[{index}].digits",
                    f"digits {d!r} already used at line {seen[d]}",
                    repr(d),
                )
                ok = False
            seen.setdefault(d, c.source.line)
    return ok


@register
class AskKind(StepKind[Ask]):
    key = "ask"
    rank = 20
    step = Ask
    schema: ClassVar[Schema] = {
        "ask": Key(fields.texts, required=True),
        "input": Key(list_of(one_of("dtmf", "speech"), min_items=1), default=("dtmf", "speech")),
        "hints": Key(list_of(string, min_items=1)),
        "timeout": Key(integer(1), default=5),
        "speech_timeout": Key(fields.speech_timeout, default="auto"),
        "num_digits": Key(integer(1)),
        "finish_on_key": Key(pattern(r"^[0-9*#]?$", "one key: 0-9, * or #, or ''"), default="#"),
        "retries": Key(integer(0), default=2),
        "reprompt": Key(fields.texts, default=()),
        "choices": Key(choices, default=()),
        "no_input": next_key(),
        "no_match": next_key(required=False),
        "capture": Key(fields.variable_definition),
        "capture_as": Key(one_of(*get_args(CaptureKind)), default="text"),
        "next": next_key(required=False),
        "questions": next_key(required=False),
        "anywhere": Key(boolean, default=True),
        "confirm_below": Key(fields.confidence),
    }
    waits = True
    resumes_on = frozenset({"gather", "silence"})

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Ask:
        v = values
        if not _check(v, node):
            raise Reported
        hints = v["hints"]
        if hints is None:
            hints = tuple(dict.fromkeys(p.text for c in v["choices"] for p in c.words))
        return Ask(
            sid,
            src,
            prompt=v["ask"],
            input=frozenset(v["input"]),
            choices=v["choices"],
            no_input=v["no_input"],
            # A capturing ask only fails to match when the answer cannot be read as
            # `capture_as` (a number, a date, yes/no); then silence handling is the natural fit.
            no_match=v["no_match"] if v["no_match"] is not None else v["no_input"],
            hints=hints,
            timeout=v["timeout"],
            speech_timeout=v["speech_timeout"],
            num_digits=v["num_digits"],
            finish_on_key=v["finish_on_key"],
            retries=v["retries"],
            reprompt=v["reprompt"],
            capture=v["capture"],
            capture_kind=v["capture_as"],
            next=v["next"],
            questions=v["questions"],
            use_anywhere=v["anywhere"],
            confirm_below=v["confirm_below"],
        )

    def link(self, step: Ask, anywhere: tuple[Choice, ...], family: Literal["en", "ru"],
             catalogue: Mapping[str, tuple[Pattern, ...]] = MappingProxyType({}),
             things: Mapping[str, frozenset[tuple[str, ...]]] = MappingProxyType({})) -> Ask:
        """The ask's choices (after the flow's `anywhere` ones, where they apply) compiled once
        for the understanding layer; a key can be said too ("one", "два"), a choice's
        `services` are heard by the `catalogue`'s words and examples for them, and its own
        words that name `things` of several services are what a call is about, not what it
        wants (`_things_of_several`)."""
        offered = (anywhere if step.use_anywhere else ()) + step.choices
        keyed = "dtmf" in step.input
        context = {i: _things_of_several(c, things) for i, c in enumerate(offered)}
        also = {i: _other_names(c, context[i], catalogue) for i, c in enumerate(offered)}
        return dataclasses.replace(step, menu=Menu(
            [(i, c.patterns + also[i]
              + tuple(p for s in c.services for p in catalogue.get(s, ()))
              + (tuple(p for d in c.digits for p in spoken_key(d, family)) if keyed else ()))
             for i, c in enumerate(offered)], family,
            addressed=[i for i, c in enumerate(offered) if c.addressed],
            context={i: context[i] | {_lemmas(p) for p in also[i]} for i in context}))

    def run(self, turn: Turn, step: Ask) -> str | None:
        turn.call.retries = 0
        gather(turn, step, step.prompt)
        return None

    @override
    def resume(self, turn: Turn, step: Ask, event: str, reply: Reply) -> str | None:
        return _answer(turn, step, reply)

    def edges(self, step: Ask) -> list[Edge]:
        out = [Edge(step.id, c.goto, choice_label(c)) for c in step.choices]
        if step.next is not None:
            out.append(Edge(step.id, step.next, "next"))
        if step.questions is not None:
            out.append(Edge(step.id, step.questions, "a question"))
        out.append(Edge(step.id, step.no_input, "no input"))
        out.append(Edge(step.id, step.no_match, "no match"))
        return out


def _things_of_several(c: Choice, things: Mapping[str, frozenset[tuple[str, ...]]]
                       ) -> frozenset[tuple[str, ...]]:
    """The choice's own words (as lemmas) that are `things` of the catalogue's services, when
    they name things of two services or more: a choice for every appliance (a dispatcher's)
    is not about an appliance, while one that names a single service's thing is about that
    service (body work)."""
    own = {_lemmas(p.pattern) for p in c.words}
    named = [own & mine for mine in things.values() if own & mine]
    return frozenset().union(*named) if len(named) > 1 else frozenset()


def _lemmas(p: Pattern) -> tuple[str, ...]:
    return tuple(t.lemma for t in p.terms)


def _written(text: str) -> str:
    return re.sub(r"[\s-]+", "", text.lower())


def _other_names(c: Choice, named: frozenset[tuple[str, ...]],
                 catalogue: Mapping[str, tuple[Pattern, ...]]) -> tuple[Pattern, ...]:
    """The catalogue's other names for the things a choice names (`_things_of_several`), as
    the choice's own words: a dispatcher's choice that lists "washer" hears "washing machine"
    of the washer service, for a caller names the thing as they call it at home."""
    if not named:
        return ()
    written = {_written(w.text) for w in c.words}
    found: list[Pattern] = []
    for patterns in catalogue.values():
        names = [p for p in patterns if p.kind == "words" and p.names_a_thing]
        # By the service's own names only: its name's words ("ремонт" of "кузовной ремонт")
        # are shared by many services and name none of their things.
        if not any(_lemmas(p) in named for p in names):
            continue
        # "dish washer" is "dishwasher" written apart: heard once, not twice.
        found += [dataclasses.replace(p, weight=1.0) for p in names
                  if _written(p.text) not in written]
    return tuple(found)


def gather(turn: Turn, step: Ask, prompt: tuple[Text, ...], then: str = "") -> None:
    """Ask `prompt` inside a <Gather> for the step's inputs; silence comes back as `silence`."""
    call = turn.call
    options: dict[str, Any] = {
        "input": " ".join(sorted(step.input)),
        "action": turn.urls.step(step.id, call.turn, "gather"),
        "method": "POST",
        "timeout": step.timeout,
        "action_on_empty_result": False,
    }
    if "speech" in step.input:
        options.update(language=turn.flow.language, speech_timeout=step.speech_timeout)
        if step.hints:
            options["hints"] = ", ".join(step.hints)
    if "dtmf" in step.input:
        options["finish_on_key"] = step.finish_on_key
        if step.num_digits:
            options["num_digits"] = step.num_digits
    into = turn.response.gather(**options)
    turn.say(prompt, into)
    turn.speak(then, into)
    # Twilio runs the next verb when the caller says nothing: that is our no-input signal.
    turn.response.redirect(turn.urls.step(step.id, call.turn, "silence"), method="POST")


def _answer(turn: Turn, step: Ask, reply: Reply) -> str | None:
    digits, speech = reply.digits, reply.speech
    pending = turn.call.vars.get(CONFIRMING)
    if pending is not None:
        turn.call.vars = {k: v for k, v in turn.call.vars.items() if k != CONFIRMING}
    if not digits and not speech:
        turn.event("no-input")
        return _retry(turn, step, step.no_input)
    turn.call.inputs += 1
    turn.event("input", digits or speech, digits=digits, speech=speech,
               confidence=reply.confidence)
    if isinstance(pending, dict) and pending.get("state") == step.id:
        return _confirmed(turn, step, pending, digits, speech)
    heard = answers.hear(turn.flow, step, digits, speech)
    if heard is not None and heard.certainty == "guess":
        _confirm(turn, step, heard, digits, speech)
        return None
    if heard is not None:
        return _take(turn, step, heard, speech)
    return _unmatched(turn, step, digits, speech)


def _take(turn: Turn, step: Ask, heard: answers.Heard, speech: str) -> str:
    turn.event("understood", heard.choice.goto, confidence=round(heard.confidence, 2))
    turn.call.retries = 0
    _keep_words(turn, step, speech, heard.choice)
    return _passed_on(turn, heard.choice.goto, speech)


def _question_words(step: Ask) -> str:
    """The question's words, placeholders left out (their values are the caller's own)."""
    return " ".join(PLACEHOLDER.sub(" ", t.template) for t in step.prompt)


PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _unmatched(turn: Turn, step: Ask, digits: str, speech: str) -> str | None:
    """No choice: the answer is captured when the ask captures, else it is a no-match."""
    if step.capture and step.next:
        value = capture_value(step.capture_kind, digits, speech, turn.flow,
                              spoken_only="speech" in step.input, question=_question_words(step))
        if value is not None:
            turn.set_var(step.capture, value)
            turn.event("capture", value, name=step.capture)
            turn.call.retries = 0
            return step.next
    if step.capture_kind == "yes_no" and speech and polarity.hedges(speech, turn.flow.family):
        # "точно не скажу", "наверное нет": the caller answered that they cannot say; asking
        # the same question again would get the same answer, so the flow's own path for an
        # answer that is neither yes nor no is taken (HL-2's "проверим по чеку").
        turn.event("hedged", speech)
        turn.call.retries = 0
        return step.no_match
    if step.questions is not None and speech and questions.asks(speech, turn.flow.family):
        turn.event("question", speech)
        turn.call.retries = 0
        return _passed_on(turn, step.questions, speech)
    turn.event("no-match", digits or speech)
    # "Any more questions?" answered with the next question ("what channels are there?"):
    # the menu the caller is sent to answers it instead of being read again.
    answered = _passed_on(turn, step.no_match, speech)
    if answered != step.no_match:
        turn.call.retries = 0
        return answered
    return _retry(turn, step, step.no_match)


def _confirm(turn: Turn, step: Ask, heard: answers.Heard, digits: str, speech: str) -> None:
    """Ask whether the best guess is what the caller meant, instead of acting on it."""
    turn.event("guess", heard.choice.goto, confidence=round(heard.confidence, 2))
    turn.call.vars = {**turn.call.vars, CONFIRMING: {
        "state": step.id, "goto": heard.choice.goto, "digits": digits, "speech": speech}}
    gather(turn, step, _confirmation(turn, step, heard.choice))


def _confirmation(turn: Turn, step: Ask, c: Choice) -> tuple[Text, ...]:
    how = turn.phrase("confirm_keys" if "dtmf" in step.input else "confirm_say")
    if c.confirm is not None:
        question = c.confirm
    else:
        question = Text(turn.phrase("confirm_label", label=c.label), c.source)
    return (question, Text(how, c.source))


def _confirmed(turn: Turn, step: Ask, pending: Mapping[str, Any], digits: str,
               speech: str) -> str | None:
    """The caller's answer to a confirmation: yes takes the guess; anything else is heard
    afresh ("нет, я по оплате"); a bare no treats the first answer as not understood."""
    said = capture_value("yes_no", digits, speech, turn.flow)
    if said == "yes":
        turn.event("confirmed", str(pending["goto"]))
        turn.call.retries = 0
        guessed = next((c for c in answers.offered(turn.flow, step)
                        if c.goto == pending["goto"]), None)
        _keep_words(turn, step, str(pending.get("speech", "")), guessed)
        return _passed_on(turn, str(pending["goto"]), str(pending.get("speech", "")))
    heard = answers.hear(turn.flow, step, "" if said == "no" else digits, speech)
    if heard is not None and heard.choice.goto != pending["goto"]:
        # "нет, я по оплате": another answer, heard like any first one.
        if heard.certainty == "guess":
            _confirm(turn, step, heard, digits, speech)
            return None
        return _take(turn, step, heard, speech)
    if said == "no":
        turn.event("not-confirmed", str(pending["goto"]))
        return _unmatched(turn, step, str(pending.get("digits", "")),
                          str(pending.get("speech", "")))
    if heard is not None and heard.certainty == "sure":
        return _take(turn, step, heard, speech)
    # Neither yes nor no, nor a clearer answer: what they said now is their answer.
    return _unmatched(turn, step, digits, speech)


def _passed_on(turn: Turn, target: str, speech: str) -> str:
    """Where spoken words go when they lead back to a question this call was already asked
    (the menu after "any more questions?"): if its choices understand the same words,
    straight to the answer, without reading the menu again. A question not asked yet is
    asked ("no, just come with the contract" does not answer "any more questions?"); keys
    are not passed on (1 in one menu is not 1 in the next)."""
    step = turn.flow.states.get(target)
    if not speech or not isinstance(step, Ask) or not step.choices or not _asked(turn, step):
        return target
    heard = answers.hear(turn.flow, step, "", speech)
    if heard is None or heard.certainty != "sure":
        return target
    turn.event("passed-on", speech, state=step.id)
    _keep_words(turn, step, speech, heard.choice)
    return heard.choice.goto


def _asked(turn: Turn, menu: Ask) -> bool:
    """Whether this call has already heard this menu, under its own name or another with the
    same choices (hotline's greeting and its menu share theirs)."""
    return any(isinstance(step := turn.flow.states.get(state), Ask)
               and step.choices == menu.choices
               for state in turn.effects.states_entered(turn.call))


def _keep_words(turn: Turn, step: Ask, speech: str, choice: Choice | None = None) -> None:
    """The caller's own words are kept even when a choice steers the call: "too expensive
    for my pension" is the reason on the disconnect ticket written later."""
    if step.capture and step.capture_kind == "text" and speech:
        turn.set_var(step.capture, speech)
    elif step.capture and step.capture_kind == "place" and speech:
        # "мы в Ногинске живём" picks the Moscow centre and records Ногинск; an answer that
        # names no other town than the centre's own ("мск", "из Питера") leaves the variable
        # to the flow.
        own = [n.place for n in choice.near] if choice is not None else []
        town = places.town_said(speech, turn.flow.family, own)
        if town is not None:
            turn.set_var(step.capture, town)


def _retry(turn: Turn, step: Ask, give_up: str) -> str | None:
    turn.call.retries += 1
    if turn.call.retries > step.retries:
        turn.call.retries = 0
        return give_up
    if step.reprompt:
        # The flow's own words for a second try, asked instead of the same question again.
        gather(turn, step, step.reprompt)
        return None
    # Not the same sentence again: an apology, then what the caller can say or press.
    turn.speak(turn.phrase("not_caught"))
    options = _options(turn, step)
    gather(turn, step, () if options else step.prompt, then=options)
    return None


def _options(turn: Turn, step: Ask) -> str:
    """'You can say insurance or press 1, say parts or press 2, or press 0' from the ask's
    choices; words only: 'You can say no or yes'."""
    def say(words: str) -> str:
        return turn.phrase("choice_say", words=words)

    def word(c: Choice) -> str:
        return turn.phrase("choice_word", word=c.words[0].text)

    either, last = turn.phrase("or"), turn.phrase("or_last")
    if not any(c.digits for c in step.choices):
        words = [word(c) for c in step.choices if c.words]
        if not words:
            return ""
        listed = say(either.join(words)) if len(words) == 2 else say(
            last.join(filter(None, (", ".join(words[:-1]), words[-1]))))
    else:
        offers = [either.join(filter(None, (
            say(word(c)) if c.words else "",
            turn.phrase("choice_press", digits=c.digits[0]) if c.digits else "",
        ))) for c in step.choices]
        listed = last.join(filter(None, (", ".join(offers[:-1]), offers[-1])))
    return turn.phrase("choices", options=listed)
