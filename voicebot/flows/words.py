"""Words of a flow file, as the loader keeps them: Snowball stems, and the analysed pattern.

Understanding what callers say is `voicebot.language.scorer`'s work; this module turns a flow's
`words:` and `examples:` into `Phrase`s for it, and keeps the stem helpers other modules use
to compare words (an SMS reply, a business's name).
"""

from __future__ import annotations

from voicebot.flows.model import Phrase
from voicebot.language import lemmas
from voicebot.language.scorer import PatternKind, pattern

MIN_PREFIX = 5
"""A stem shorter than this never matches by prefix: "стра" would match far too much."""

FAMILY: dict[str, lemmas.Family] = {"english": "en", "russian": "ru"}


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, as the stemmer sees them (ё is е, punctuation separates)."""
    return lemmas.words(text)


def stems(text: str, language: str) -> tuple[str, ...]:
    """Stems of the words of `text`; `language` is a Snowball name ('russian', 'english')."""
    return stem_tokens(tokens(text), language)


def stem_tokens(words: tuple[str, ...], language: str) -> tuple[str, ...]:
    family = FAMILY[language]
    return tuple(lemmas.stem(w, family) for w in words)


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


def make_phrase(text: str, language: str, kind: PatternKind = "words") -> Phrase:
    return Phrase(text=text, stems=stems(text, language),
                  pattern=pattern(text, FAMILY[language], kind))
