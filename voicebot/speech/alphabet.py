"""Which language's letters a text is written in: a transcript mostly in another alphabet than
the line's came from a model of another language (a Korean model "hearing" Russian speech
writes Hangul), and is a failed transcription, not a message to act on."""

from __future__ import annotations

import unicodedata

from voicebot.language.tags import language_family

SCRIPTS = {"en": "LATIN", "ru": "CYRILLIC", "ko": "HANGUL"}
"""The Unicode script each language family writes its words in."""
MOSTLY = 0.5
"""A transcript with more than this share of its letters foreign is in another language."""


def script(letter: str) -> str:
    """The Unicode script of a letter, from its name: 'LATIN', 'CYRILLIC', 'HANGUL'..."""
    name = unicodedata.name(letter, "")
    return name.split(" ", 1)[0] if name else ""


def script_of(words: str) -> str | None:
    """The script most letters of `words` are in; None when it holds no letter."""
    counts: dict[str, int] = {}
    for char in words:
        if char.isalpha():
            found = script(char)
            counts[found] = counts.get(found, 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else None


def foreign_share(text: str, language: str) -> float:
    """The share of the letters of `text` outside the alphabet of `language` (0 when the
    language's alphabet is not known here, or the text holds no letter)."""
    own = SCRIPTS.get(language_family(language))
    letters = [c for c in text if c.isalpha()]
    if own is None or not letters:
        return 0.0
    return sum(script(c) != own for c in letters) / len(letters)


def is_foreign(text: str, language: str) -> bool:
    return foreign_share(text, language) > MOSTLY
