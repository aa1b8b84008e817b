"""Tolerance for recognizer errors: near spellings, and words split or joined.

rapidfuzz's normalized Indel ratio (C++, vectorised over a menu's vocabulary) replaces the
hand-rolled "one edit in a long word" rule: "refridgerator", "insurence", "страховй" still count,
and the quality of the guess is a number the scorer can weigh instead of a yes/no.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

MIN_LENGTH = 6
"""Shorter words must match exactly: one letter off in a short word is another word
("fridge"/"bridge" stay apart only by weight; "part"/"cart" would not)."""
CUTOFF = 82.0
"""Similarity (0-100) below which two words are different words."""


def quality(ratio: float) -> float:
    """A similarity ratio as the weight of the match: 0.6 at the cutoff, 0.95 for identical."""
    return 0.6 + (ratio - CUTOFF) / (100.0 - CUTOFF) * 0.35


def near(word: str, vocabulary: list[str]) -> list[tuple[str, float]]:
    """Words of `vocabulary` spelled close to `word`, with the quality of each match."""
    if len(word) < MIN_LENGTH or not vocabulary:
        return []
    found = process.extract(word, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=4)
    return [(choice, quality(score)) for choice, score, _ in found
            if len(choice) >= MIN_LENGTH]
