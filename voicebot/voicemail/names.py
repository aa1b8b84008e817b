"""The caller's name in a voicemail: the language layer's reading of names, told which words
the catalogue already explains ("this is fridge repair?" names no one) and the line's name."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from voicebot.language import entities

_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?]\s*$")


def caller_name(said: Sequence[str], language: str, taken: Collection[int], business: str,
                breaks: Collection[int] = (), transcript: str = "") -> str | None:
    """The name said in the message, capitalised and spelt as the transcript writes it ("Артём",
    not the "артем" words are compared as); None when none was said clearly. `breaks`:
    positions of words that end a clause (the transcript's punctuation)."""
    found = entities.person_name(said, language, taken, business, breaks=breaks,
                                 proper=_capitalised_inside(transcript))
    return _as_written(found, transcript) if found else found


def _capitalised_inside(transcript: str) -> frozenset[str]:
    """Words a transcript capitalises inside a sentence, as recognizers write names ("it's
    Frank, 503 ..."): not a sentence's first word, not "I"."""
    found = set()
    for match in _WORD.finditer(transcript):
        word = match.group()
        before = transcript[:match.start()].rstrip()
        if word[:1].isupper() and word != "I" and before and not _SENTENCE_END.search(before):
            found.add(word.lower())
    return frozenset(found)


def _as_written(name: str, transcript: str) -> str:
    """Each word of `name` as the transcript spells it, if it does ("Артём", "Семён")."""
    spelt = {w.lower().replace("ё", "е"): w for w in _WORD.findall(transcript)}
    out = []
    for word in name.split():
        own = spelt.get(word.lower().replace("ё", "е"))
        out.append(own[:1].upper() + own[1:] if own and own.lower() != own.upper() else word)
    return " ".join(out)
