"""Keypad options said aloud: "давайте первое", "по третьему", "четвёрочка", "option two".

A menu that says "press 3" hears callers who answer with the number instead. Cardinals in a
sentence ("один", "one") are left out: "у меня один вопрос" and "one more thing" are not
keypresses; a cardinal that is the whole answer ("два", "three", "um, four") is one
(`lone_key`). These weigh less than a choice's own words, so "по третьему вопросу, про
оплату" is still about payment.
"""

from __future__ import annotations

from functools import cache

from voicebot.language import numbers
from voicebot.language.lemmas import Family, analyse
from voicebot.language.scorer import Pattern, pattern

KEY_WEIGHT = 0.8
KEY_GAP = 1
"""Words allowed inside a key said aloud ("option, um, four"); a number said later in the
sentence ("a claim number for you, it's four four seven") is no key."""

_RU = {
    "0": ("ноль", "нолик", "нулевой"),
    "1": ("первый", "единица", "единичка"),
    "2": ("второй", "двойка", "двоечка"),
    "3": ("третий", "тройка", "троечка"),
    "4": ("четвертый", "четверка", "четверочка"),
    "5": ("пятый", "пятерка", "пятерочка"),
    "6": ("шестой", "шестерка"),
    "7": ("седьмой", "семерка"),
    "8": ("восьмой", "восьмерка"),
    "9": ("девятый", "девятка"),
}
_EN_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_ORDINALS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                "ninth")
_RU_BEFORE = ("цифра", "кнопка", "номер", "вариант", "пункт", "нажимаю", "нажму", "жму")
"""Words a Russian caller says a key with: "кнопка три", "вариант два", "нажимаю один"."""
_EN_BEFORE = ("option", "number", "press", "pressing", "button", "key", "choice")
_RU_NUMBERS = ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
               "девять")


@cache
def spoken_key(digit: str, family: Family) -> tuple[Pattern, ...]:
    if not (len(digit) == 1 and digit.isdigit()):
        return ()
    if family == "ru":
        said = (*_RU[digit], *(f"{w} {_RU_NUMBERS[int(digit)]}" for w in _RU_BEFORE))
    else:
        number, ordinal = _EN_NUMBERS[int(digit)], _EN_ORDINALS[int(digit)]
        # "the fourth one", "second option": an ordinal alone ("first time calling") is none.
        said = (*(f"{w} {number}" for w in _EN_BEFORE),
                *((f"{ordinal} one", f"{ordinal} option", f"{ordinal} choice") if ordinal else ()))
    return tuple(pattern(w, family, weight=KEY_WEIGHT, gap=KEY_GAP) for w in said)


def lone_key(speech: str, family: Family) -> str | None:
    """The key a caller said when a single digit is all the answer says ("два", "three");
    None for anything more ("один вопрос")."""
    said = [t.text for t in analyse(speech, family) if t.content]
    if not said or not all(numbers.is_number_word(w) for w in said):
        return None
    key = numbers.digits(speech)
    return key if len(key) == 1 else None
