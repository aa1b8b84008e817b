"""Scripted calls: a YAML list of caller actions and expectations, run through the emulator.

    name: insurance caller jumps the queue
    to: "+15555550100"          # or `flow: omega`, resolved by whoever builds the emulator
    from: "+15555550123"
    at: "2026-11-23T09:00:00-08:00"   # optional: the engine's clock for this call (with offset)
    steps:
      - expect: "Thank you for calling"   # substring, case-insensitive; a list means all
      - press: "1"
      - expect_not: voicemail
      - say: "my fridge is broken"        # or {text: ..., confidence: 0.4}
      - silence: true
      - dial: no-answer                   # or {status: completed, duration: 40}
      - queue: bridged
      - queue_position: 2
      - record: 15                        # or {seconds: 15, finish: "#"}; finish is
                                          # hangup (default), timeout, or a key
      - hangup: true
      - expect_waiting: gather
      - expect_end: true

Expectations look at the latest turn: what was heard since the caller's last action.
Problems are reported as `FILE:LINE: message` so an editor can jump to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarint import ScalarInt

from voicebot.devtools.emulator import (
    DIAL_STATUSES,
    QUEUE_RESULTS,
    CallEmulator,
    CallStateError,
    Turn,
)

StepKind = Literal[
    "expect",
    "expect_not",
    "expect_end",
    "expect_waiting",
    "press",
    "say",
    "silence",
    "dial",
    "queue",
    "queue_position",
    "record",
    "hangup",
]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)
_WAITING = ("gather", "record", "dial", "queue", "ended")
_TOP_KEYS = ("name", "to", "flow", "from", "at", "steps")
DEFAULT_FROM = "+15555550123"


class ScriptError(Exception):
    """A script that cannot be run; carries every problem found, one `FILE:LINE: msg` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, as people count steps
    line: int
    kind: StepKind
    texts: tuple[str, ...] = ()  # phrases to expect; keys; speech; dial status; queue result
    seconds: int | None = None  # record length, dial duration, queue position
    confidence: float = 0.92
    finish: str = "hangup"
    flag: bool = True  # expect_end

    def describe(self) -> str:
        if self.kind in ("expect", "expect_not"):
            shown = self.texts[0] if len(self.texts) == 1 else list(self.texts)
            return f"{self.kind}: {shown!r}"
        if self.kind in ("press", "say", "dial", "queue", "expect_waiting"):
            return f"{self.kind}: {self.texts[0]!r}"
        if self.kind in ("record", "queue_position"):
            return f"{self.kind}: {self.seconds}"
        if self.kind == "expect_end":
            return f"expect_end: {str(self.flag).lower()}"
        return f"{self.kind}: true"


@dataclass(frozen=True)
class Script:
    path: str
    line: int  # of `steps:`, blamed for problems at the very start of the call
    name: str
    to: str | None
    flow: str | None
    from_: str
    steps: tuple[Step, ...]
    at: dt.datetime | None = None  # the engine's clock during the call (aware)
    flow_line: int = 1  # of `flow:`, blamed when the flow cannot be found


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    message: str = ""


@dataclass
class ScriptResult:
    script: Script
    steps: list[StepResult] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def report(self) -> str:
        verdict = "PASS" if self.ok else f"FAIL\n{self.failure}"
        return "\n".join([f"== {self.script.name}", *self.transcript, verdict])


# -------------------------------------------------------------------- loading


def load_script(path: str | Path) -> Script:
    return parse_script(Path(path).read_text(encoding="utf-8"), str(path))


