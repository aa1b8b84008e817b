"""Whether a caller's words ask something: "подскажите, как доехать до офиса", "а где у вас
магазин?", "с кем поговорить", "where is your office?".

An ask that matched none of its choices can still tell a question from a garbled or off-topic
statement: a question about something the line does not serve deserves its own answer (HL-8:
any non-typical question gets the non-typical answer), not the menu read again. Only the form
is judged here, never the topic: what the question is about is the choices' business.

A question is a question mark, a polite opener ("подскажите", "не знаете", "can you tell me"),
"ли" ("можно ли", "есть ли"), a question word opening a clause ("во сколько", "с кем"), or
in Russian a clause that asks by intonation alone ("у вас есть ...", "берёте стажёров").
"что" counts only at the start of the answer: after a comma it joins clauses ("думаю, что").
"""

from __future__ import annotations

import re

from voicebot.language import forms
from voicebot.language.lemmas import Family, normalise

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

OPENERS: dict[Family, tuple[tuple[str, ...], ...]] = {
    "ru": (("подскажите",), ("подскажи",), ("скажите",), ("скажи",), ("не", "подскажете"),
           ("не", "скажете"), ("не", "знаете"), ("не", "знаешь"), ("интересно",),
           ("хотела", "спросить"), ("хотел", "спросить"), ("хочу", "спросить"),
           ("хочу", "узнать"), ("хотела", "узнать"), ("хотел", "узнать")),
    "en": (("can", "you", "tell"), ("could", "you", "tell"), ("do", "you", "know"),
           ("i", "wonder"), ("i", "was", "wondering")),
}
"""Words that announce a question wherever they stand."""

QUESTION_WORDS: dict[Family, frozenset[str]] = {
    "ru": frozenset({
        "как", "где", "куда", "откуда", "когда", "сколько", "почему", "зачем", "отчего",
        "кто", "кого", "кому", "кем", "чем", "чего", "чему", "какой", "какая", "какое",
        "какие", "какого", "какую", "каким", "чей", "чья", "чье", "насколько"}),
    "en": frozenset({"how", "where", "when", "why", "who", "whom", "whose", "which", "what"}),
}
"""Words that ask when they open a clause (after the particles and prepositions below)."""

LEADING: dict[Family, frozenset[str]] = {
    "ru": frozenset({"а", "и", "ну", "вот", "так", "девушка", "извините", "простите",
                     "здравствуйте", "добрый", "день", "вечер", "алло", "слушайте",
                     "пожалуйста", "еще",
                     "с", "у", "в", "во", "на", "до", "к", "ко", "о", "об", "по", "для", "от",
                     "из", "за"}),
    "en": frozenset({"and", "so", "well", "hi", "hello", "excuse", "me", "please", "sorry",
                     "to", "at", "from", "for", "with", "about"}),
}
"""Particles, greetings and prepositions that may stand before a clause's question word."""

FIRST_ONLY: dict[Family, frozenset[str]] = {"ru": frozenset({"что", "чо", "че"}),
                                            "en": frozenset()}
"""Question words that also join clauses: they ask only at the start of the answer."""


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def _opens(words: tuple[str, ...], family: Family, first: bool) -> bool:
    asking = QUESTION_WORDS[family] | (FIRST_ONLY[family] if first else frozenset())
    for word in words:
        if word in asking:
            return True
        if word not in LEADING[family]:
            return False
    return False


_HAVE_YOU = (("у", "вас", "есть"), ("есть", "у", "вас"), ("у", "тебя", "есть"),
             ("есть", "у", "тебя"))
"""Russian "do you have": "у вас есть свободные места", said without a question mark."""


def _asks_the_listener(words: tuple[str, ...]) -> bool:
    """A Russian clause put to the listener as a question by its intonation alone, which a
    recognizer does not write: "у вас есть ...", or a clause that opens with a verb of the
    second person in the indicative ("берёте стажёров?", "вы работаете по субботам"). A verb
    that may be an imperative ("перезвоните") requests rather than asks."""
    if any(_has(words, have) for have in _HAVE_YOU):
        return True
    rest = [w for w in words if w not in LEADING["ru"]]
    if rest[:1] == ["вы"]:
        rest = rest[1:]
    if not rest:
        return False
    readings = forms.parses(rest[0])[:3]
    first = readings[0].tag
    return first.POS == "VERB" and first.person == "2per" and first.mood == "indc" \
        and not any(p.tag.mood == "impr" for p in readings)


def asks(text: str, family: Family) -> bool:
    """Whether `text` is put as a question."""
    if "?" in text:
        return True
    said = normalise(text)
    clauses = [tuple(_WORD.findall(part)) for part in re.split(r"[,.;:!—–]| - ", said)]
    everything = tuple(w for clause in clauses for w in clause)
    if any(_has(everything, opener) for opener in OPENERS[family]):
        return True
    if family == "ru" and "ли" in everything[1:]:
        return True
    if family == "ru" and any(_asks_the_listener(clause) for clause in clauses):
        return True
    return any(_opens(clause, family, first=(i == 0)) for i, clause in enumerate(clauses))
