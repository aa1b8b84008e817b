"""Russian word forms: what a word is (a first name, a surname, a verb) and its other cases.

pymorphy3 with its OpenCorpora dictionary (the pymorphy3-dicts-ru wheel, nothing downloaded
at run time) knows about 390 000 lemmas, first names, patronymics and surnames among them,
and guesses unknown words by their endings. Loading it takes about a second and 15 MB, so
one analyser serves the process, made on first use; a parse is cached per word, since
callers and templates repeat the same few hundred words.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import pymorphy3

_lock = threading.Lock()
_analyser: list[Any] = []


def analyser() -> Any:
    """The process's one MorphAnalyzer (thread-safe for reading once made)."""
    if not _analyser:
        with _lock:
            if not _analyser:
                _analyser.append(pymorphy3.MorphAnalyzer(lang="ru"))
    return _analyser[0]


def warm_in_background() -> None:
    """Load the analyser in a daemon thread now, so that no caller's turn waits the second it
    takes: a service with a Russian line calls this at start."""
    if not _analyser:
        threading.Thread(target=analyser, name="voicebot-morphology", daemon=True).start()


@lru_cache(maxsize=20_000)
def parses(word: str) -> tuple[Any, ...]:
    """Every reading of `word` (lower case), likeliest first."""
    return tuple(analyser().parse(word))


NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def name_score(word: str, kinds: frozenset[str] = NAME_GRAMMEMES) -> float:
    """How likely `word` is a person's name of `kinds` (first name, surname, patronymic):
    the summed probability of those readings. "анна" 1.0, "петров" 0.9, "брала" 0."""
    return float(sum(p.score for p in parses(word) if kinds & p.tag.grammemes))


def inflect(word: str, case: str) -> str | None:
    """`word` in grammatical `case` (an OpenCorpora case: nomn, gent, datv, accs, ablt, loct),
    from its likeliest nominative reading; None when it has none (a verb, an adverb)."""
    for reading in parses(word):
        if "nomn" in reading.tag.grammemes and reading.tag.POS in ("NOUN", "ADJF", "PRTF"):
            form = reading.inflect({case})
            return str(form.word) if form is not None else None
    return None


def nominative(word: str) -> str | None:
    """A noun or adjective said in another case, in the nominative of its own number ("челнах"
    -> "челны", "набережных" -> "набережные"); None for any other word."""
    for reading in parses(word):
        if reading.tag.POS in ("NOUN", "ADJF") and reading.tag.case is not None:
            form = reading.inflect({"nomn"})
            return str(form.word) if form is not None else None
    return None


def name_nominative(word: str) -> str:
    """A name said in another case, as it is called: "сергеем" -> "сергей" ("зовут Сергеем");
    a word that can be a name in the nominative stays as it is ("марина", "лёша")."""
    readings = [p for p in parses(word) if NAME_GRAMMEMES & p.tag.grammemes]
    if not readings or any("nomn" in p.tag.grammemes for p in readings):
        return word
    best = readings[0]
    nominative = best.inflect({"nomn", "sing"})
    return str(nominative.word) if nominative is not None else word
