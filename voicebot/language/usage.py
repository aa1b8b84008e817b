"""Russian questions about using a thing or what it has: "как на чайнике подсветку убрать",
"можно ли в духовке сушить грибы", "какой объём у этой морозилки".

A line that answers how-to questions (hotline's consultation lists "как настроить", "как
включить", "как пользоваться"...) cannot list every act a caller wants to do with every
appliance, nor every property they ask after. What such questions share is their grammar:
"как" or "чем" and an infinitive in the same clause, whatever words stand between, or
"можно"/"нельзя" and an infinitive with the thing it is done in or on ("в мультиварке"); or
"какой"/"сколько" and a thing asked about with "у", "в", "на" or "для" ("объём у
морозилки", "программ в машинке", "режим для пуховика"). A clause that names the business
("у вас", "к вам", "ваш") asks about the business (a job, its office, its warranty terms),
not about a thing, and is left out.
"""

from __future__ import annotations

from voicebot.language import forms
from voicebot.language.lemmas import Term

_HOW = frozenset({"как", "чем"})
"""How, and with what ("чем отмыть решётку"): "чем" with an infinitive only, which leaves
the "чем" of a comparison alone."""
_MAY = frozenset({"можно", "нельзя"})
_WHICH = frozenset({"какой", "сколько", "каков"})
_OF = frozenset({"у", "в", "во", "на", "для"})
_PLACES = frozenset({"у", "в", "во", "на"})
_BUSINESS = frozenset({"вы", "ваш", "ты", "твой"})
_MENDING = frozenset({"починить", "чинить", "отремонтировать", "ремонтировать", "исправить",
                      "исправлять", "наладить", "налаживать", "отладить"})
"""Verbs of mending (lemmas): "как починить стиралку" asks for the repair's own act, not
how to use the thing."""
WINDOW = 6
"""Words the infinitive (or the thing asked about) may stand after the question's word."""


def infinitive(word: str) -> bool:
    """Whether a Russian word can be an infinitive: "печь" is a noun first and a verb too,
    so any of its likelier readings will do."""
    return any(p.tag.POS == "INFN" for p in forms.parses(word)[:3])


def _noun(term: Term) -> bool:
    return term.content and forms.parses(term.text)[0].tag.POS == "NOUN"


def _thing(term: Term) -> bool:
    """A noun that is no person: "для пуховика", not "для монтажников" (staff)."""
    tag = forms.parses(term.text)[0].tag
    return term.content and tag.POS == "NOUN" and tag.animacy != "anim"


def _in_a_thing(terms: tuple[Term, ...], clause: int) -> bool:
    """Whether `clause` says in, on or at what thing: "в духовке", "на панели"."""
    words = [t for t in terms if t.clause == clause]
    return any(t.text in _PLACES and n + 1 < len(words) and any(
        _thing(w) for w in words[n + 1:n + 3]) for n, t in enumerate(words))


def asked(terms: tuple[Term, ...]) -> list[tuple[int, int]]:
    """The spans [start, end) of `terms` that ask how to use a thing, whether it can do
    something, or what it has, in clauses that do not name the business."""
    found: list[tuple[int, int]] = []
    for i, term in enumerate(terms):
        if term.text not in _HOW and term.lemma not in _MAY and term.lemma not in _WHICH:
            continue
        clause = [t for t in terms[i + 1:i + 1 + WINDOW] if t.clause == term.clause]
        if any(t.lemma in _BUSINESS for t in terms if t.clause == term.clause):
            continue
        if term.lemma in _WHICH:
            end = _thing_asked(clause)
        elif term.lemma in _MAY and not _in_a_thing(terms, term.clause):
            # "можно перейти к оценке", "можно записаться" ask leave to do something, not
            # what a thing can do: "можно ли в мультиварке печь" names where.
            continue
        else:
            end = next((n for n, t in enumerate(clause, 1) if infinitive(t.text)), None)
            if end is not None and clause[end - 1].lemma in _MENDING:
                continue
        if end is not None:
            found.append((i, i + 1 + end))
    return found


def _thing_asked(clause: list[Term]) -> int | None:
    """How many words of `clause` (after "какой"/"сколько") say what a thing has or needs: a
    noun, and "у"/"в"/"на"/"для" with a thing ("объём у морозилки", "у морозилки объём",
    "режим для пуховика")."""
    nouns = [n for n, t in enumerate(clause) if _noun(t)]
    places = [n for n, t in enumerate(clause) if t.text in _OF
              and any(_thing(w) for w in clause[n + 1:n + 3])]
    if not places or len(nouns) < 2:
        return None
    return max(nouns) + 1
