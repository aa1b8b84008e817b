"""Keypad options said aloud: "давайте первое", "по третьему", "четвёрочка", "option two".

A menu that says "press 3" hears callers who answer with the number instead. Cardinals alone
("один", "one") are left out: "у меня один вопрос" and "one more thing" are not keypresses.
These weigh less than a choice's own words, so "по третьему вопросу, про оплату" is still
about payment.
"""

from __future__ import annotations

from functools import cache

from voicebot.language.lemmas import Family
from voicebot.language.scorer import Pattern, pattern

KEY_WEIGHT = 0.8

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
_RU_NUMBERS = ("ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
               "девять")


@cache
def spoken_key(digit: str, family: Family) -> tuple[Pattern, ...]:
    if not (len(digit) == 1 and digit.isdigit()):
        return ()
    if family == "ru":
        said = (*_RU[digit], *(f"{w} {_RU_NUMBERS[int(digit)]}" for w in ("цифра", "кнопка", "номер")))
    else:
        number = _EN_NUMBERS[int(digit)]
        said = tuple(f"{w} {number}" for w in ("option", "number", "press", "button"))
    return tuple(pattern(w, family, weight=KEY_WEIGHT) for w in said)
