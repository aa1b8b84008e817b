"""Finding catalogue phrases in recognizer text, which mishears and splits words.

On top of the stem matching of `voicebot.flows.words` (which the call menus use), a
voicemail transcript is allowed one wrong letter in a long word ("refridgerator"), compound
words written apart or together ("dish washer", "icemaker"), and a couple of words inside a
phrase ("not really cooling"). Menus stay strict: there the caller can be asked again.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from voicebot.flows import words
from voicebot.flows.model import Phrase

FUZZY_MIN = 6
"""Stems shorter than this must match exactly (or by the stem prefix rule): one letter off
in a short word is another word ("fridge"/"bridge" stems are five letters)."""
MAX_GAP = 2
"""Words allowed between two words of a phrase: "not cooling" also matches "not really
cooling", but "wrong ... number" far apart is two thoughts."""


def one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def close(wanted: str, said: str) -> bool:
    """Equal, or one letter off in a long stem."""
    return wanted == said or (
        len(wanted) >= FUZZY_MIN and len(said) >= FUZZY_MIN and one_edit(wanted, said)
    )


def similar(wanted: str, said: str) -> bool:
    """`close`, or the stem prefix rule of the menus ("страховой" for "страховка")."""
    return words.word_matches(wanted, said) or close(wanted, said)


@dataclass(frozen=True)
class Said:
    """A transcript prepared for matching: its words, their stems, and stems of word pairs."""

    words: tuple[str, ...]
    stems: tuple[str, ...]
    pairs: tuple[str, ...]
    """Stem of each word joined with the next one, for compounds split by the recognizer."""

    @classmethod
    def of(cls, text: str, language: str) -> Said:
        found = words.tokens(text)
        stems = words.stem_tokens(found, language)
        pairs = tuple(
            (words.stems(a + b, language) or ("",))[0] for a, b in itertools.pairwise(found)
        )
        return cls(found, stems, pairs)


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int
    end: int
    """Index after the last word matched."""


def _in_order(wanted: tuple[str, ...], said: tuple[str, ...], start: int) -> int | None:
    """End index when `wanted` occurs in order from `said[start]`, with small gaps."""
    position = start
    for n, stem in enumerate(wanted):
        limit = position + 1 if n == 0 else min(len(said), position + MAX_GAP + 1)
        while position < limit and not similar(stem, said[position]):
            position += 1
        if position >= limit:
            return None
        position += 1
    return position


def find(phrase: Phrase, said: Said, language: str) -> Match | None:
    """The first place `phrase` occurs in `said`, or None."""
    # Compounds are compared strictly (no prefix rule): "thankyouforfix" must not match
    # "thank", nor "washerand" the phrase "washer".
    joined = words.stems("".join(phrase.text.split()), language) if len(phrase.stems) == 2 else ()
    for start in range(len(said.stems)):
        end = _in_order(phrase.stems, said.stems, start)
        if end is not None:
            return Match(phrase, start, end)
        # "icemaker" said for the phrase "ice maker", "dish washer" for "dishwasher".
        if len(joined) == 1 and close(joined[0], said.stems[start]):
            return Match(phrase, start, start + 1)
        if len(phrase.stems) == 1 and start < len(said.pairs) \
                and close(phrase.stems[0], said.pairs[start]):
            return Match(phrase, start, start + 2)
    return None


def find_any(phrases: tuple[Phrase, ...], said: Said, language: str) -> list[Match]:
    """Where each phrase occurs; of synonyms found on the same words, the first listed."""
    found: dict[tuple[int, int], Match] = {}
    for phrase in phrases:
        match = find(phrase, said, language)
        if match is not None:
            found.setdefault((match.start, match.end), match)
    return list(found.values())
