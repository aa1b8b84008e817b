"""Language tags, as flows name them ('ru-RU', 'en-US') and voicebot's wording is kept."""

from __future__ import annotations

from typing import Literal

Family = Literal["en", "ru"]


def language_family(tag: str) -> Family:
    """The language a BCP-47 tag ('ru-RU', 'en-US') names, among those voicebot speaks."""
    return "ru" if tag.lower().startswith("ru") else "en"
