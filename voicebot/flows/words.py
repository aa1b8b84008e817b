"""Keyword matching for spoken answers: lower-cased, punctuation-free Snowball stems.

Callers say "страховку", "по страховому случаю" or "Insurance!" where the flow file says
`страховка` / `insurance`; comparing stems (plus a guarded prefix rule, see
`word_matches`) lets one keyword cover the inflected forms.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

import snowballstemmer

from voicebot.flows.model import Phrase

# Letters and digits of any script (\w minus the underscore); everything else separates words.
_WORD = re.compile(r"[^\W_]+")

MIN_PREFIX = 5
"""A stem shorter than this never matches by prefix: "стра" would match far too much."""

_lock = threading.Lock()


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, as the stemmer sees them (ё is е, punctuation separates)."""
    return tuple(_WORD.findall(text.lower().replace("ё", "е")))


def stems(text: str, language: str) -> tuple[str, ...]:
    """Stems of the words of `text`; `language` is a Snowball name ('russian', 'english')."""
    return stem_tokens(tokens(text), language)


def stem_tokens(words: tuple[str, ...], language: str) -> tuple[str, ...]:
    if not words:
        return ()
    stemmer = _stemmer(language)
    # Snowball stemmer objects keep state between calls and are not safe to share
    # between the web server's threads.
    with _lock:
        return tuple(stemmer.stemWord(w) for w in words)


def word_matches(a: str, b: str) -> bool:
    """Two stems match when equal, or when one extends the other and the shorter is long enough.

    The prefix rule covers what Snowball leaves apart, e.g. Russian "страховой" -> "страхов"
    and "страховка" -> "страховк".
    """
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_PREFIX and long.startswith(short)


def phrase_in(phrase: tuple[str, ...], utterance: tuple[str, ...]) -> bool:
    """All stems of `phrase` occur in `utterance` in the same order, other words allowed between."""
    if not phrase:
        return False
    position = 0
    for wanted in phrase:
        while position < len(utterance) and not word_matches(wanted, utterance[position]):
            position += 1
        if position == len(utterance):
            return False
        position += 1
    return True


def make_phrase(text: str, language: str) -> Phrase:
    return Phrase(text=text, stems=stems(text, language))