def parse_script(text: str, path: str = "<script>") -> Script:
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ScriptError([f"{path}:{line}: not valid YAML: {error}"]) from None
    problems: list[str] = []
    if not isinstance(data, CommentedMap):
        raise ScriptError([f"{path}:1: a script is a mapping with `steps:`"])

    def key_line(key: str) -> int:
        return int(data.lc.key(key)[0]) + 1 if key in data else 1

    for key in data:
        if key not in _TOP_KEYS:
            problems.append(
                f"{path}:{key_line(str(key))}: unknown key {key!r} "
                f"(expected one of {', '.join(_TOP_KEYS)})"
            )
    name = data.get("name", Path(path).stem)
    if not isinstance(name, str):
        problems.append(f"{path}:{key_line('name')}: name must be text")
        name = str(name)
    phones: dict[str, str | None] = {}
    for key in ("to", "from"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(
                f"{path}:{key_line(key)}: {key} must be a quoted phone number such as "
                f'"+15555550100" (YAML reads an unquoted +1555... as an integer)'
            )
            value = None
        phones[key] = value
    flow = data.get("flow")
    if flow is not None and not isinstance(flow, str):
        problems.append(f"{path}:{key_line('flow')}: flow must be a flow id")
        flow = None
    if "to" not in data and "flow" not in data:
        problems.append(f'{path}:1: say whom the call is to: to: "+15555550100" or flow: omega')
    at = _parse_at(data.get("at"), problems, f"{path}:{key_line('at')}") if "at" in data else None

    steps: list[Step] = []
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, CommentedSeq) or not raw_steps:
        problems.append(f"{path}:{key_line('steps')}: steps must be a non-empty list")
    else:
        for index, raw in enumerate(raw_steps):
            line = int(raw_steps.lc.item(index)[0]) + 1
            step = _parse_step(raw, index + 1, line, path, problems)
            if step is not None:
                steps.append(step)
    if problems:
        raise ScriptError(problems)
    return Script(
        path=path,
        line=key_line("steps"),
        name=name,
        to=phones["to"],
        flow=flow,
        from_=phones["from"] or DEFAULT_FROM,
        steps=tuple(steps),
        at=at,
        flow_line=key_line("flow"),
    )


def _parse_at(value: Any, problems: list[str], where: str) -> dt.datetime | None:
    """`at:` is an ISO date-time with a UTC offset, quoted or not (YAML reads an unquoted one
    as a timestamp; ruamel keeps its offset)."""
    hint = 'e.g. at: "2026-11-23T09:00:00-08:00"'
    shown = repr(value) if isinstance(value, str) else str(value)
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = dt.datetime.fromisoformat(value.isoformat())  # a plain datetime, not ruamel's
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        problems.append(f"{where}: at must be an ISO date-time with an offset, {hint} "
                        f"(got {shown})")
        return None
    if moment.tzinfo is None:
        problems.append(f"{where}: at needs a UTC offset such as -08:00 or Z, {hint} "
                        f"(got {shown})")
        return None
    return moment


def _parse_step(raw: Any, number: int, line: int, path: str, problems: list[str]) -> Step | None:
    where = f"{path}:{line}: step {number}"
    if not isinstance(raw, CommentedMap) or len(raw) != 1:
        problems.append(
            f"{where}: a step is a mapping with exactly one of: {', '.join(STEP_KINDS)}"
        )
        return None
    kind, value = next(iter(raw.items()))
    if kind not in STEP_KINDS:
        problems.append(f"{where}: unknown step {kind!r} (expected one of {', '.join(STEP_KINDS)})")
        return None
    try:
        return _build_step(kind, value, number, line)
    except ValueError as error:
        problems.append(f"{where}: {kind}: {error}")
        return None


def _text_list(value: Any) -> tuple[str, ...]:
    items = list(value) if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError("give a phrase or a list of phrases")
    return tuple(items)


def _flag(value: Any) -> bool:
    if value is not True:
        raise ValueError("write `true`")
    return True


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number")
    return int(value)


def _options(value: Any, allowed: set[str]) -> dict[str, Any]:
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return dict(value)


def _build_step(kind: StepKind, value: Any, number: int, line: int) -> Step:
    """One checked step of a script; ValueError says what the value should be."""
    return _BUILDERS[kind](kind, value, number, line)


def _texts_step(kind: StepKind, value: Any, number: int, line: int) -> Step:
    return Step(number, line, kind, texts=_text_list(value))


