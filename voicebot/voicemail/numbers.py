"""The number a voicemail asks to be called back on, read in the line's own country."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from voicebot.language import entities


def country(line_numbers: Iterable[str], language: str) -> str:
    """The country code numbers said without one belong to: the line's own."""
    return entities.line_country(line_numbers, language)


def callback_number(tokens: Sequence[str], country: str) -> str | None:
    """E.164 when the digits make a whole number of `country`, else seven or more digits as
    said (a person can still read them), else None."""
    return entities.phone_number(tokens, country)
