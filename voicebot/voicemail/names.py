"""The caller's name in a voicemail: the language layer's reading of names, told which words
the catalogue already explains ("this is fridge repair?" names no one) and the line's name."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from voicebot.language import entities


def caller_name(said: Sequence[str], language: str, taken: Collection[int], business: str,
                breaks: Collection[int] = ()) -> str | None:
    """The name said in the message, capitalised; None when none was said clearly. `breaks`:
    positions of words that end a clause (the transcript's punctuation)."""
    return entities.person_name(said, language, taken, business, breaks=breaks)
