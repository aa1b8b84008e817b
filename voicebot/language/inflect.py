"""Generated Russian is grammatical: a value put into a template takes the case the template
needs ("записать вас на {slot:вин}" says "на среду, 25 ноября, в 10:00", not "на среда").

Flow authors name the case after the placeholder's colon, in Russian school terms or as
OpenCorpora codes: `{slot:вин}` or `{slot:accs}`. The value is read as a noun phrase: the
words up to and including its head noun (adjectives agree with it), and names standing in
apposition after it ("мастер-консультант Иван" -> "мастера-консультанта Ивана"), go to that
case; everything after (", 25 ноября, в 10:00", "масла" in "замена масла") stays as it is.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from voicebot.language import forms

CASES: dict[str, str] = {
    "им": "nomn", "род": "gent", "дат": "datv", "вин": "accs", "твор": "ablt", "пред": "loct",
    "nomn": "nomn", "gent": "gent", "datv": "datv", "accs": "accs", "ablt": "ablt", "loct": "loct",
}
"""Case names a template may use after a placeholder's colon."""
CASE_HELP = "им, род, дат, вин, твор, пред (or nomn, gent, datv, accs, ablt, loct)"

_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_STOP = re.compile(r"[,;:.()«»\"!?]")
"""Punctuation ends the phrase that takes the case: ", 25 ноября" is said as it is."""


def case_code(name: str) -> str | None:
    """The OpenCorpora code of a case name a template uses; None when it names no case."""
    return CASES.get(name)


def _matching(original: str, form: str) -> str:
    """`form` written with the capitals of `original` ("Среда" -> "Среду")."""
    return form[:1].upper() + form[1:] if original[:1].isupper() else form


def _reading(word: str) -> Any | None:
    """The word's likeliest nominative reading as a noun, adjective or participle."""
    for reading in forms.parses(word.lower()):
        tag = reading.tag
        if "nomn" in tag.grammemes and tag.POS in ("NOUN", "ADJF", "PRTF"):
            return reading
    return None


def _noun(word: str, code: str) -> str | None:
    """A noun in `code`. In a hyphenated title both halves change when the first is a person
    ("мастер-консультант" -> "мастеру-консультанту") and only the last otherwise
    ("сервис-менеджер" -> "сервис-менеджеру")."""
    if "-" in word:
        first, _, rest = word.partition("-")
        first_reading = _reading(first)
        if first_reading is None or "anim" not in first_reading.tag.grammemes \
                or first_reading.tag.POS != "NOUN":
            last = _reading(rest)
            changed = last.inflect({code}) if last is not None else None
            return f"{first}-{changed.word}" if changed is not None else None
    reading = _reading(word)
    changed = reading.inflect({code}) if reading is not None else None
    return str(changed.word) if changed is not None else None


def _agreeing(reading: Any, code: str, head: Any) -> str | None:
    """An adjective in `code`, agreeing with its head noun in number, gender and, in the
    accusative, animacy ("кузовной ремонт" -> "кузовной ремонт", "нового мастера")."""
    wanted = {code}
    head_tag = head.tag
    if head_tag.number == "plur":
        wanted.add("plur")
    elif head_tag.gender in ("masc", "femn", "neut"):
        wanted.add(head_tag.gender)
    if code == "accs" and (head_tag.number == "plur" or head_tag.gender == "masc"):
        wanted.add(head_tag.animacy or "inan")
    changed = reading.inflect(wanted)
    return str(changed.word) if changed is not None else None


@lru_cache(maxsize=4096)
def phrase(text: str, case: str) -> str:
    """`text` with its leading noun phrase in `case` (an OpenCorpora code or a Russian case
    name); text with no Russian noun phrase at its start is returned as it is."""
    code = CASES.get(case, case)
    if code == "nomn" or not text:
        return text
    stop = _STOP.search(text)
    words: list[tuple[re.Match[str], Any]] = []
    at = 0
    head: Any = None
    for found in _WORD.finditer(text, 0, stop.start() if stop else len(text)):
        if text[at : found.start()].strip():
            break  # a digit or a Latin word: the phrase that takes the case is over
        reading = _reading(found.group())
        if reading is None:
            break
        is_noun = reading.tag.POS == "NOUN"
        if head is not None and not (is_noun and reading.tag.grammemes & forms.NAME_GRAMMEMES):
            break  # after the head only names in apposition agree: "мастер Иван"
        words.append((found, reading))
        at = found.end()
        if head is None and is_noun:
            head = reading
    if head is None:
        return text
    out: list[str] = []
    at = 0
    for found, reading in words:
        word = found.group()
        changed = _noun(word.lower(), code) if reading.tag.POS == "NOUN" else _agreeing(
            reading, code, head)
        if changed is None:
            return text
        out.append(text[at : found.start()] + _matching(word, changed))
        at = found.end()
    return "".join(out) + text[at:]


def render(template: str, values: Mapping[str, Any]) -> str:
    """`template` filled from `values`, each `{name:case}` in its case (`{name}` as it is)."""
    return _FORMATTER.vformat(template, (), values)


class _Grammar(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec:
            return phrase(str(value), format_spec)
        return str(format(value, ""))


_FORMATTER = _Grammar()


def count_form(count: int, one: str, few: str, many: str) -> str:
    """The Russian noun form a number takes: 1, 21 -> `one`; 2-4, 22-24 -> `few`; the rest
    (5-20, 11-14 included) -> `many`: "1 звонок", "3 звонка", "11 звонков"."""
    last, tens = count % 10, count % 100
    if last == 1 and tens != 11:
        return one
    return few if 2 <= last <= 4 and not 12 <= tens <= 14 else many
