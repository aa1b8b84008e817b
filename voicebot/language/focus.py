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
from voicebot.language.lemmas import Family, Term, lexeme

DONE: dict[Family, frozenset[str]] = {
    # English lemmas are stems ("completed" -> "complet").
    "en": frozenset({"finish", "done", "complet", "readi"}),
    "ru": frozenset({"готовый", "закончить", "доделать"}),
}
"""Words of a job's completion: asked about a job the business already has."""

FOCUS: dict[Family, frozenset[str]] = {
    "en": DONE["en"] | {"cost", "price", "charg", "fee", "estim", "quot", "expens", "cheap"},
    "ru": DONE["ru"] | {"стоить", "стоимость", "цена", "почем", "почём", "обойтись", "расценка",
                        "прайс"},
}
"""Words of a price or of a job's completion: what a question about a repair asks."""

_AFTER_QUESTION: dict[Family, tuple[str, frozenset[str]]] = {
    "en": ("how", frozenset({"much", "long"})),
    "ru": ("сколько", frozenset({"платить", "заплатить", "брать", "взять", "отдать", "выйти"})),
}
"""Words that are a focus after a question word only: "how much", "how long", "сколько
платить", "сколько берёте" ("much" alone thanks a lot, "платить" alone pays a bill)."""

REQUEST: dict[Family, frozenset[str]] = {
    "en": frozenset({"book", "schedul", "appoint", "appointment", "send"}),
    "ru": frozenset({"записать", "записаться", "запись"}),
}
"""Words of asking for the job to be booked."""

_EN_AUXILIARY = frozenset({"is", "are", "was", "were", "has", "have", "had", "did", "do", "does"})
"""A clause opened by one of these asks yes or no: "is it fixed yet", "have you finished"."""
_EN_OPENING = frozenset({"hi", "hey", "hello", "so", "um", "uh", "yeah", "oh", "and", "just"})
"""Words before a question that leave it a question: "hey, is it fixed yet"."""

_EN_WANTING = frozenset({"want", "need", "like", "wish"})
_EN_ASKING = frozenset({"know", "ask", "find", "check", "see", "hear", "learn"})
"""After "I want (someone) to": a verb of being told is a question, any other a request."""
_RU_WANTING = frozenset({"хотеть", "нужно", "надо", "хотеться"})
_RU_ASKING = frozenset({"сказать", "подсказать", "уточнить", "объяснить", "назвать", "узнать",
                        "спросить", "понять", "посчитать", "рассчитать", "знать"})
"""Verbs that ask to be told, not to have something done: "скажите, сколько стоит"."""


_EN_ASIDE = {"done": frozenset({"with", "for"}), "finish": frozenset({"with"}),
             "readi": frozenset({"to"})}
""""done with this fridge", "done for", "finished with it" (weary of it), "ready to pay"
(willing): no question of completion."""


def _not_asked_en(terms: tuple[Term, ...], i: int) -> bool:
    # "someone else to finish it": a job wanted done, not a question.
    return (i > 0 and terms[i - 1].text == "to") or (
        i + 1 < len(terms) and terms[i + 1].text in _EN_ASIDE.get(terms[i].lemma, ()))


def asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> frozenset[int]:
    """Where a focus word stands, outside `unsaid` (the words a negation denies)."""
    found: set[int] = set()
    after = _AFTER_QUESTION[family]
    for i, t in enumerate(terms):
        if i in unsaid or t.negation:
            continue
        if t.lemma in FOCUS[family]:
            if not (family == "en" and _not_asked_en(terms, i)):
                found.add(i)
        # The question word itself is no focus: "сколько каналов" asks about channels.
        elif (t.lemma in after[1] and i and terms[i - 1].lemma == after[0]) \
                or (family == "en" and _yet_asked(terms, i)):
            found.add(i)
    return frozenset(found)


def _yet_asked(terms: tuple[Term, ...], i: int) -> bool:
    """"is my washer fixed yet", "have you got to my dryer yet": "yet" in a yes-or-no
    question asks whether the job is done whatever the verb ("I haven't called anyone yet"
    tells, it does not ask)."""
    if terms[i].text != "yet":
        return False
    opener = next((t for t in terms[:i]
                   if t.clause == terms[i].clause and t.text not in _EN_OPENING), None)
    return opener is not None and opener.text in _EN_AUXILIARY and not any(
        t.negation for t in terms if t.clause == terms[i].clause)


