"""What a caller asks, as against what it is about: "what does a dryer repair cost" asks a
price, though "dryer" and "repair" are the words of booking a repair; "сколько стоит поменять
колодки" asks a price, "запишите на замену колодок, сколько бы ни стоило" asks for a booking.

A *focus* word names what is asked about a thing (its price, whether it is finished); a
*request* asks to have the job done (book, schedule, записаться, "подключите", "хочу
подключиться"). The scorer (`Menu`) uses both: a focus said without a request makes the words
of the thing context for the choice that hears the question; a request makes a focus said
beside it context for the choice that hears the request.
"""

from __future__ import annotations

from voicebot.language import forms
from voicebot.language.lemmas import Family, Term

FOCUS: dict[Family, frozenset[str]] = {
    # English lemmas are stems ("completed" -> "complet").
    "en": frozenset({"cost", "price", "charg", "fee", "estim", "quot", "expens", "cheap",
                     "finish", "done", "complet", "readi"}),
    "ru": frozenset({"стоить", "стоимость", "цена", "почем", "почём", "обойтись", "расценка",
                     "прайс", "готовый", "закончить", "доделать"}),
}
"""Words of a price or of a job's completion: what a question about a repair asks."""

_AFTER_QUESTION: dict[Family, tuple[str, frozenset[str]]] = {
    "en": ("how", frozenset({"much", "long"})),
    "ru": ("сколько", frozenset({"платить", "заплатить", "брать", "взять", "отдать", "выйти"})),
}
"""Words that are a focus after a question word only: "how much", "how long", "сколько
платить", "сколько берёте" ("much" alone thanks a lot, "платить" alone pays a bill)."""

REQUEST: dict[Family, frozenset[str]] = {
    "en": frozenset({"book", "schedul", "appoint", "appointment"}),
    "ru": frozenset({"записать", "записаться", "запись"}),
}
"""Words of asking for the job to be booked."""

_RU_WANTING = frozenset({"хотеть", "нужно", "надо", "хотеться"})
_RU_ASKING = frozenset({"сказать", "подсказать", "уточнить", "объяснить", "назвать", "узнать",
                        "спросить", "понять", "посчитать", "рассчитать", "знать"})
"""Verbs that ask to be told, not to have something done: "скажите, сколько стоит"."""


def asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> frozenset[int]:
    """Where a focus word stands, outside `unsaid` (the words a negation denies)."""
    found: set[int] = set()
    after = _AFTER_QUESTION[family]
    for i, t in enumerate(terms):
        if i in unsaid or t.negation:
            continue
        if t.lemma in FOCUS[family]:
            # "I want someone else to finish it": a job wanted done, not a question.
            if not (family == "en" and i and terms[i - 1].text == "to"):
                found.add(i)
        # The question word itself is no focus: "сколько каналов" asks about channels.
        elif t.lemma in after[1] and i and terms[i - 1].lemma == after[0]:
            found.add(i)
    return frozenset(found)


def _imperative(terms: tuple[Term, ...], i: int) -> bool:
    """A verb said as a request: "подключите" can be that or "(вы) подключите" (you will)."""
    if i and terms[i - 1].text == "вы":
        return False
    return any(p.tag.mood == "impr" for p in forms.parses(terms[i].text)[:2])


def requested(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> frozenset[int]:
    """Where a request to do the job stands: a booking word, and in Russian a verb said as a
    request ("подключите") or after a verb of wanting ("хочу подключиться"), unless it only
    asks to be told ("подскажите", "хочу узнать")."""
    found: set[int] = set()
    for i, t in enumerate(terms):
        if i in unsaid or t.negation:
            continue
        if t.lemma in REQUEST[family]:
            found.add(i)
        elif family == "ru" and t.lexeme.verb and t.lemma not in _RU_ASKING \
                and t.lemma not in _RU_WANTING:
            wanted = any(w.lemma in _RU_WANTING and w.clause == t.clause and not w.negation
                         for w in terms[max(0, i - 2):i])
            if wanted or _imperative(terms, i):
                found.add(i)
    return frozenset(found)
