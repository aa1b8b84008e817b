"""Negation scope: which words of an utterance a "не"/"not" turns around.

"Это не срочно" does not ask for urgency, "I'm not calling about a repair" is not a repair,
"не по страховке" is not an insurance case. A word inside a negation's scope does not vote for
the choice it names (`scorer`), unless the phrase that names it carries the negation itself
("не работает", "not cooling", "no ice").

Scope, kept simple and predictable: it never crosses a clause boundary (punctuation, "but",
"но", "а"); "no"/"нет"/"без" cover only the next word ("нет сигнала", "no ice": "Нет, я по
оплате" is an answer, then a new thought), and a Russian "нет" or "никакой" with nothing after
it the noun in the genitive before it ("инвалидности нет", "срочности никакой"); "не"/"not"
cover the next content words: one in Russian, where "не" binds to the word after it, two
when that word is a verb ("не могу прийти", "не звоню по поводу ремонта"); in English two
when a preposition links them ("not calling about a repair").
"""

from __future__ import annotations

from voicebot.language.breakdown import why_asked
from voicebot.language.lemmas import Family, Term

_NEXT_WORD_ONLY = frozenset({"no", "нет", "нету", "без", "without"})
_OR = frozenset({"or", "nor", "или", "ни"})


def scope(terms: tuple[Term, ...], family: Family) -> frozenset[int]:
    """Indices of the words some negation of `terms` covers (not the negation words)."""
    return frozenset().union(*governed(terms, family).values())


def governed(terms: tuple[Term, ...], family: Family) -> dict[int, frozenset[int]]:
    """For each negation of `terms`, the words it covers: none for a bare answer ("Нет, я
    по оплате", "no."), which is what a "no" choice means."""
    found: dict[int, frozenset[int]] = {}
    for i, term in enumerate(terms):
        if term.negation:
            found[i] = frozenset() if _asked_why(terms, i, family) else _covered(terms, i, family)
            if family == "en" and _denies_taking_part(terms, i):
                found[i] |= _before(terms, i - 1)
        elif family == "en" and _ends_what_came_before(terms, i):
            found[i] = _before(terms, i)
    return found


def _asked_why(terms: tuple[Term, ...], i: int, family: Family) -> bool:
    """Whether the Russian "не" at `i` is in a clause that asks why ("почему машина до сих
    пор не готова"): a why states what it asks about, so the caller asks after the readiness
    and denies nothing."""
    return family == "ru" and terms[i].text == "не" and why_asked(terms, terms[i].clause)


_EN_ENDED = frozenset({"expir", "laps", "end"})
"""English verbs (as lemmas) that say what was named before them is no more: "my warranty
expired", "the coverage lapsed" say "no warranty", "no coverage"."""


_EN_TAKING_PART = frozenset({"involv", "cover", "pay", "appli", "handl", "includ"})
"""English verbs (as lemmas) of taking part in a job: negated after what was named, they deny
it as "no" before it does ("insurance isn't involved", "the warranty doesn't cover it",
"insurance won't pay")."""


def _denies_taking_part(terms: tuple[Term, ...], i: int) -> bool:
    """A negation between an auxiliary and a verb of taking part: "isn't involved"."""
    return 0 < i < len(terms) - 1 and not terms[i - 1].content \
        and terms[i - 1].clause == terms[i].clause \
        and terms[i + 1].lemma in _EN_TAKING_PART and terms[i + 1].clause == terms[i].clause


def _ends_what_came_before(terms: tuple[Term, ...], i: int) -> bool:
    term = terms[i]
    if term.lemma in _EN_ENDED:
        return True
    # "ran out", "has run out".
    return term.lemma == "run" and i + 1 < len(terms) and terms[i + 1].text == "out"


def _before(terms: tuple[Term, ...], i: int) -> frozenset[int]:
    """The content word (and the one before it: "home warranty") said just before `i`, in its
    clause."""
    covered: list[int] = []
    for j in range(i - 1, -1, -1):
        if terms[j].clause != terms[i].clause or terms[j].negation or len(covered) == 2:
            break
        if terms[j].content and not terms[j].lexeme.pronoun:
            covered.append(j)
        elif covered:
            break
    return frozenset(covered)


