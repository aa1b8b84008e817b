"""Menus of our own words (not a flow's) for the understanding layer's unit tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from voicebot.compiler.loader import load_flow
from voicebot.engine import answers
from voicebot.engine.steps.ask import Ask
from voicebot.flows.model import Flow
from voicebot.language.lemmas import Family
from voicebot.language.scorer import Menu, pattern

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def menu(words: dict[str, list[str]], examples: dict[str, list[str]] | None = None,
         family: Family = "ru") -> Menu[str]:
    """Candidates by key, each with its `words` and (optionally) its `examples`."""
    examples = examples or {}
    return Menu([(key, [pattern(w, family) for w in said]
                  + [pattern(e, family, "example") for e in examples.get(key, [])])
                 for key, said in words.items()], family)


def best(m: Menu[str], said: str) -> str | None:
    """The key heard best in `said`, or None when nothing was heard."""
    found = m.hear(said).best
    return None if found is None else found.key


@cache
def flow(name: str) -> Flow:
    """A shipped flow, loaded once."""
    return load_flow(FLOWS / f"{name}.yaml")


def heard(name: str, state: str, said: str) -> answers.Heard | None:
    """What the shipped flow's ask `state` hears in `said`: the choice, sure or a guess to
    confirm. `said` must not be in the flow file: a test in the flow's own words proves
    plumbing, not understanding."""
    f = flow(name)
    assert said.casefold() not in (FLOWS / f"{name}.yaml").read_text(encoding="utf-8").casefold()
    step = f.states[state]
    assert isinstance(step, Ask)
    return answers.hear(f, step, "", said)


def goes(name: str, state: str, said: str) -> str | None:
    """Where a sure answer `said` at the shipped flow's `state` goes (`heard`); None when no
    choice is taken (the answer is captured, or confirmed first)."""
    found = heard(name, state, said)
    return found.choice.goto if found is not None and found.certainty == "sure" else None