def _flag_step(kind: StepKind, value: Any, number: int, line: int) -> Step:
    return Step(number, line, kind, flag=_flag(value))


def _expect_end(kind: StepKind, value: Any, number: int, line: int) -> Step:
    if not isinstance(value, bool):
        raise ValueError("write `true` or `false`")
    return Step(number, line, kind, flag=value)


def _one_of(allowed: tuple[str, ...]) -> Callable[[StepKind, Any, int, int], Step]:
    def build(kind: StepKind, value: Any, number: int, line: int) -> Step:
        if value not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return Step(number, line, kind, texts=(value,))
    return build


def _press(kind: StepKind, value: Any, number: int, line: int) -> Step:
    # An unquoted 007 is read as the number 7; ScalarInt marks such reformatted ints.
    if isinstance(value, int) and not isinstance(value, bool | ScalarInt) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not re.fullmatch(r"[0-9*#]+", value):
        raise ValueError('keys are 0-9, * and #, quoted: press: "1#"')
    return Step(number, line, kind, texts=(value,))


def _say(kind: StepKind, value: Any, number: int, line: int) -> Step:
    if isinstance(value, dict):
        options = _options(value, {"text", "confidence"})
        text, confidence = options.get("text"), options.get("confidence", 0.92)
        if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            raise ValueError("confidence is a number from 0 to 1")
    else:
        text, confidence = value, 0.92
    if not isinstance(text, str) or not text.strip():
        raise ValueError("say what? give the caller's words")
    return Step(number, line, kind, texts=(text,), confidence=float(confidence))


def _dial(kind: StepKind, value: Any, number: int, line: int) -> Step:
    duration = 30
    if isinstance(value, dict):
        options = _options(value, {"status", "duration"})
        value = options.get("status", "completed")
        duration = _int(options.get("duration", 30), "duration")
    status = "completed" if value == "answered" else value
    if status not in DIAL_STATUSES:
        raise ValueError(f"one of answered, {', '.join(DIAL_STATUSES)}")
    return Step(number, line, kind, texts=(status,), seconds=duration)


def _queue_position(kind: StepKind, value: Any, number: int, line: int) -> Step:
    position = _int(value, "position")
    if position < 1:
        raise ValueError("positions start at 1")
    return Step(number, line, kind, seconds=position)


def _record(kind: StepKind, value: Any, number: int, line: int) -> Step:
    finish = "hangup"
    if value is True:
        seconds = 12
    elif isinstance(value, dict):
        options = _options(value, {"seconds", "finish"})
        seconds = _int(options.get("seconds", 12), "seconds")
        finish = str(options.get("finish", "hangup"))
        if finish not in ("hangup", "timeout") and not re.fullmatch(r"[0-9*#]", finish):
            raise ValueError('finish is hangup, timeout or one key such as "#"')
    else:
        seconds = _int(value, "seconds")
    return Step(number, line, kind, seconds=seconds, finish=finish)


_BUILDERS: dict[str, Callable[[StepKind, Any, int, int], Step]] = {
    "expect": _texts_step, "expect_not": _texts_step,
    "silence": _flag_step, "hangup": _flag_step,
    "expect_end": _expect_end,
    "expect_waiting": _one_of(_WAITING),
    "press": _press,
    "say": _say,
    "dial": _dial,
    "queue": _one_of(QUEUE_RESULTS),
    "queue_position": _queue_position,
    "record": _record,
}
"""How each kind of script step is read: one function per kind (the keys are StepKind's)."""


# -------------------------------------------------------------------- running


def _heard_lines(turn: Turn) -> list[str]:
    lines = [f"BOT: {h}" for h in turn.heard]
    lines += [f"!! {e}" for e in turn.errors]
    if turn.ended:
        lines.append("-- call ended --")
    return lines


def _show_heard(turn: Turn) -> str:
    heard = "; ".join(repr(h) for h in turn.heard) or "(nothing)"
    return f"heard: {heard}; the call waits for {turn.waiting}"


