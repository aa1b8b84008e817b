"""Numbers as callers say them: values, dictated digits and ages, in Russian and English.

The utterances are written as recognizers return speech (words, lower case, now and then
digits), in the everyday wording of callers rather than any flow's words."""

from __future__ import annotations

import pytest

from voicebot.language import numbers


@pytest.mark.parametrize(("said", "value"), [
    ("двадцать девять", 29),
    ("мне нужно сорок два литра", 42),
    ("sixty-five", 65),
    ("about sixty five bucks", 65),
    ("полтора", 1.5),
    ("полторы тысячи", 1500),
    ("две тысячи двадцать шесть", 2026),
    ("тысяча рублей", 1000),
    ("сто пять", 105),
    ("триста", 300),
    ("twelve hundred", 1200),
    ("five hundred fifty", 550),
    ("five hundred and fifty", 550),
    ("one hundred and five dollars", 105),
    ("two thousand and five", 2005),
    ("five hundred and i need it fixed", 500),
    ("около 40 минут", 40),
    ("девятнадцати", 19),
    ("нет ни одного", 1),
    ("ничего такого", None),
    ("oh well", None),
])
def test_the_first_number_said_and_its_value(said: str, value: float | None) -> None:
    assert numbers.number(said) == value


@pytest.mark.parametrize(("said", "digits"), [
    # Phone numbers dictated in groups, as Belarusian and Russian callers do.
    ("двадцать девять пятьсот пятьдесят пять ноль один двадцать три", "295550123"),
    ("восемь девятьсот три сто двадцать три сорок пять шестьдесят семь", "89031234567"),
    ("девятьсот пятнадцать три пятёрки ноль один два три", "9155550123"),
    ("номер сорок четыре две семёрки восемь", "44778"),
    ("ноль ноль семь", "007"),
    ("два нуля один", "001"),
    # English dictation: "oh" is zero between digits, "double" repeats.
    ("five oh three double five five oh one two three", "5035550123"),
    ("my zip is nine seven two oh five", "97205"),
    ("account number 12 34 56", "123456"),
    ("it's 503-555-0143", "5035550143"),
    ("twelve hundred", "1200"),
    # No digits said, or only a sigh.
    ("oh sorry wrong number", ""),
    ("не помню номер", ""),
])
def test_digits_said_become_one_string(said: str, digits: str) -> None:
    assert numbers.digits(said) == digits


@pytest.mark.parametrize(("token", "value"), [
    ("первое", 1), ("третьего", 3), ("двадцатое", 20), ("пятого", 5), ("third", 3),
    ("25th", 25), ("1st", 1), ("стол", None), ("пять", None),
])
def test_ordinals(token: str, value: int | None) -> None:
    assert numbers.ordinal(token) == value


@pytest.mark.parametrize(("said", "ages"), [
    ("дочке восемь", (8,)),
    ("сыну восемь лет", (8,)),
    ("he's eleven", (11,)),
    ("тринадцать лет", (13,)),
    ("ей 12", (12,)),
    ("школьник, десять лет", (10,)),
    ("дома будет только сын, ему одиннадцать", (11,)),
    ("малому полтора года", (1,)),
    ("my daughter is nine", (9,)),
    ("she is only seven", (7,)),
    ("just my boy, he's twelve", (12,)),
    ("an 8 year old", (8,)),
    ("будет старший, ему уже шестнадцать", (16,)),
    ("сын, ему 25, и дочка семь", (25, 7)),
    ("ей почти тринадцать", (13,)),
    ("внуку лет семь", (7,)),
    # A number said alone answers "how old?".
    ("двенадцать", (12,)),
    ("ну, лет девять", (9,)),
    ("about nine", (9,)),
    ("в восемь", ()),
    ("пять минут", ()),
    # A time or a limit is not an age; a number alone is nobody's age.
    ("муж будет в восемь", ()),
    ("жена вернётся к пяти часам", ()),
    ("кто-то старше 14 лет", ()),
    ("nobody over fourteen", ()),
    ("he'll be back at six", ()),
    ("квартира двенадцать", ()),
    ("да, будет бабушка", ()),
    # A list of ages after the first: the children's, each of them.
    ("ребята дома останутся, им шесть и восемь", (6, 8)),
    ("детей двое, семь лет и тринадцать", (7, 13)),
    ("the kids are home alone, four and nine", (4, 9)),
    ("муж будет в шесть и восемь", ()),
    # A school grade says an age: the youngest a pupil of that grade is (RT-2 errs safe).
    ("внучка-третьеклассница будет", (8,)),
    ("сын у меня в одиннадцатом классе", (16,)),
    ("старшая перешла в девятый класс", (14,)),
])
def test_ages_named(said: str, ages: tuple[int, ...]) -> None:
    """RT-2 rests on this: a child's age must be heard however it is said."""
    assert numbers.ages(said) == ages


@pytest.mark.parametrize("word", ["пять", "пятисот", "oh", "double", "пятерки", "2026", "тысяч"])
def test_number_words_are_known(word: str) -> None:
    assert numbers.is_number_word(word)


@pytest.mark.parametrize("word", ["марина", "robert", "пятница", "often"])
def test_other_words_are_not_numbers(word: str) -> None:
    assert not numbers.is_number_word(word)
