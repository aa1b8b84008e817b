"""`voicebot flows eval`: how well a flow understands callers, measured on labelled utterances.

`flows/eval/<flow>.yaml` lists what callers say at an `ask` (or in a voicemail) and where the
call must go. Each case runs the real engine: a call is put in the `ask` state on a scratch
database, the utterance is its answer, and the flow runs on until it next waits for the
caller, so a `route … says` after a capture is measured too. Nothing is committed.

An utterance the flow itself lists among its words or examples proves nothing about
understanding, so it is refused (FILE:LINE), like any other malformed case.

A case marked `held_out: true` is counted like any other, but its failures are not shown unless
asked for (`--show-held-out`): whoever tunes the flows against the shown failures can still read
on the held-out share whether the change generalises or only learned the cases it was shown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from voicebot import db
from voicebot.engine import runner
from voicebot.engine.effects import Effects
from voicebot.engine.steps.ask import Ask
from voicebot.engine.steps.route import Route
from voicebot.engine.turn import Reply
from voicebot.flows.errors import FlowRuntimeError
from voicebot.flows.model import NOT_SERVICE_REASONS, Flow, Phrase, Source
from voicebot.flows.yamlsource import CommentedMap, CommentedSeq, key_line, node_line, parse_yaml
from voicebot.language.lemmas import words
from voicebot.models import CallEvent
from voicebot.services import calls
from voicebot.voicemail.understand import understand

PASS_MARK = 0.95
"""A shipped flow below this share of its cases fails CI (issue 11)."""

EVAL_DAY = dt.date(2026, 11, 24)
"""Cases run at 11:00 on this Tuesday in the flow's zone: open hours, staff at work."""

TAGS = frozenset({"negation", "word_order", "numbers", "colloquial", "garbled", "off_topic"})


class EvalError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Case:
    line: int
    say: str
    at: str | None = None
    """The ask answered; None for a voicemail transcript."""
    state: str | None = None
    vars: Mapping[str, str] = field(default_factory=dict)
    avoid: tuple[str, ...] = ()
    service: str | None = None
    reason: str | None = None
    """Voicemail: the `not_service` reason expected (then `service` is None)."""
    any_reason: bool = False
    """Voicemail: `{service: null}`: no quote, whatever the reason."""
    name: str | None = None
    phone: str | None = None
    tags: tuple[str, ...] = ()
    held_out: bool = False
    """Kept apart from tuning: its failures are hidden unless asked for."""

    @property
    def expected(self) -> str:
        if self.at is None:
            if self.reason:
                return f"not_service:{self.reason}"
            return "no quote" if self.any_reason else f"service:{self.service}"
        shown = [self.state] if self.state else []
        shown += [f"{k}={v}" for k, v in self.vars.items()]
        return ", ".join(s for s in shown if s)


@dataclass(frozen=True)
class Outcome:
    case: Case
    ok: bool
    got: str
    """Where the call went (the states passed, or what the voicemail became)."""
    guess: str | None = None
    """The choice the flow asked the caller to confirm, when it was not sure."""
    notes: tuple[str, ...] = ()
    """Checks reported but not counted (a voicemail's name and number)."""


