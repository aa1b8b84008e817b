"""A Russian caller's thing that does not work: "у телевизора пульт не слушается", "индикатор
на ресивере не загорается", "чайник не греет".

A flow lists its words for a breakdown ("поломка", "неисправность") and some faults, not every
verb a thing can fail with, nor every thing. What a breakdown says, whatever the words, is a
thing (the subject: an inanimate noun in the nominative) and a verb it fails at, negated.
Whose breakdown it is depends on the thing: "сигнал не идёт", "картинка не двигается" is the
service failing (telesputnik's outage lists "сигнал", "картинка" among its fault's words);
"пульт не работает" is the caller's own set (TS-4), though "не работает" is the outage's too.
The scorer (`Menu`) decides that with the flow's words; this module reads the grammar.
"""

from __future__ import annotations

from voicebot.language import forms
from voicebot.language.lemmas import Term

_NOT_A_BREAKDOWN = frozenset({
    "мочь", "хотеть", "знать", "понимать", "надо", "нужно", "быть", "стать", "получаться",
    "получиться",
    "прийти", "приходить", "дойти", "доходить", "поступить", "поступать", "приехать",
    "приезжать", "вернуть", "вернуться", "возвращать", "позвонить", "перезвонить",
    "ответить", "отвечать", "прислать", "присылать",
})
"""Verbs that say what someone can, wants, knows ("не получается подключить": the caller's
own act), and what did not arrive or was not done for the caller ("ответ не пришёл", "деньги
не вернули", "никто не перезвонил"): not what a thing does."""


def _subject(term: Term) -> bool:
    # Any reading: "кнопки" is a genitive singular first, and a nominative plural too.
    return any(p.tag.POS == "NOUN" and p.tag.case == "nomn" and p.tag.animacy == "inan"
               for p in forms.parses(term.text))


def failing(terms: tuple[Term, ...]) -> list[tuple[int, int]]:
    """(thing, verb) indices of each thing said not to work: "не" and a finite verb of the
    third person or the past ("не работает", "не включилась"), and the nearest noun of its
    clause that can be its subject (no preposition before it: "от телевизора" is not)."""
    found: list[tuple[int, int]] = []
    for i, term in enumerate(terms[:-1]):
        verb = terms[i + 1]
        if term.text != "не" or verb.clause != term.clause or not verb.lexeme.verb \
                or verb.lemma in _NOT_A_BREAKDOWN:
            continue
        tag = forms.parses(verb.text)[0].tag
        if tag.POS != "VERB" or tag.person not in (None, "3per"):
            continue
        if tag.tense == "past" and tag.number == "plur" and "tran" in tag:
            # "(они) не поменяли фильтр": someone's act on the thing, not the thing failing.
            continue
        candidates = [j for j, t in enumerate(terms) if t.clause == term.clause and j != i + 1
                      and t.content and not t.lexeme.pronoun
                      and not (j and forms.parses(terms[j - 1].text)[0].tag.POS == "PREP")
                      and _subject(t)]
        if candidates:
            found.append((min(candidates, key=lambda j: abs(j - i)), i + 1))
    return found
