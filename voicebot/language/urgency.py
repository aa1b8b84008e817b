"""Words that make a message urgent in every flow of a language (a flow may add its own).

Said under a negation they do not count: "it's not urgent", "не срочно, перезвоните завтра"
(TS-7).
"""

from __future__ import annotations

from functools import cache

from voicebot.language.lemmas import Family
from voicebot.language.scorer import Pattern, pattern

URGENT_WORDS: dict[Family, tuple[str, ...]] = {
    "en": (
        "urgent", "urgently", "asap", "a s a p", "as soon as possible", "emergency", "flooding",
        "flooded", "flood", "water everywhere", "right away", "immediately", "smoke", "sparks",
        "burning smell", "smells like gas", "gas smell", "on fire",
    ),
    "ru": (
        "срочно", "срочный", "авария", "аварийная", "как можно скорее",
        "как можно быстрее", "немедленно", "прямо сейчас", "дым", "дымит", "затопило",
        "отказали тормоза", "не тормозит",
    ),
}


@cache
def builtin_urgent(family: Family) -> tuple[Pattern, ...]:
    return tuple(pattern(w, family) for w in URGENT_WORDS[family])