@dataclass
class Report:
    flow: str
    file: str
    outcomes: list[Outcome]

    @property
    def right(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def accuracy(self) -> float:
        return self.right / len(self.outcomes) if self.outcomes else 0.0

    @property
    def passed(self) -> bool:
        return self.accuracy >= PASS_MARK

    def split(self, held_out: bool) -> tuple[int, int]:
        """Right and total among the held-out cases, or among the others."""
        part = [o for o in self.outcomes if o.case.held_out == held_out]
        return sum(o.ok for o in part), len(part)

    def shown(self, held_out: bool) -> list[Outcome]:
        """The outcomes whose details may be shown: the held-out ones only when asked."""
        return [o for o in self.outcomes if held_out or not o.case.held_out]

    def confusions(self, held_out: bool = True) -> list[tuple[str, str, int]]:
        counted = Counter((o.case.expected, o.got) for o in self.shown(held_out) if not o.ok)
        return [(e, g, n) for (e, g), n in counted.most_common()]

    def unsure(self, held_out: bool = True) -> list[Outcome]:
        return [o for o in self.shown(held_out) if o.guess is not None]

    def as_dict(self, held_out: bool = True) -> dict[str, Any]:
        shown = self.shown(held_out)
        kept_right, kept = self.split(True)
        return {
            "flow": self.flow, "file": self.file, "cases": len(self.outcomes),
            "right": self.right, "accuracy": round(self.accuracy, 4), "passed": self.passed,
            "held_out": {"cases": kept, "right": kept_right},
            "confusions": [{"expected": e, "got": g, "count": n}
                           for e, g, n in self.confusions(held_out)],
            "below_confidence": [{"line": o.case.line, "say": o.case.say, "guess": o.guess,
                                  "expected": o.case.expected} for o in self.unsure(held_out)],
            "failures": [{"line": o.case.line, "say": o.case.say, "expected": o.case.expected,
                          "got": o.got, "tags": list(o.case.tags)}
                         for o in shown if not o.ok],
            "notes": [{"line": o.case.line, "note": n} for o in shown for n in o.notes],
        }


# -- reading ------------------------------------------------------------------------------
def flow_phrases(flow: Flow) -> dict[str, Source]:
    """Every word list entry and example of the flow, as words, with where it is written."""
    found: dict[str, Source] = {}

    def add(phrases: tuple[Phrase, ...], source: Source) -> None:
        for p in phrases:
            found.setdefault(" ".join(words(p.text)), source)

    for choice in flow.anywhere:
        add(choice.words + choice.examples, choice.source)
    for step in flow.states.values():
        if isinstance(step, Ask):
            for choice in step.choices:
                add(choice.words + choice.examples, choice.source)
        if isinstance(step, Route):
            for rule in step.rules:
                for test in rule.when.vars:
                    add(test.says, rule.when.source)
    if flow.quotes is not None:
        q = flow.quotes
        for service in q.services:
            add(service.words + service.examples, service.source)
        for reason in NOT_SERVICE_REASONS:
            add(q.not_service.get(reason, ()) + q.not_service_examples.get(reason, ()), q.source)
        add(q.urgent, q.source)
    return found


def load_cases(path: Path, flow: Flow, display: str | None = None) -> list[Case]:
    """The cases of an eval file for `flow`; EvalError lists every problem as FILE:LINE."""
    name = display or str(path)
    root = parse_yaml(path.read_text(encoding="utf-8"), name)
    problems: list[str] = []
    if not isinstance(root, CommentedMap) or not isinstance(root.get("cases"), CommentedSeq):
        raise EvalError([f"{name}:1: expected a mapping with flow and cases (a list)"])
    if root.get("flow") != flow.id:
        problems.append(f"{name}:{key_line(root, 'flow') if 'flow' in root else 1}: flow: "
                        f"expected {flow.id!r} (got {root.get('flow')!r})")
    listed = flow_phrases(flow)
    cases: list[Case] = []
    for index, raw in enumerate(root["cases"]):
        line = node_line(raw, key_line(root, "cases"))
        where = f"{name}:{line}: cases[{index}]"
        case = _case(raw, line, where, flow, problems)
        if case is None:
            continue
        source = listed.get(" ".join(words(case.say)))
        if source is not None:
            problems.append(f"{where}: the flow lists these very words ({source}): an eval "
                            f"utterance must be in other words (got {case.say!r})")
            continue
        cases.append(case)
    if problems:
        raise EvalError(problems)
    return cases


def _case(raw: Any, line: int, where: str, flow: Flow, problems: list[str]) -> Case | None:
    if not isinstance(raw, CommentedMap):
        problems.append(f"{where}: expected a mapping with at, say and expect")
        return None
    unknown = set(raw) - {"at", "say", "voicemail", "expect", "avoid", "tags", "held_out"}
    if unknown:
        problems.append(f"{where}: unknown key(s): {', '.join(sorted(map(str, unknown)))}")
        return None
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}.tags: expected a list of words")
        return None
    held_out = raw.get("held_out", False)
    if not isinstance(held_out, bool):
        problems.append(f"{where}.held_out: expected true or false")
        return None
    case = _heard_case(raw, line, where, flow, tuple(tags), problems)
    return None if case is None else replace(case, held_out=held_out)


