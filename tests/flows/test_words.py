from __future__ import annotations

import pytest

from voicebot.flows.words import make_phrase, phrase_in, stems, word_matches


def test_stems_lowercase_strip_punctuation_and_yo() -> None:
    assert stems("Страховку, ПОЖАЛУЙСТА!", "russian") == ("страховк", "пожалуйст")
    # 'ё' is folded to 'е' so both spellings stem alike.
    assert stems("ещё", "russian") == stems("еще", "russian")
    assert stems("Parts... and 2 claims?", "english") == ("part", "and", "2", "claim")
    assert stems("  ,;!? ", "english") == ()


@pytest.mark.parametrize("said", ["страховка", "страховку", "страховой", "страховому"])
def test_russian_inflections_match_the_keyword(said: str) -> None:
    (keyword,) = stems("страховка", "russian")
    (word,) = stems(said, "russian")
    assert word_matches(keyword, word)


@pytest.mark.parametrize("said", ["страна", "страны", "стрижка"])
def test_unrelated_russian_words_do_not_match(said: str) -> None:
    (keyword,) = stems("страховка", "russian")
    (word,) = stems(said, "russian")
    assert not word_matches(keyword, word)


def test_prefix_rule_needs_five_characters() -> None:
    assert word_matches("страхов", "страховк")
    assert word_matches("insur", "insurance")
    assert not word_matches("part", "partner")  # 4 characters: too short to count
    assert word_matches("part", "part")


def test_phrase_in_needs_every_word_in_order() -> None:
    utterance = stems("I have a home warranty claim", "english")
    assert phrase_in(stems("home warranty", "english"), utterance)
    assert phrase_in(stems("home claim", "english"), utterance)  # words between are fine
    assert not phrase_in(stems("warranty home", "english"), utterance)
    assert not phrase_in(stems("home insurance", "english"), utterance)
    assert not phrase_in((), utterance)


def test_a_word_is_not_used_twice() -> None:
    assert not phrase_in(stems("part part", "english"), stems("one part", "english"))
    assert phrase_in(stems("part part", "english"), stems("part and part", "english"))


def test_make_phrase() -> None:
    phrase = make_phrase("Home Warranty", "english")
    assert phrase.text == "Home Warranty"
    assert phrase.stems == ("home", "warranti")