def _covered(terms: tuple[Term, ...], i: int, family: Family) -> frozenset[int]:
    term = terms[i]
    covered: set[int] = set()
    if term.text == "ни" and i + 1 < len(terms) and terms[i + 1].text == "у" \
            and _stresses(terms, i):
        # "каналов нету ни у меня, ни у соседей": beside a negation of its clause, "ни у"
        # names whose the missing thing is (the neighbours have no channels either), it does
        # not deny the neighbours. ("ни одного канала" denies as before.)
        return frozenset()
    if term.text in _NEXT_WORD_ONLY:
        return _next_words(terms, i, family)
    if term.text in _NONE_OF and not any(
            t.clause == term.clause and t.content for t in terms[i + 1:i + 2]):
        # "срочности никакой", "претензий никаких": like "нет", what is none is before it.
        return frozenset(_lacking_before(terms, i))
    budget = 1
    for j in range(i + 1, len(terms)):
        nxt = terms[j]
        if nxt.clause != term.clause or nxt.negation or nxt.text in _ASKS:
            break
        if nxt.text in _AND and any(t.text in _ALSO and t.clause == term.clause
                                    for t in terms[j + 1:]):
            # "не показывает и у соседей тоже": the neighbours share what is denied; they
            # are not denied themselves.
            break
        covered.add(j)
        if nxt.lemma in _COPING:
            # "не могу разобраться с настройками": the caller cannot cope; the settings are
            # what they need help with, not what they deny.
            break
        if family == "en" and not nxt.content and nxt.lemma in _EN_HAVING:
            # "don't have any warranty": the auxiliary "have" as a verb of having.
            budget = 2
        if not nxt.content or nxt.lexeme.pronoun or nxt.text in _DEGREE:
            continue
        if budget == 1 and _carries_on(terms, j, family):
            budget += 1
        budget -= 1
        if budget == 0:
            # An English compound noun is one thing: "haven't got a home warranty" (the object
            # of the negated verb, not the verb: "don't want same ...").
            if family == "en" and j + 1 < len(terms) and terms[j + 1].clause == term.clause \
                    and nxt.lexeme.lacking and terms[j + 1].lexeme.lacking \
                    and (any(terms[k].content for k in covered if k < j)
                         # "not a warranty claim": the negation says what the thing is not.
                         or (term.text == "not"
                             and not any(terms[k].content for k in range(i + 1, j)))):
                # ... of two nouns or three: "not a home warranty claim".
                k = j + 1
                while k < len(terms) and k <= j + 2 and terms[k].clause == term.clause \
                        and terms[k].lexeme.lacking:
                    covered.add(k)
                    k += 1
            break
    # Only what the negation says something about counts: "не хочу" covers "хочу", but
    # "not, um, really" covers nothing a choice could name.
    return frozenset(j for j in covered if terms[j].content)


def _next_words(terms: tuple[Term, ...], i: int, family: Family) -> frozenset[int]:
    """What "no"/"нет"/"без" at `i` covers: the next word, an English compound whole, each
    thing of a list joined by "or"; a Russian "нет" with nothing after it, the noun before."""
    term = terms[i]
    covered: set[int] = set()
    if i + 1 < len(terms) and terms[i + 1].clause == term.clause \
            and terms[i + 1].content and not terms[i + 1].negation \
            and (term.text not in ("нет", "нету", "no") or terms[i + 1].lexeme.lacking):
        covered.add(i + 1)
        # An English compound noun is one thing: "no home warranty", "no claim number"
        # deny the warranty and the number.
        if family == "en" and i + 2 < len(terms) and terms[i + 2].clause == term.clause \
                and terms[i + 1].lexeme.lacking and terms[i + 2].lexeme.lacking:
            covered.add(i + 2)
        # "no warranty or insurance", "нет гарантии или страховки": "no" denies each
        # thing of a list joined by "or".
        last = max(covered)
        if last + 2 < len(terms) and terms[last + 1].text in _OR \
                and terms[last + 2].clause == term.clause and terms[last + 2].content:
            covered.add(last + 2)
    elif term.text in ("нет", "нету"):
        covered.update(_lacking_before(terms, i))
    return frozenset(covered)


def _stresses(terms: tuple[Term, ...], i: int) -> bool:
    """Whether the "ни" at `i` stands beside a negation of its clause, or of the clause of the
    "ни" it pairs with ("нету ни у меня, ни у соседей": the pair is split by its comma)."""
    clauses = {terms[i].clause}
    for j in range(i - 1, -1, -1):
        if terms[j].text == "ни" and terms[j].clause == min(clauses) - 1:
            clauses.add(terms[j].clause)
    return any(t.negation and t.text != "ни" and t.clause in clauses for t in terms)