def _heard_case(raw: CommentedMap, line: int, where: str, flow: Flow, tags: tuple[str, ...],
                problems: list[str]) -> Case | None:
    expect = raw.get("expect")
    if "voicemail" in raw:
        return _voicemail_case(raw, line, where, flow, expect, tags, problems)
    at, say = raw.get("at"), raw.get("say")
    if not isinstance(say, str) or not say.strip():
        problems.append(f"{where}.say: expected what the caller says")
        return None
    if not isinstance(at, str) or not isinstance(flow.states.get(at), Ask):
        problems.append(f"{where}.at: expected an ask state of flow {flow.id} (got {at!r})")
        return None
    state, variables = None, {}
    if isinstance(expect, str):
        state = expect
    elif isinstance(expect, CommentedMap) and set(expect) <= {"state", "vars"} and expect:
        state = expect.get("state")
        variables = dict(expect.get("vars") or {})
    elif isinstance(expect, CommentedMap) and expect:
        variables = dict(expect)
    else:
        problems.append(f"{where}.expect: expected a state, or the variables the answer sets")
        return None
    avoid = raw.get("avoid") or []
    avoid = [avoid] if isinstance(avoid, str) else avoid
    for key, value in (("expect", state), *(("avoid", a) for a in avoid)):
        if value is not None and (not isinstance(value, str) or value not in flow.states):
            problems.append(f"{where}.{key}: flow {flow.id} has no state {value!r}")
            return None
    return Case(line, say, at=at, state=state, vars={str(k): str(v) for k, v in variables.items()},
                avoid=tuple(avoid), tags=tags)


def _voicemail_case(raw: CommentedMap, line: int, where: str, flow: Flow, expect: Any,
                    tags: tuple[str, ...], problems: list[str]) -> Case | None:
    say = raw["voicemail"]
    if not isinstance(say, str) or not say.strip():
        problems.append(f"{where}.voicemail: expected the transcript")
        return None
    if flow.quotes is None:
        problems.append(f"{where}.voicemail: flow {flow.id} has no quotes: section")
        return None
    if not isinstance(expect, CommentedMap) or not ({"service", "not_service"} & set(expect)):
        problems.append(f"{where}.expect: expected {{service: ID}}, {{service: null}} or "
                        "{not_service: REASON}")
        return None
    service, reason = expect.get("service"), expect.get("not_service")
    ids = {s.id for s in flow.quotes.services}
    if service is not None and service not in ids:
        problems.append(f"{where}.expect.service: flow {flow.id} quotes no service {service!r}")
        return None
    if reason is not None and reason not in NOT_SERVICE_REASONS:
        problems.append(f"{where}.expect.not_service: unknown reason {reason!r}")
        return None
    return Case(line, say, service=service, reason=reason,
                any_reason="service" in expect and service is None and reason is None,
                name=expect.get("name"), phone=expect.get("phone"), tags=tags)


# -- running ------------------------------------------------------------------------------
class _Urls:
    """Continuation URLs nobody follows: the evaluation stops where the call waits."""

    def step(self, state: str, turn: int, event: str) -> str:
        return f"/eval/{state}/{turn}/{event}"

    def queue_wait(self, state: str) -> str:
        return f"/eval/queue/{state}"

    def whisper(self, call_sid: str, state: str, turn: int, member: str) -> str:  # noqa: ARG002  the Urls protocol
        return f"/eval/whisper/{state}/{turn}/{member}"

    def recording_status(self) -> str:
        return "/eval/recording"

    def call_recording_status(self) -> str:
        return "/eval/call-recording"

    def sms_status(self) -> str:
        return "/eval/sms"

    def transcription(self) -> str:
        return "/eval/transcription"


