"""Menus of our own words (not a flow's) for the understanding layer's unit tests."""

from __future__ import annotations

from voicebot.language.lemmas import Family
from voicebot.language.scorer import Menu, pattern


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
