"""Understanding what the caller pressed or said in answer to an `ask`."""

from __future__ import annotations

import re

from voicebot.flows import words
from voicebot.flows.model import CaptureKind, Choice

_YES = {"english": ("yes", "yeah", "yep", "sure", "correct", "right", "ok", "okay"),
        "russian": ("да", "ага", "конечно", "верно", "правильно", "хорошо", "угу")}
_NO = {"english": ("no", "nope", "not", "never"),
       "russian": ("нет", "не", "неверно", "никак")}


def match_choice(choices: tuple[Choice, ...], digits: str, speech: str, language: str) -> str | None:
    """The first choice whose digits were pressed or whose words were said, in flow order."""
    if digits:
        for choice in choices:
            if digits in choice.digits:
                return choice.goto
    if speech:
        said = words.stems(speech, language)
        for choice in choices:
            if any(words.phrase_in(p.stems, said) for p in choice.words):
                return choice.goto
    return None


def capture_value(kind: CaptureKind, digits: str, speech: str, language: str,
                  spoken_only: bool = False) -> str | None:
    """The answer as the variable stores it, or None when it is not an answer of that kind.
    `spoken_only`: a keypress is not an answer to a question the caller can speak (a stray
    "0" must not become someone's question for management)."""
    raw = digits or speech
    if kind == "text" or kind == "date":
        if spoken_only and not speech:
            return None
        return raw.strip() or None
    if kind in ("digits", "number"):
        found = "".join(re.findall(r"\d", raw))
        return found or None
    # yes_no: a "no" word anywhere wins over "yes" ("да нет, не надо" means no).
    said = set(words.stems(speech, language)) if speech else set()
    if digits in ("1", "2"):
        return "yes" if digits == "1" else "no"
    if said & {s for w in _NO[language] for s in words.stems(w, language)}:
        return "no"
    if said & {s for w in _YES[language] for s in words.stems(w, language)}:
        return "yes"
    return None