def evaluate(app: Flask, flow: Flow, cases: list[Case]) -> Report:
    """Run every case on `app`'s database (a scratch one), rolling each back."""
    now = dt.datetime.combine(EVAL_DAY, dt.time(11, 0), ZoneInfo(flow.timezone))
    outcomes = []
    # A case stops mid-call, so texts name variables the call never got to set: the engine's
    # warnings about them say nothing about understanding.
    engine_log = logging.getLogger("voicebot.engine")
    level = engine_log.level
    engine_log.setLevel(logging.ERROR)
    with app.app_context():
        session = db.session()
        try:
            for n, case in zip(itertools.count(), cases, strict=False):
                outcomes.append(_answer(session, flow, case, now, n) if case.at is not None
                                else _voicemail(flow, case))
        finally:
            session.rollback()
            session.close()
            engine_log.setLevel(level)
    return Report(flow.id, flow.file, outcomes)


def _answer(session: Session, flow: Flow, case: Case, now: dt.datetime, n: int) -> Outcome:
    assert case.at is not None
    line = flow.numbers[0] if flow.numbers else "+10000000000"
    call = calls.open(session, flow, sid=f"EVAL{n:06d}", from_="+10005550199", to=line,
                      now=now, direction=flow.direction)
    assert call is not None  # each case is rolled back: its SID is new
    call.state = case.at
    turn = runner.Turn(flow=flow, call=call, effects=Effects(session), now=now, urls=_Urls())
    try:
        # A step that needs what only a real call has (the visit an outbound call is about)
        # stops the run; where the answer led is known by then.
        with contextlib.suppress(FlowRuntimeError):
            runner.resume(turn, "gather", Reply(speech=case.say.strip()))
        turn.effects.write()
        session.flush()
        events = session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)
                                 .order_by(CallEvent.id)).all()
        passed = [e.state for e in events if e.kind == "enter"]
        guess = next((e.text for e in events if e.kind == "guess"), None)
        values = dict(call.vars)
    finally:
        session.rollback()
    ok = (case.state is None or case.state in passed) \
        and all(str(values.get(k)) == v for k, v in case.vars.items()) \
        and not set(case.avoid) & set(passed)
    got = " > ".join(passed) or f"(asked again at {case.at})"
    if guess is not None:
        got = f"(confirms {guess})"
    if case.vars:
        got += " " + ", ".join(f"{k}={values.get(k)}" for k in case.vars)
    return Outcome(case, ok, got, guess)


def _voicemail(flow: Flow, case: Case) -> Outcome:
    heard = understand(case.say, flow)
    if case.reason is not None:
        ok = heard.reason == case.reason
    elif case.any_reason:
        ok = heard.service is None
    else:
        ok = heard.service is not None and heard.service.id == case.service
    got = f"service:{heard.service.id}" if heard.service else f"not_service:{heard.reason}" \
        if heard.reason in NOT_SERVICE_REASONS else "no quote"
    if case.reason is None and case.any_reason and heard.service is None:
        got = "no quote"
    notes = []
    # Names and numbers are the entity work's to get right; reported, not counted yet.
    if case.name is not None and (heard.caller_name or "").casefold() != case.name.casefold():
        notes.append(f"name: expected {case.name!r}, got {heard.caller_name!r}")
    if case.phone is not None and heard.callback_number != case.phone:
        notes.append(f"phone: expected {case.phone!r}, got {heard.callback_number!r}")
    return Outcome(case, ok, got, notes=tuple(notes))


_MARKS = re.compile(r"[^\w\s'+-]+|(?<!\w)[-']|[-'](?!\w)")


def unpunctuated(cases: list[Case]) -> list[Case]:
    """The cases as a recognizer that writes no punctuation or capitals gives them (Vosk, and
    often Twilio's): "Не, я передумал, пусть едет" -> "не я передумал пусть едет". A flow
    that understands only punctuated answers hears its callers worse than its score says."""
    return [replace(c, say=" ".join(_MARKS.sub(" ", c.say).lower().split())) for c in cases]


def eval_files(flows_dir: Path, flows: Mapping[str, Flow]) -> Iterator[tuple[Flow, Path]]:
    """Each flow with an eval set beside it (flows/eval/<flow id>.yaml)."""
    for flow_id, flow in sorted(flows.items()):
        path = flows_dir / "eval" / f"{flow_id}.yaml"
        if path.is_file():
            yield flow, path