def done_asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> bool:
    """Whether the caller asks if a job is finished ("а машина уже готова?", "is it done
    yet") and asks for no new one: a question about a job the business already has."""
    return (still_asked(terms, family, unsaid)
            or any(terms[i].lemma in DONE[family] or terms[i].text == "yet"
                   for i in asked(terms, family, unsaid))) \
        and not requested(terms, family, unsaid)


_STILL: dict[str, frozenset[str]] = {
    "долго": frozenset({"еще", "ли", "ждать"}),
    "сколько": frozenset({"еще"}),
    "когда": frozenset({"уже", "наконец", "наконецто"}),
    "скоро": frozenset({"ли", "уже"}),
}
"""Russian ways of asking how long a job still takes, or when at last it is done ("долго ещё
ремонтировать", "сколько ещё ждать", "когда уже доделаете", "скоро ли"): each question word
with the words that make it about a wait already under way (said next to it)."""


def still_asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> bool:
    """Whether a Russian caller asks how much longer a job takes, or when at last it is
    done: a question about a job the business already has, like "а машина уже готова?"."""
    if family != "ru":
        return False
    for i, t in enumerate(terms):
        partners = _STILL.get(t.lemma)
        if partners is None or i in unsaid:
            continue
        near = terms[max(0, i - 1):i + 3]
        if any(w.lemma in partners and w.clause == t.clause and not w.negation for w in near):
            return True
    return False


_READY = tuple(Term(w, lexeme(w, "ru"), 0) for w in ("когда", "будет", "готова"))


def with_status_asked(terms: tuple[Term, ...], family: Family,
                      unsaid: frozenset[int]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "когда будет готова" when a Russian
    caller asks after a job already in hand in other words ("долго ещё?", "когда уже
    доделаете", "закончили с моей?") and asks for no new one: a flow lists the plain question
    once, not every way of asking it."""
    # The cheap tests first: most answers have no word of a wait or of a job done.
    if family != "ru" or not terms or any(t.lemma == "готовый" for t in terms) \
            or not any(t.lemma in _STILL or t.lemma in DONE[family] for t in terms):
        return terms
    if not (still_asked(terms, family, unsaid) or done_asked(terms, family, unsaid)) \
            or requested(terms, family, unsaid):
        return terms
    clause = terms[-1].clause + 1
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _READY)


_RU_QUESTION = frozenset({"ли", "когда", "скоро", "долго", "сколько", "почему", "зачем"})


def _imperative(terms: tuple[Term, ...], i: int) -> bool:
    """A verb said as a request: "подключите" can be that or "(вы) подключите" (you will)."""
    if i and terms[i - 1].text == "вы":
        return False
    return any(p.tag.mood == "impr" for p in forms.parses(terms[i].text)[:2])


def requested(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int],
              only: frozenset[int] | None = None) -> frozenset[int]:
    """Where a request to do the job stands: a booking word, and in Russian a verb said as a
    request ("подключите") or after a verb of wanting ("хочу подключиться"), unless it only
    asks to be told ("подскажите", "хочу узнать")."""
    found: set[int] = set()
    price_of = FOCUS[family] | _AFTER_QUESTION[family][1]
    for i, t in enumerate(terms):
        # `only`: the words worth asking the dictionary about (a verb's mood costs a parse).
        if i in unsaid or t.negation or (only is not None and i not in only):
            continue
        if any(w.lemma in price_of for w in terms[max(0, i - 2):i]):
            # What the question is about: "сколько стоит записаться на ТО", "how much to book".
            continue
        if t.lemma in REQUEST[family]:
            found.add(i)
        elif family == "en" and t.text == "to" and i + 1 < len(terms) \
                and terms[i + 1].lemma not in _EN_ASKING and terms[i + 1].content \
                and any(w.lemma in _EN_WANTING and w.clause == t.clause
                        for w in terms[max(0, i - 3):i]):
            # "I need someone to fix it", "I'd like to have it looked at".
            found.add(i + 1)
        elif family == "ru" and t.lexeme.verb and t.lemma not in _RU_ASKING \
                and t.lemma not in _RU_WANTING:
            wanted = any(w.lemma in _RU_WANTING and w.clause == t.clause and not w.negation
                         for w in terms[max(0, i - 2):i])
            # "скоро ли закончите?", "когда доделаете?": a question to the business, not a
            # request, though the verb reads as an imperative too.
            asking = any(w.text in _RU_QUESTION and w.clause == t.clause for w in terms[:i])
            if wanted or (_imperative(terms, i) and not asking):
                found.add(i)
    return frozenset(found)
