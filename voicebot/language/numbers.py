"""Numbers as people say them on the phone, in Russian and English.

Recognizers write numbers out ("двадцать девять", "sixty five", "oh five"), people dictate
phone numbers in groups ("двадцать девять пятьсот пятьдесят пять ноль один двадцать три"),
use digit names ("три пятёрки", "double five"), fractions ("полтора") and, about children,
ages ("дочке восемь", "he's eleven", "тринадцать лет"). This module turns all of that into
numbers: pure functions over the tokens of `voicebot.language.lemmas.words`, dictionary look-ups
only, so they fit inside a webhook's budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from voicebot.language import forms, lemmas

# Every case form people use: "в пять", "после пяти", "к пятерым" is not a number of digits.
UNITS: dict[str, int] = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ноль": 0, "нуль": 0, "ноля": 0, "нуля": 0, "нолик": 0,
    "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одному": 1,
    "два": 2, "две": 2, "двух": 2, "двум": 2, "три": 3, "трех": 3, "трем": 3,
    "четыре": 4, "четырех": 4, "четырем": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6,
    "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
}
TEENS: dict[str, int] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
for _stem, _n in (("десят", 10), ("одиннадцат", 11), ("двенадцат", 12), ("тринадцат", 13),
                      ("четырнадцат", 14), ("пятнадцат", 15), ("шестнадцат", 16),
                      ("семнадцат", 17), ("восемнадцат", 18), ("девятнадцат", 19)):
    TEENS[_stem + "ь"] = TEENS[_stem + "и"] = _n
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40,
    "пятьдесят": 50, "пятидесяти": 50, "шестьдесят": 60, "шестидесяти": 60,
    "семьдесят": 70, "семидесяти": 70, "восемьдесят": 80, "восьмидесяти": 80,
    "девяносто": 90, "девяноста": 90,
}
HUNDREDS: dict[str, int] = {
    "сто": 100, "ста": 100, "двести": 200, "двухсот": 200, "триста": 300, "трехсот": 300,
    "четыреста": 400, "четырехсот": 400, "пятьсот": 500, "пятисот": 500, "шестьсот": 600,
    "шестисот": 600, "семьсот": 700, "семисот": 700, "восемьсот": 800, "восьмисот": 800,
    "девятьсот": 900, "девятисот": 900,
}
DIGIT_NAMES: dict[str, int] = {
    # "три пятёрки" (555), "две семёрки" (77): how Russians dictate repeated digits.
    "единица": 1, "единицы": 1, "единиц": 1, "двойка": 2, "двойки": 2, "двоек": 2,
    "тройка": 3, "тройки": 3, "троек": 3, "четверка": 4, "четверки": 4, "четверок": 4,
    "пятерка": 5, "пятерки": 5, "пятерок": 5, "шестерка": 6, "шестерки": 6, "шестерок": 6,
    "семерка": 7, "семерки": 7, "семерок": 7, "восьмерка": 8, "восьмерки": 8, "восьмерок": 8,
    "девятка": 9, "девятки": 9, "девяток": 9, "нули": 0, "нуля": 0, "нолика": 0, "нолики": 0,
}
REPEAT = {"double": 2, "triple": 3}
THOUSANDS = frozenset({"тысяча", "тысячи", "тысяч", "thousand"})
HALVES: dict[str, float] = {"полтора": 1.5, "полторы": 1.5, "полутора": 1.5}
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
for _stem, _n in (("перв", 1), ("втор", 2), ("трет", 3), ("четверт", 4), ("пят", 5),
                      ("шест", 6), ("седьм", 7), ("восьм", 8), ("девят", 9), ("десят", 10),
                      ("одиннадцат", 11), ("двенадцат", 12), ("тринадцат", 13),
                      ("четырнадцат", 14), ("пятнадцат", 15), ("шестнадцат", 16),
                      ("семнадцат", 17), ("восемнадцат", 18), ("девятнадцат", 19),
                      ("двадцат", 20), ("тридцат", 30)):
    # "первое", "первого", "на пятое", "двадцать третьего": the forms a date takes.
    for _ending in (("ье", "ьего", "ьему", "ий", "ья") if _stem == "трет"
                    else ("ое", "ого", "ому", "ый", "ой", "ая")):
        ORDINALS[_stem + _ending] = _n
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(st|nd|rd|th|е|го|ое|ого)$")
_DIGITS = re.compile(r"^\d+$")
_INTERJECTIONS = frozenset({"oh", "o"})
"""Zero when dictating ("five oh three"), a sigh on its own ("oh, sorry")."""

NUMBER_WORDS = frozenset(
    set(UNITS) | set(TEENS) | set(TENS) | set(HUNDREDS) | set(DIGIT_NAMES) | set(REPEAT)
    | set(HALVES) | THOUSANDS | {"hundred"}
)
"""Words that are (part of) a number: never a name, never a keyword of their own."""


def is_number_word(token: str) -> bool:
    return token in NUMBER_WORDS or bool(_DIGITS.match(token))


def tokens(text: str) -> tuple[str, ...]:
    """The words of `text` as the number readers take them: lower case, ё as е; "sixty-five"
    and "503-555-0123" come apart at the hyphens."""
    return lemmas.words(text)


@dataclass(frozen=True)
class Spoken:
    """One number said in an utterance: its digits as dictated, its value, where it stands."""

    digits: str
    value: float
    start: int
    end: int
    """Index of the token after the number."""


def _group(said: Sequence[str], i: int) -> tuple[str, int] | None:  # noqa: PLR0911  one return per way a group is said
    """The digits of one dictated group starting at `i` ("пятьсот пятьдесят пять" is 555,
    "ноль один" is two groups), and the index after it."""
    token = said[i]
    nxt = said[i + 1] if i + 1 < len(said) else ""
    if _DIGITS.match(token):
        return token, i + 1
    if token in REPEAT and nxt in UNITS:
        return str(UNITS[nxt]) * REPEAT[token], i + 2
    if token in UNITS and nxt in DIGIT_NAMES and UNITS[token] > 0:
        return str(DIGIT_NAMES[nxt]) * UNITS[token], i + 2  # "три пятёрки"
    if token in DIGIT_NAMES:
        return str(DIGIT_NAMES[token]), i + 1
    if token in HUNDREDS:
        rest = _group(said, i + 1) if nxt in TENS or nxt in TEENS or nxt in UNITS else None
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
        if nxt == "hundred":  # "five hundred", "five hundred fifty", "five hundred and five"
            at = i + 3 if tuple(said[i + 2 : i + 3]) == ("and",) else i + 2
            after = said[at] if at < len(said) else ""
            rest = _group(said, at) if after in TENS or after in TEENS or (
                at == i + 3 and after in UNITS) else None
            if rest is not None and len(rest[0]) <= 2:
                return f"{UNITS[token]}{rest[0].zfill(2)}", rest[1]
            return f"{UNITS[token]}00", i + 2
        return str(UNITS[token]), i + 1
    return None


def _value(said: Sequence[str], i: int) -> tuple[float, int] | None:
    """The value of one number said from `i` ("двести тридцать", "две тысячи двадцать шесть",
    "полтора"), and the index after it. Digits said one by one ("ноль один") are not one value:
    only the first group counts."""
    token = said[i]
    if token in HALVES:
        if i + 1 < len(said) and said[i + 1] in THOUSANDS:
            return 1500, i + 2
        return HALVES[token], i + 1
    group = _group(said, i)
    if group is None:
        return None
    digits, j = group
    value: float = int(digits)
    if j < len(said) and said[j] in THOUSANDS:
        value *= 1000
        j += 1
        if tuple(said[j : j + 1]) == ("and",) and j + 1 < len(said) and _group(said, j + 1):
            j += 1  # "two thousand and five"
        rest = _group(said, j) if j < len(said) else None
        if rest is not None and int(rest[0]) < 1000:
            value += int(rest[0])
            j = rest[1]
    elif token in THOUSANDS:
        return None
    return value, j


def spoken_numbers(said: Sequence[str]) -> list[Spoken]:
    """Each number said in `said` (tokens), in order, as a value and as dictated digits."""
    found: list[Spoken] = []
    i = 0
    while i < len(said):
        if said[i] in THOUSANDS and (i == 0 or said[i - 1] not in NUMBER_WORDS):
            found.append(Spoken("1000", 1000, i, i + 1))  # "тысяча рублей"
            i += 1
            continue
        got = _value(said, i)
        if got is None or (said[i] in _INTERJECTIONS and got[1] == i + 1):
            i += 1
            continue
        value, end = got
        group = _group(said, i)
        digits = group[0] if group is not None and group[1] == end else str(int(value))
        found.append(Spoken(digits, value, i, end))
        i = end
    return found


def number(text: str) -> float | None:
    """The first number said in `text`: "двадцать девять" 29, "sixty-five" 65, "полтора" 1.5,
    "2 тысячи" 2000; None when there is none."""
    found = spoken_numbers(tokens(text))
    return found[0].value if found else None


def ordinal(token: str) -> int | None:
    """"первое" 1, "двадцать" is not one, "third" 3, "25th" 25, "5-го" 5 (as tokens: "5", "го")."""
    word = token.lower().replace("ё", "е")
    if word in ORDINALS:
        return ORDINALS[word]
    written = _ORDINAL_DIGITS.match(word)
    return int(written[1]) if written else None


@dataclass(frozen=True)
class Group:
    """One dictated group ("пятьсот пятьдесят пять", "oh", "12") and where it stands."""

    digits: str
    start: int
    end: int


def digit_groups(said: Sequence[str]) -> list[list[Group]]:
    """Runs of consecutive dictated groups ("двадцать девять | пятьсот пятьдесят пять | ноль |
    один | двадцать три" is one run); a lone "oh" is a sigh, not a run."""
    runs: list[list[Group]] = []
    i = 0
    while i < len(said):
        run: list[Group] = []
        while i < len(said):
            group = _group(said, i)
            if group is None:
                break
            run.append(Group(group[0], i, group[1]))
            i = group[1]
        if run and not all(t in _INTERJECTIONS for t in said[run[0].start : run[-1].end]):
            runs.append(run)
        elif not run:
            i += 1
    return runs


def digits(text: str) -> str:
    """All digits said or written in `text`, in order: what a `digits` or `number` capture
    keeps ("двадцать девять пятьсот пятьдесят пять ноль один двадцать три" -> "295550123",
    "my zip is nine seven two oh five" -> "97205"); "" when none."""
    return "".join(g.digits for run in digit_groups(tokens(text)) for g in run)


# --- ages -------------------------------------------------------------------------------------

YEARS = frozenset({"лет", "год", "года", "годик", "годика", "годиков", "годков",
                   "годами", "years", "year", "yrs", "yo"})
"""Words after a number that make it an age: "тринадцать лет", "eleven years old"."""
WHOSE = frozenset({
    # Russian: "ему одиннадцать", "ей 12", "сыну восемь", "дочке восемь", "школьник десять".
    "ему", "ей", "им", "сыну", "дочке", "дочери", "дочуре", "ребенку", "внуку", "внучке",
    "сынишке", "малому", "младшему", "младшей", "старшему", "старшей", "брату", "сестре",
    "сын", "дочь", "дочка", "ребенок", "школьник", "школьница", "внук", "внучка", "сынишка",
    "племяннику", "племяннице", "мальчику", "девочке", "дети", "детям", "детей", "малыши",
    "малышам", "детки", "деткам", "ребята", "ребятам", "ребятишки", "ребятишкам", "внуки",
    "внукам", "дочки", "сыновья", "сыновьям", "близнецы", "двойняшки",
    # English: "he's eleven", "she is 12", "my son is eight", "a boy of nine".
    "he", "she", "hes", "shes", "son", "daughter", "kid", "boy", "girl", "child",
    "grandson", "granddaughter", "brother", "sister", "nephew", "niece", "they", "theyre",
    "kids", "children",
})
_BETWEEN = frozenset({"is", "s", "re", "are", "will", "be", "only", "just", "of", "aged",
                      "age", "уже", "только", "всего", "лишь", "исполнилось", "будет", "около",
                      "примерно", "где", "то", "почти", "скоро", "nearly", "almost", "about",
                      "around", "turning", "turned", "будут", "одни", "одна", "alone", "home",
                      "останутся", "останется", "остаются", "остаётся", "остается", "дома"})
"""Words that may stand between whose age it is and the number: "she is only nine"."""
_NOT_AN_AGE_BEFORE = frozenset({
    # "будет в восемь", "к пяти", "после трёх", "over 14", "старше 14": a time or a limit.
    "в", "во", "к", "до", "после", "с", "со", "через", "at", "by", "after", "before", "until",
    "in", "старше", "младше", "больше", "меньше", "over", "under", "above", "below", "than",
    "номер", "number", "квартира", "дом",
})
_NOT_AN_AGE_AFTER = frozenset({
    "час", "часа", "часов", "утра", "вечера", "дня", "ночи", "минут", "минуты", "am", "pm",
    "oclock", "o", "clock", "hours", "minutes", "рублей", "dollars",
})
MAX_AGE = 120
_FILLERS = frozenset({"ну", "эээ", "ээ", "мм", "где", "то", "около", "примерно", "почти", "уже",
                      "лет", "год", "года", "um", "uh", "about", "around", "maybe", "years",
                      "year", "old", "like", "well"})
"""Words around a bare number that still leave it the whole answer: "ну, лет двенадцать"."""


def ages(text: str) -> tuple[int, ...]:
    """Ages named in `text`, in order: "дочке восемь" (8), "сыну восемь лет" (8), "he's eleven"
    (11), "тринадцать лет" (13), "ей 12" (12), "школьник, десять лет" (10), "полтора года" (1).

    A number counts when a year word follows it, or when it comes within two words after
    whose age it is ("ему", "сыну", "she's"), or when it is all that was said (the answer to
    "how old?"); a time ("будет в восемь", "к пяти") or a limit ("старше 14", "over 14") is
    never an age.
    """
    said = tokens(text)
    found: list[int] = []
    said_numbers = spoken_numbers(said)
    if len(said_numbers) == 1 and all(
            t in _FILLERS for t in said[: said_numbers[0].start] + said[said_numbers[0].end :]):
        value = said_numbers[0].value
        return (int(value),) if 0 < value <= MAX_AGE else ()
    last_end = -1  # where the last age named ends: a number listed right after it is one too
    for number_said in said_numbers:
        start, end = number_said.start, number_said.end
        before = said[start - 1] if start > 0 else ""
        after = said[end] if end < len(said) else ""
        if before in _NOT_AN_AGE_BEFORE or after in _NOT_AN_AGE_AFTER:
            continue
        if not 0 < number_said.value <= MAX_AGE:
            continue
        anchor = start - 1
        while anchor >= 0 and start - anchor <= 3 and said[anchor] in _BETWEEN:
            anchor -= 1
        if after in YEARS or (after == "year" or said[end : end + 2] == ("year", "old")) \
                or (before in YEARS and before not in ("year", "years")) \
                or (anchor >= 0 and said[anchor] in WHOSE) \
                or (before in _AND and last_end == start - 1):
            # "ей уже лет пять": about five years old; "девять и одиннадцать": a list.
            found.append(int(number_said.value))
            last_end = end + 1 if after in YEARS else end
    return tuple(found) + _grade_ages(said)


_GRADES = {"перв": 1, "втор": 2, "трет": 3, "четвер": 4, "пят": 5, "шест": 6, "седьм": 7,
           "восьм": 8, "девят": 9, "десят": 10, "одиннадцат": 11}
_GRADE_WORD = re.compile(r"^(" + "|".join(_GRADES) + r")ь?[оиеыа]?(?:классни|клашк|классн)")
_IN_GRADE = re.compile(r"^(" + "|".join(_GRADES) + r")ь?(?:ом|ой|ый|ий|ого|ая|ем|ей|е|я)$")
SCHOOL_AGE = 5
"""The youngest a Russian pupil of a grade can be, less the grade: first-graders are 6 to 8.
The youngest, for RT-2 is a safety rule: an eighth-grader (13 or 14) is not taken for 14."""


def _grade_ages(said: tuple[str, ...]) -> tuple[int, ...]:
    """The ages a Russian school grade says ("второклассник", "первоклашка", "в десятом
    классе"): RT-2 decides by age, and a child in the tenth grade is over 14."""
    found: list[int] = []
    for i, word in enumerate(said):
        match = _GRADE_WORD.match(word)
        if match is None and i + 1 < len(said) and said[i + 1].startswith("класс"):
            match = _IN_GRADE.match(word)
        if match is not None:
            found.append(_GRADES[match.group(1)] + SCHOOL_AGE)
    return tuple(found)


_AND = frozenset({"и", "and", "а"})
"""What joins a list of ages: "девять и одиннадцать", "eight and ten"."""


_OPTION_NOUNS = frozenset({"вариант", "пункт", "кнопка", "клавиша", "цифра", "опция"})
"""Nouns a Russian caller names a menu's option by ("второй вариант", "третий пункт")."""
_CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})


def names_which(terms: Sequence[lemmas.Term], i: int) -> bool:
    """Whether the Russian ordinal at `i` says which one of the noun after it it is ("во втором
    классе", "на третьем этаже", "первый раз"): it agrees with that noun in case, and the noun
    is no menu option ("второй вариант"). Such an ordinal is part of what is said about the
    noun, never a key said aloud."""
    if i + 1 >= len(terms) or terms[i + 1].clause != terms[i].clause \
            or terms[i + 1].lemma in _OPTION_NOUNS:
        return False
    own = {g for p in forms.parses(terms[i].text) if {"ADJF", "Anum"} <= p.tag.grammemes
           for g in p.tag.grammemes & _CASES}
    noun = {g for p in forms.parses(terms[i + 1].text) if p.tag.POS == "NOUN"
            for g in p.tag.grammemes & _CASES}
    return bool(own & noun)
