"""Phone numbers said in a voicemail, as recognizers write them.

Recognizers spell numbers out ("five oh three five five five oh one two three"), Russians
dictate in groups ("девятьсот пятнадцать сто двадцать три сорок пять шестьдесят семь"), and
some transcripts carry digits ("503 555 0123"). All of these become one run of digits, which
is then made E.164 when the country's number length says how.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
}
HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}
REPEAT = {"double": 2, "triple": 3}
PLUS = {"plus", "плюс"}
_DIGITS = re.compile(r"^\d+$")
_NUMBER_WORDS = set(UNITS) | set(TEENS) | set(TENS) | set(HUNDREDS) | set(REPEAT) | {"hundred"}


def is_number_word(token: str) -> bool:
    return token in _NUMBER_WORDS or bool(_DIGITS.match(token))


def _group(tokens: Sequence[str], i: int) -> tuple[str, int] | None:
    """The digits of one spoken group starting at `i`, and the index after it."""
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if _DIGITS.match(token):
        return token, i + 1
    if token in REPEAT and nxt in UNITS:
        return str(UNITS[nxt]) * REPEAT[token], i + 2
    if token in HUNDREDS:
        # "сто двадцать три" is 123, "сто пять" 105, "сто" alone 100.
        rest = _group(tokens, i + 1) if nxt in TENS or nxt in TEENS or nxt in UNITS else None
        if rest is not None and len(rest[0]) <= 2:
            return f"{HUNDREDS[token] // 100}{rest[0].zfill(2)}", rest[1]
        return str(HUNDREDS[token]), i + 1
    if token in TENS:
        if nxt in UNITS and UNITS[nxt] > 0 and nxt not in ("oh", "o"):
            return str(TENS[token] + UNITS[nxt]), i + 2
        return str(TENS[token]), i + 1
    if token in TEENS:
        if nxt == "hundred":  # "twelve hundred"
            return f"{TEENS[token]}00", i + 2
        return str(TEENS[token]), i + 1
    if token in UNITS:
        if nxt == "hundred":  # "five hundred", "five hundred fifty"
            rest = _group(tokens, i + 2) if i + 2 < len(tokens) and (
                tokens[i + 2] in TENS or tokens[i + 2] in TEENS) else None
            if rest is not None and len(rest[0]) == 2:
                return f"{UNITS[token]}{rest[0]}", rest[1]
            return f"{UNITS[token]}00", i + 2
        return str(UNITS[token]), i + 1
    return None


def digit_runs(tokens: Sequence[str]) -> list[tuple[str, bool]]:
    """Runs of consecutive spoken or written digits, each with whether "plus" preceded it."""
    runs: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        plus = tokens[i] in PLUS
        j = i + 1 if plus else i
        digits = ""
        while j < len(tokens):
            group = _group(tokens, j)
            if group is None:
                break
            digits += group[0]
            j = group[1]
        if digits:
            runs.append((digits, plus))
            i = j
        else:
            i += 1
    return runs


def to_e164(digits: str, plus: bool, country: str) -> str | None:
    """E.164 when the digits make a whole number for `country` ('1' or '7'), or carry a '+'."""
    if plus and 8 <= len(digits) + 1 <= 16 and digits[0] != "0":
        return "+" + digits
    if country == "1":
        if len(digits) == 10 and digits[0] in "23456789":
            return "+1" + digits
        if len(digits) == 11 and digits[0] == "1":
            return "+" + digits
    if country == "7":
        if len(digits) == 11 and digits[0] in "78":
            return "+7" + digits[1:]
        if len(digits) == 10 and digits[0] in "3489":
            return "+7" + digits
    return None


def callback_number(tokens: Sequence[str], country: str) -> str | None:
    """The phone number said in the message: E.164 when possible, else its digits.

    A run shorter than seven digits is a house number, a price or a year, not a phone.
    """
    fallback: str | None = None
    for digits, plus in digit_runs(tokens):
        number = to_e164(digits, plus, country)
        if number is not None:
            return number
        if fallback is None and len(digits) >= 7:
            fallback = digits
    return fallback