_AND = frozenset({"и", "а", "and"})
_ALSO = frozenset({"тоже", "также", "too", "either"})


def _carries_on(terms: tuple[Term, ...], j: int, family: Family) -> bool:
    """The negated word is a verb whose object is negated too: "не могу прийти", "не звоню
    по поводу ремонта", "not calling about a repair" (but not "not cooling thank you")."""
    if family == "ru":
        return terms[j].lexeme.verb
    if terms[j].lemma in _EN_HAVING:
        return True
    return j + 1 < len(terms) and terms[j + 1].text in _EN_LINKS \
        and terms[j].text not in EN_ATTITUDES


_EN_HAVING = frozenset({"have", "got", "get", "own", "hold", "carri"})
"""English verbs (as lemmas) of having: negated, they deny what is had ("I don't have any
warranty", "we haven't got a claim number")."""


EN_ATTITUDES = frozenset({"happy", "comfortable", "satisfied", "pleased", "thrilled", "glad",
                           "impressed", "content", "okay", "ok", "fine", "cool", "crazy"})
"""English words of how the caller feels about something: negated, they deny the feeling, not
its object. "I'm not happy with the technician" is about the technician (a complaint); "not
calling about a repair" denies the repair."""


_EN_LINKS = frozenset({"about", "for", "regarding", "with", "to", "because", "over"})


def denied(terms: tuple[Term, ...], family: Family) -> frozenset[int]:
    """Words a negation covers, and in Russian every word of a clause whose verb is negated:
    "меня дома не будет" denies being at home as much as "не дома" does, though "не" stands
    after "дома" (Russian negates the predicate, and the clause with it)."""
    found = set(scope(terms, family))
    if family == "ru":
        negated = {terms[i].clause for i, covers in governed(terms, family).items()
                   if terms[i].text == "не" and any(terms[j].lexeme.verb for j in covers)
                   and not any(terms[j].lemma in _COPING for j in covers)}
        found.update(i for i, t in enumerate(terms)
                     if t.clause in negated and t.content and not t.negation)
    return frozenset(found)


def _lacking_before(terms: tuple[Term, ...], i: int) -> set[int]:
    """Russian "нет" after what is missing: "инвалидности у меня нет", "вопросов больше нет"
    (the noun in the genitive before it, in its clause, small words and pronouns between)."""
    for j in range(i - 1, -1, -1):
        before = terms[j]
        if before.clause != terms[i].clause or before.negation:
            return set()
        if before.lexeme.lacking:
            return {j}
        if before.content and not before.lexeme.pronoun and before.text not in _BETWEEN:
            return set()
    return set()


_NONE_OF = frozenset({"никакой", "никакого", "никакая", "никакие", "никаких"})
"""Russian "никакой" in its forms: said after a noun in the genitive, it is none of it."""


_BETWEEN = frozenset({"больше", "уже", "совсем", "вообще", "точно", "тоже", "там", "тут"})
"""Words that may stand between a missing thing and its "нет": "вопросов больше нет"."""


_COPING = frozenset({"разобраться", "разбираться", "понять", "понимать", "сообразить",
                     "справиться", "справляться", "освоить", "додуматься"})
"""Russian verbs of making sense of or coping with something: negated, they say the caller
needs help with what follows ("не могу разобраться с таймером", "не пойму, как ..."), which
stays affirmed."""


_DEGREE = frozenset({"очень", "так", "слишком", "особо", "особенно", "сильно", "совсем",
                     "настолько", "чтобы", "уж", "прям", "прямо"})
"""Russian words of degree between "не" and what it negates: "не очень срочно", "не так уж
важно", "не чтобы срочно" (English ones, "not very urgent", are function words already)."""


_ASKS = frozenset({"как", "что", "где", "куда", "откуда", "когда", "какой", "какая", "какое",
                   "какие", "почему", "зачем", "сколько", "ли", "how", "what", "where", "when",
                   "which", "why", "whether", "if"})
"""Words that open a question inside the sentence: "не знаю, как включить духовку", "I don't
know how to set the timer" negate the knowing, not what is asked about."""
