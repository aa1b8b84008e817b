"""A Russian caller who asks to have an appliance put in: "нужно поставить варочную панель",
"кто у вас ставит водонагреватели", "повесить кондиционер".

A line that installs appliances lists its words for it ("установка", "монтаж", "установить",
"повесить") and some examples, not every verb a caller puts it in with, nor every appliance.
"Поставить" alone says little ("поставить в очередь", "как поставить таймер"); with an
appliance as the thing put, it is an installation, whatever the verb's aspect. What such a
request says is its grammar: a verb of putting in (`INSTALL`) and an appliance (`APPLIANCES`)
in one clause, not asked how to ("как поставить программу" is a question of use, `usage`).
"""

from __future__ import annotations

from voicebot.language import forms
from voicebot.language.lemmas import Term

INSTALL = frozenset({
    "установить", "устанавливать", "поставить", "ставить", "повесить", "вешать", "навесить",
    "подключить", "подключать", "встроить", "встраивать", "вмонтировать", "смонтировать",
    "монтировать", "подсоединить", "подсоединять", "врезать", "прикрутить",
    "перевесить", "переставить", "переустановить", "перенести",
})
"""Verbs (lemmas, both aspects) of putting a thing in place and connecting it."""

APPLIANCES = frozenset({
    "холодильник", "морозильник", "морозилка", "плита", "варочный", "панель", "поверхность",
    "духовка", "шкаф", "вытяжка", "посудомоечный", "стиральный", "машина", "машинка",
    "сушилка", "сушильный", "кондиционер", "сплит", "система", "водонагреватель", "бойлер",
    "колонка", "котёл", "котел", "печь", "микроволновка", "микроволновый", "телевизор",
    "кофемашина", "мультиварка", "кронштейн", "антенна", "тарелка", "полотенцесушитель",
    "радиатор", "батарея", "обогреватель", "конвектор", "фильтр", "смеситель", "розетка",
    "люстра", "светильник", "вентилятор", "рекуператор", "увлажнитель", "холодос",
    "стиралка", "посудомойка", "кондей", "техника", "прибор",
})
"""Household appliances and the words that name one ("варочная панель", "стиральная
машина", "техника"), as lemmas: what a caller has put in."""

_HOW = frozenset({"как", "чем"})
_IT = frozenset({"его", "её", "ее", "их", "он", "она", "оно", "они"})
"""Third-person pronouns: the thing a verb of putting in is about, named before."""
WINDOW = 4
"""Words an appliance may stand from the verb, either side: "варочную панель поставить"."""


def asked(terms: tuple[Term, ...]) -> bool:
    """Whether the caller asks to have an appliance installed: a verb of putting in and an
    appliance near it in one clause, which neither negates nor asks how."""
    for i, term in enumerate(terms):
        if term.lemma not in INSTALL:
            continue
        clause = [t for t in terms if t.clause == term.clause]
        # "не надо ставить", "как поставить таймер": no request to put a thing in.
        if any(t.text in _HOW or t.negation for t in clause):
            continue
        near = terms[max(0, i - WINDOW):i + 1 + WINDOW]
        if any(t.lemma in APPLIANCES and t.clause == term.clause for t in near):
            return True
        # "плита новая, кто её ставить будет", "холодильник старый, новый поставить кто
        # может": the thing put in is named before and meant here by a pronoun, or by an
        # adjective that stands for its noun.
        if any(_stands_for_a_thing(clause, n) for n in range(len(clause))) and any(
                t.lemma in APPLIANCES and t.clause < term.clause for t in terms):
            return True
    return False


def _stands_for_a_thing(clause: list[Term], n: int) -> bool:
    """Whether the word at `n` of `clause` stands for a thing named before: a third-person
    pronoun, or an adjective with no noun after it ("новый", "другую")."""
    if clause[n].text in _IT:
        return True
    after = clause[n + 1] if n + 1 < len(clause) else None
    return forms.parses(clause[n].text)[0].tag.POS == "ADJF" and (
        after is None or forms.parses(after.text)[0].tag.POS not in ("NOUN", "ADJF"))
