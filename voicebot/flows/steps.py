"""One schema per step kind, chosen by the state's kind key, and how each compiles to a Step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from voicebot.flows import fields
from voicebot.flows.model import (
    VISIT_STATUSES,
    AnswerQueue,
    Ask,
    Book,
    CaptureKind,
    Choice,
    Hangup,
    Near,
    Notify,
    Queue,
    RecordVisit,
    Route,
    Rule,
    Say,
    SetVars,
    Sms,
    Source,
    Step,
    Text,
    Ticket,
    Transfer,
    VarTest,
    Voicemail,
    When,
)
from voicebot.flows.schema import (
    Invalid,
    Key,
    Node,
    Reported,
    Schema,
    boolean,
    check_mapping,
    dict_of,
    identifier,
    integer,
    join,
    list_of,
    one_of,
    pattern,
    positive_number,
    require_mapping,
    scalar_text,
    string,
    unknown,
    whole_number,
)
from voicebot.flows.words import FAMILY
from voicebot.flows.yamlsource import key_line
from voicebot.language import places
from voicebot.language.scorer import Menu

# --- ask choices ----------------------------------------------------------------------------

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
    "goto": Key(fields.target, required=True),
}


def choice(node: Node) -> Choice:
    values = check_mapping(node, CHOICE,
                           what="a choice with digits, words and/or examples, and goto")
    if not (values["digits"] or values["words"] or values["examples"] or values["near"]):
        node.ctx.report(node.line, node.path, "a choice needs digits, words, examples or near")
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
    )


choices = list_of(choice, single=False, min_items=1)

# --- route conditions -----------------------------------------------------------------------

WHEN: Schema = {
    "caller": Key(list_of(fields.caller_group, min_items=1)),
    "open": Key(boolean),
    "available": Key(fields.role),
    "from_prefix": Key(
        list_of(pattern(r"^\+\d{1,14}$", "a number prefix like +7"), min_items=1), default=()
    ),
    "min_previous_calls": Key(integer(0)),
    "var": Key(fields.variable_use),
    "equals": Key(list_of(scalar_text, min_items=1)),
    "present": Key(boolean),
    "says": Key(list_of(fields.phrase, min_items=1)),
    # RT-2: "дома будет только сын, ему одиннадцать" names an age; see voicebot.language.numbers.
    "age_below": Key(integer(1)),
    "age_at_least": Key(integer(1)),
}
VAR_TESTS = ("equals", "present", "says", "age_below", "age_at_least")


def when(node: Node) -> When:
    values = check_mapping(node, WHEN, what="a condition mapping, like {caller: staff}")
    given = {k for k in node.value if values.get(k) not in (None, ())}
    problem = None
    if not given:
        problem = f"a condition needs at least one of: {', '.join(WHEN)}"
    elif given & set(VAR_TESTS) and "var" not in given:
        problem = f"{'/'.join(VAR_TESTS)} test a variable: add var"
    elif "var" in given and len(given & set(VAR_TESTS)) != 1:
        problem = f"var needs exactly one of {', '.join(VAR_TESTS)}"
    if problem is not None:
        node.ctx.report(node.line, node.path, problem)
        raise Reported
    tests: tuple[VarTest, ...] = ()
    if values["var"] is not None:
        says = values["says"] or ()
        heard = Menu([("says", [p.pattern for p in says])], says[0].pattern.family) \
            if says else None
        tests = (VarTest(values["var"], values["equals"] or (), values["present"], says,
                         values["age_below"], values["age_at_least"], heard),)
    return When(
        source=Source(node.ctx.file, node.line),
        caller=frozenset(values["caller"]) if values["caller"] else None,
        open=values["open"],
        available=values["available"],
        from_prefix=values["from_prefix"],
        min_previous_calls=values["min_previous_calls"],
        vars=tests,
    )


RULE: Schema = {"when": Key(when, required=True), "goto": Key(fields.target, required=True)}


def rule(node: Node) -> Rule:
    values = check_mapping(node, RULE, what="a rule with when and goto")
    return Rule(values["when"], values["goto"], Source(node.ctx.file, node.line))


# --- other kind-key values --------------------------------------------------------------------


def hangup_text(node: Node) -> tuple[Any, ...]:
    if node.value is None or node.value is True:
        return ()
    if isinstance(node.value, bool):
        raise Invalid("expected a goodbye text, or true to hang up without one")
    result: tuple[Any, ...] = fields.texts(node)
    return result


def sms_to(node: Node) -> str:
    if node.value == "caller":
        return "caller"
    return fields.role(node)


# --- the kinds --------------------------------------------------------------------------------

Build = Callable[[str, Source, dict[str, Any], Node], Step]


@dataclass(frozen=True)
class Kind:
    schema: Schema
    build: Build


def _next(required: bool = True) -> Key:
    return Key(fields.target, required=required)


def _build_say(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Say(sid, src, text=v["say"], next=v["next"], pause=v["pause"])


def _misplaced(node: Node, key: str, message: str) -> None:
    node.ctx.report(key_line(node.value, key), f"{node.path}.{key}", message)


def _build_ask(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    ok = True
    capture = v["capture"]
    if not v["choices"] and capture is None:
        node.ctx.report(node.line, node.path, "an ask needs choices or capture")
        ok = False
    if capture is None:
        if v["no_match"] is None:
            node.ctx.report(node.line, node.path, "missing required key 'no_match'")
            ok = False
        if v["next"] is not None:
            _misplaced(node, "next", "next is where a captured answer goes: add capture")
            ok = False
        if "capture_as" in node.value:
            _misplaced(node, "capture_as", "capture_as needs capture")
            ok = False
    elif v["next"] is None:
        node.ctx.report(
            node.line, node.path, "missing required key 'next' (where the captured answer goes)"
        )
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
    if not ok:
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
        capture=capture,
        capture_kind=v["capture_as"],
        next=v["next"],
        use_anywhere=v["anywhere"],
        confirm_below=v["confirm_below"],
    )


def _build_route(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Route(sid, src, rules=v["route"], otherwise=v["otherwise"])


def _build_transfer(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Transfer(
        sid,
        src,
        roles=v["transfer"],
        next=v["next"],
        fallback=v["fallback"] if v["fallback"] is not None else node.ctx.default_fallback,
        announce=v["announce"],
        timeout=v["timeout"],
        record=v["record"],
        unanswered=v["unanswered"],
    )


def _build_queue(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Queue(
        sid,
        src,
        name=v["queue"],
        priority=v["priority"],
        next=v["next"],
        hold=v["hold"],
        max_wait=v["max_wait"],
        unanswered=v["unanswered"],
    )


def _build_answer_queue(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return AnswerQueue(sid, src, queue=v["answer_queue"], next=v["next"], empty=v["empty"])


def _build_voicemail(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Voicemail(
        sid,
        src,
        prompt=v["voicemail"],
        next=v["next"],
        max_length=v["max_length"],
        transcribe=v["transcribe"],
        quote=v["quote"],
    )


def _build_sms(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Sms(sid, src, to=v["to"], text=v["sms"], next=v["next"])


def _build_ticket(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Ticket(
        sid,
        src,
        kind=v["ticket"],
        text=v["text"],
        next=v["next"],
        assign=v["assign"],
        urgent=v["urgent"],
        due_hours=v["due_hours"],
        fields=tuple(v["fields"].items()),
    )


def _build_notify(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Notify(sid, src, roles=v["notify"], text=v["text"], next=v["next"])


def _build_set(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return SetVars(sid, src, values=tuple(v["set"].items()), next=v["next"])


OFFERS = {
    "ru": "Могу записать вас на {%s:вин}. Вам подходит? Скажите «да» или «нет», или нажмите 1 или 2.",
    "en": "I can book you for {%s}. Does that suit you? Say yes or no, or press 1 or 2.",
}
"""The question a `book` step asks when the flow gives no `offer:` of its own."""


def _build_book(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    capture: str = v["capture"]
    prompt = v["offer"] or (
        Text(OFFERS["ru" if node.ctx.stem_language == "russian" else "en"] % capture, src,
             frozenset({capture})),
    )
    question = Ask(sid, src, prompt=prompt, input=frozenset(("dtmf", "speech")), choices=(),
                   no_input=v["full"], no_match=v["full"], num_digits=1, timeout=6, retries=1,
                   reprompt=v["reprompt"], capture=capture, capture_kind="yes_no",
                   next=v["next"], use_anywhere=False)
    return Book(sid, src, calendar=v["book"], question=question, capture=capture, next=v["next"],
                full=v["full"], posts=v["posts"], share=v["share"], days_ahead=v["days_ahead"],
                job_hours=v["job_hours"], lead=v["lead"], offers=v["offers"], wish=v["wish"])


def _build_visit(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return RecordVisit(sid, src, status=v["visit"], next=v["next"], note=v["note"],
                       adult_contact=v["adult_contact"], no_entry=v["no_entry"])


def _build_hangup(sid: str, src: Source, v: dict[str, Any], node: Node) -> Step:
    return Hangup(sid, src, text=v["hangup"])


KINDS: dict[str, Kind] = {
    "say": Kind(
        {
            "say": Key(fields.texts, required=True),
            "next": _next(),
            "pause": Key(integer(0), default=0),
        },
        _build_say,
    ),
    "ask": Kind(
        {
            "ask": Key(fields.texts, required=True),
            "input": Key(
                list_of(one_of("dtmf", "speech"), min_items=1), default=("dtmf", "speech")
            ),
            "hints": Key(list_of(string, min_items=1)),
            "timeout": Key(integer(1), default=5),
            "speech_timeout": Key(fields.speech_timeout, default="auto"),
            "num_digits": Key(integer(1)),
            "finish_on_key": Key(
                pattern(r"^[0-9*#]?$", "one key: 0-9, * or #, or ''"), default="#"
            ),
            "retries": Key(integer(0), default=2),
            "reprompt": Key(fields.texts, default=()),
            "choices": Key(choices, default=()),
            "no_input": _next(),
            "no_match": _next(required=False),
            "capture": Key(fields.variable_definition),
            "capture_as": Key(one_of(*get_args(CaptureKind)), default="text"),
            "next": _next(required=False),
            "anywhere": Key(boolean, default=True),
            "confirm_below": Key(fields.confidence),
        },
        _build_ask,
    ),
    "route": Kind(
        {
            "route": Key(list_of(rule, single=False, min_items=1), required=True),
            "otherwise": _next(),
        },
        _build_route,
    ),
    "transfer": Kind(
        {
            "transfer": Key(list_of(fields.role, min_items=1), required=True),
            "announce": Key(fields.texts, default=()),
            "timeout": Key(integer(1), default=20),
            "record": Key(boolean, default=False),
            "unanswered": Key(fields.texts, default=()),
            "next": _next(),
            "fallback": Key(fields.target),
        },
        _build_transfer,
    ),
    "queue": Kind(
        {
            "queue": Key(fields.queue_name, required=True),
            "priority": Key(whole_number, default=0),
            "hold": Key(fields.texts, default=()),
            "max_wait": Key(integer(1), default=300),
            "unanswered": Key(fields.texts, default=()),
            "next": _next(),
        },
        _build_queue,
    ),
    "answer_queue": Kind(
        {
            "answer_queue": Key(fields.queue_use, required=True),
            "next": _next(),
            "empty": _next(),
        },
        _build_answer_queue,
    ),
    "voicemail": Kind(
        {
            "voicemail": Key(fields.texts, required=True),
            "max_length": Key(integer(1), default=120),
            "transcribe": Key(boolean, default=False),
            "quote": Key(boolean, default=True),
            "next": _next(),
        },
        _build_voicemail,
    ),
    "sms": Kind(
        {
            "sms": Key(fields.joined_text, required=True),
            "to": Key(sms_to, default="caller"),
            "next": _next(),
        },
        _build_sms,
    ),
    "notify": Kind(
        {
            "notify": Key(list_of(fields.role, min_items=1), required=True),
            "text": Key(fields.joined_text, required=True),
            "next": _next(),
        },
        _build_notify,
    ),
    "ticket": Kind(
        {
            "ticket": Key(
                pattern(r"^[a-z][a-z0-9_-]*$", "a ticket kind word like callback"), required=True
            ),
            "text": Key(fields.joined_text, required=True),
            "assign": Key(fields.role),
            "urgent": Key(boolean, default=False),
            "due_hours": Key(positive_number),
            "fields": Key(dict_of(identifier, fields.value_text), default={}),
            "next": _next(),
        },
        _build_ticket,
    ),
    "set": Kind(
        {
            "set": Key(dict_of(fields.variable_definition, fields.value_text), required=True),
            "next": _next(),
        },
        _build_set,
    ),
    "visit": Kind(
        {
            "visit": Key(one_of(*VISIT_STATUSES), required=True),
            "note": Key(fields.joined_text),
            "adult_contact": Key(fields.value_text),
            "no_entry": Key(boolean),
            "next": _next(),
        },
        _build_visit,
    ),
    "book": Kind(
        {
            "book": Key(pattern(r"^[a-z][a-z0-9_-]*$", "a calendar name like repair"),
                        required=True),
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
            "next": _next(),
            "full": _next(),
        },
        _build_book,
    ),
    "hangup": Kind({"hangup": Key(hangup_text, required=True)}, _build_hangup),
}

ALL_STEP_KEYS = frozenset(key for kind in KINDS.values() for key in kind.schema)


def step(node: Node, state_id: str) -> Step:
    """Check one state and compile it; its kind key decides which schema applies."""
    mapping = require_mapping(node, f"a step: a mapping with one of {', '.join(KINDS)}")
    found = [key for key in mapping if key in KINDS]
    if len(found) > 1:
        node.ctx.report(
            key_line(mapping, found[1]),
            node.path,
            f"a state has exactly one kind key, found {len(found)}: {', '.join(found)}",
        )
        raise Reported
    if not found:
        node.ctx.report(node.line, node.path, f"missing kind key: one of {', '.join(KINDS)}")
        for key in mapping:
            if key not in ALL_STEP_KEYS:
                node.ctx.report(
                    key_line(mapping, key), f"{node.path}.{key}", unknown(str(key), KINDS, "key")
                )
        raise Reported
    if found[0] == "visit":
        node.ctx.visit_steps.append(node.line)
    kind = KINDS[found[0]]
    article = "an" if found[0] == "ask" else "a"
    values = check_mapping(node, kind.schema, noun=f"key for {article} {found[0]} step")
    return kind.build(state_id, Source(node.ctx.file, node.line), values, node)
