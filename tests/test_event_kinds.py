"""Every journal event voicebot writes is one of `EventKind`'s (issue 14 stage 4): the kinds
are an enum, so a new one is added there (and worded in the note) rather than appearing as a
misspelt string that the note, the journal and the reports would not know."""

from __future__ import annotations

import ast
from pathlib import Path

from voicebot.engine.steps import KINDS
from voicebot.models import EventKind

PACKAGE = Path(__file__).resolve().parents[1] / "voicebot"
WRITERS = {"event": 0, "add_event": 2}
"""Functions that write a journal event, and where their kind argument is: `turn.event(kind,
...)`, `calls.event(session, call, at, kind, ...)`, `add_event(call, at, kind, ...)`."""


def written_kinds(source: str, filename: str) -> dict[str, str]:
    """Event kinds written as string literals in `source`: kind -> FILE:LINE."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        at = WRITERS.get(name)
        if (name == "event" and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name) and func.value.id == "calls"):
            at = 3
        if at is None or len(node.args) <= at:
            continue
        arg = node.args[at]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found[arg.value] = f"{filename}:{node.lineno}"
    return found


def test_every_event_written_is_an_event_kind() -> None:
    known = {kind.value for kind in EventKind}
    unknown = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for kind, where in written_kinds(path.read_text(encoding="utf-8"), str(path)).items():
            if kind not in known:
                unknown[kind] = where
    assert not unknown, f"journal events missing from models.EventKind: {unknown}"


def test_every_event_a_step_kind_words_is_an_event_kind() -> None:
    known = {kind.value for kind in EventKind}
    for key, kind in KINDS.items():
        assert set(kind.notes) <= known, (key, set(kind.notes) - known)


def test_the_scan_finds_a_misspelt_kind() -> None:
    found = written_kinds('turn.event("hangpu", "x")\ncalls.event(s, c, now, "sya")\n', "x.py")
    assert set(found) == {"hangpu", "sya"}
    assert not set(found) & {kind.value for kind in EventKind}