def _act(emulator: CallEmulator, step: Step) -> tuple[str, Turn]:
    """Performs a caller step; returns the transcript line and the new turn."""
    value = step.texts[0] if step.texts else ""
    if step.kind == "press":
        queued = emulator.turn.waiting == "queue"  # keys over the hold music (the wait loop's)
        press = emulator.press_while_waiting if queued else emulator.press
        return f"CALLER: presses {value}{' while waiting' if queued else ''}", press(value)
    if step.kind == "say":
        return f"CALLER: says {value!r}", emulator.say(value, step.confidence)
    if step.kind == "silence":
        return "CALLER: (silence)", emulator.silence()
    if step.kind == "dial":
        return f"DIAL: {value}", emulator.dial_result(value, step.seconds or 0)
    if step.kind == "queue":
        return f"QUEUE: {value}", emulator.queue_result(value)
    if step.kind == "queue_position":
        position = step.seconds or 1
        return f"QUEUE: now at position {position}", emulator.queue_position(position)
    if step.kind == "record":
        seconds = step.seconds or 0
        then = "hangs up" if step.finish == "hangup" else f"finishes with {step.finish!r}"
        line = f"CALLER: records {seconds}s, then {then}"
        finish = "" if step.finish == "timeout" else step.finish
        return line, emulator.record(seconds, finish=finish)
    return "CALLER: hangs up", emulator.hangup()


def _check(step: Step, emulator: CallEmulator, turn: Turn) -> str | None:
    """None when the expectation holds, else why not."""
    heard = turn.text.lower()
    if step.kind == "expect":
        missing = [t for t in step.texts if t.lower() not in heard]
        if missing:
            return f"expected to hear {missing[0]!r}; {_show_heard(turn)}"
    elif step.kind == "expect_not":
        present = [t for t in step.texts if t.lower() in heard]
        if present:
            return f"did not expect to hear {present[0]!r}; {_show_heard(turn)}"
    elif step.kind == "expect_end":
        if emulator.ended != step.flag:
            state = "ended" if emulator.ended else "is still going"
            return f"expected the call to {'end' if step.flag else 'go on'}, but it {state}; " + (
                _show_heard(turn)
            )
    elif step.kind == "expect_waiting" and turn.waiting != step.texts[0]:
        return f"expected the call to wait for {step.texts[0]}; {_show_heard(turn)}"
    return None


def run_script(script: Script, make_emulator: Callable[[Script], CallEmulator]) -> ScriptResult:
    """Runs the script until its first failure. A call the script leaves open is hung up,
    so the server always sees the call end."""
    result = ScriptResult(script)
    emulator = make_emulator(script)
    where = f"{script.path}:{script.line}: start of call"

    def failed(message: str) -> None:
        if result.failure is None:
            result.failure = message

    turn = emulator.start()
    result.transcript.append(f"CALL: {emulator.from_} -> {emulator.to}")
    result.transcript += _heard_lines(turn)
    if turn.errors:
        failed(f"{where}: {turn.errors[0]}; {_show_heard(turn)}")

    for step in script.steps if result.ok else ():
        where = f"{script.path}:{step.line}: step {step.number} ({step.describe()})"
        if step.kind.startswith("expect"):
            problem = _check(step, emulator, turn)
        else:
            try:
                line, turn = _act(emulator, step)
            except CallStateError as error:
                problem = f"{error}; {_show_heard(turn)}"
            else:
                result.transcript.append(line)
                result.transcript += _heard_lines(turn)
                problem = f"{turn.errors[0]}; {_show_heard(turn)}" if turn.errors else None
        result.steps.append(StepResult(step, problem is None, problem or ""))
        if problem:
            failed(f"{where}: {problem}")
            break

    if not emulator.ended:
        try:
            turn = emulator.hangup()
        except CallStateError:
            pass
        else:
            result.transcript.append("CALLER: hangs up (end of script)")
            result.transcript += _heard_lines(turn)
            if turn.errors:
                failed(f"{script.path}: end of script: {turn.errors[0]}")
    return result
