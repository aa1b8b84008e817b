"""A Russian caller's thing that does not work: "у телевизора пульт не слушается", "индикатор
на ресивере не загорается", "чайник не греет".

A flow lists its words for a breakdown ("поломка", "неисправность") and some faults, not every
verb a thing can fail with, nor every thing. What a breakdown says, whatever the words, is a
thing (the subject: an inanimate noun in the nominative) and a verb it fails at, negated.
Whose breakdown it is depends on the thing: "сигнал не идёт", "картинка не двигается" is the
service failing (telesputnik's outage lists "сигнал", "картинка" among its fault's words);
"пульт не работает" is the caller's own set (TS-4), though "не работает" is the outage's too.

A thing also fails without a negation, in the verbs a caller says of a broken thing
(`FAILING`, `SYMPTOMS`): "тюнер умер", "приставка сдохла", "аккумулятор садится", "двигатель троит",
"обороты плавают". They are verbs of a thing only, so the same subject rule holds ("я сел" is
a person, "пульт сел" a flat battery).
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
    "хватать", "хватить", "стоить", "нравиться", "понравиться", "устраивать", "устроить",
    "интересовать",
})
"""Verbs that say what someone can, wants, knows ("не получается подключить": the caller's
own act), what did not arrive or was not done for the caller ("ответ не пришёл", "деньги
не вернули", "никто не перезвонил"), and what is not enough or not liked ("пенсии не
хватает", "цена не устраивает": a reason, TS-8): not what a thing does."""


FAILING = frozenset({
    # Broken, in everyday and slangy words.
    "сломаться", "поломаться", "умереть", "сдохнуть", "подохнуть", "накрыться", "гикнуться",
    "навернуться", "полететь", "сгореть", "перегореть", "отказать", "отвалиться", "треснуть",
    "лопнуть", "заклинить", "рассыпаться", "развалиться",
    # Working badly.
    "барахлить", "глючить", "зависать", "зависнуть", "заедать", "капризничать", "садиться",
    "сесть", "разрядиться", "разряжаться", "троить", "глохнуть", "заглохнуть", "течь",
    "протекать", "подтекать", "потечь", "перегреваться", "перегреться", "дымить", "искрить",
    "коротить", "коротнуть", "вонять",
    # Tripping the fuses: "духовка выбивает автомат", "вышибает пробки".
    "выбивать", "выбить", "вышибать", "вышибить",
})
"""Verbs that say, without a negation, that a thing is broken or working badly, as lemmas:
what a caller says of their set, car or appliance ("сдох", "накрылся", "садится", "троит").
Negated, they say it is fine ("не сломалась")."""
DAMAGE = frozenset({
    "треснуть", "лопнуть", "потрескаться", "расколоться", "разбиться", "отвалиться", "оторваться",
    "отлететь", "помяться", "смяться", "погнуться", "поцарапаться", "облезть", "облупиться",
    "отслоиться", "вздуться", "вспучиться", "заржаветь", "проржаветь", "ржаветь", "гнить",
    "сгнить",
})
"""Verbs of harm to a thing's body rather than of its working: "бампер треснул" and
"дверь проржавела" are work for whoever mends that thing (a body shop), where "шланг
лопнул" is a breakdown."""
SYMPTOMS = frozenset({
    "гореть", "мигать", "моргать", "греться", "плавать", "прыгать", "стучать", "постукивать",
    "гудеть", "шуметь", "пищать", "скрипеть", "свистеть", "трещать", "вибрировать",
    "дёргаться", "дергаться", "тарахтеть", "греметь", "грохотать", "дребезжать", "хрустеть",
    "щёлкать", "щелкать", "визжать", "лязгать",
})
"""Verbs of what a thing shows or sounds, as lemmas: said of a thing, a symptom either way
("горит чек" and "индикатор не горит", "обороты плавают", "стучит")."""


NOISES = frozenset({
    "стук", "стуканье", "постукивание", "шум", "гул", "вой", "свист", "скрип", "скрежет",
    "треск", "писк", "хруст", "лязг", "грохот", "дребезг", "дребезжание", "вибрация", "рывок",
    "люфт", "гарь", "дымок", "подтёк", "подтекание", "течь",
})
"""Nouns of what a thing does wrong, as lemmas: a caller names the symptom without the thing
or a verb ("при торможении скрежет", "гул снизу на скорости", "на руле вибрация"), and it is a
fault all the same. Not "дым" or "запах" alone: "запах в салоне" may be a cleaning."""


_ASKED_ABOUT = frozenset({"какой", "какая", "какое", "каков", "сколько", "насколько", "уровень"})


def noises(terms: tuple[Term, ...]) -> list[int]:
    """Where a symptom is named by its noun (`NOISES`), not denied ("стука нет", "без
    шума", "никакого скрипа") and not in a question ("какой уровень шума", "почему гул")."""
    found = []
    for i, t in enumerate(terms):
        # "какой уровень шума у пылесоса" asks about the thing, not of a fault.
        if t.lemma not in NOISES or any(w.clause == t.clause and (
                w.lexeme.asking or w.text in _ASKED_ABOUT) for w in terms):
            continue
        around = [w for w in terms[max(0, i - 2):i + 3] if w.clause == t.clause]
        if any(w.negation or w.text in ("без", "никакой", "никакого", "никаких") for w in around):
            continue
        found.append(i)
    return found


_WHEN = frozenset({"день", "неделя", "час", "минута", "утро", "вечер", "ночь", "месяц", "год",
                   "раз", "сутки", "время", "пора", "полдня", "неделька", "денёк", "денек"})
"""Nouns of time: "уже второй день не работает" says for how long, not what."""


def _subject(term: Term) -> bool:
    # Any reading: "кнопки" is a genitive singular first, and a nominative plural too.
    return term.lemma not in _WHEN and any(
        p.tag.POS == "NOUN" and p.tag.case == "nomn" and p.tag.animacy == "inan"
        for p in forms.parses(term.text))


def _failing_verb(terms: tuple[Term, ...], i: int) -> bool:
    """Whether the verb at `i` says its thing fails: negated ("не работает", "не горит"),
    or one of the `FAILING` or `SYMPTOMS` verbs said without a negation ("сдох", "троит";
    not "не сломался")."""
    verb = terms[i]
    if not verb.lexeme.verb or verb.lemma in _NOT_A_BREAKDOWN:
        return False
    before = terms[i - 1] if i else None
    if before is None or not before.negation or before.clause != verb.clause:
        return verb.lemma in FAILING or verb.lemma in SYMPTOMS
    # "не сломалась" says the thing is fine: a verb of failing turns around under "не".
    return verb.lemma not in FAILING and before.text == "не"


WHY = frozenset({"почему", "отчего", "зачем"})
"""Russian words that ask the cause of what follows them in their clause."""


def why_asked(terms: tuple[Term, ...], clause: int) -> bool:
    """Whether `clause` asks why ("почему ...", "из-за чего ...", "с чего вдруг ...")."""
    for i, t in enumerate(terms):
        if t.clause != clause:
            continue
        if t.text in WHY or (t.text == "чего" and i and terms[i - 1].text in ("из-за", "с")):
            return True
    return False


def why_of_a_thing(terms: tuple[Term, ...]) -> frozenset[int]:
    """The clauses that ask why a thing does what it does ("почему педаль проваливается",
    "отчего кондиционер не холодит"): a why (`why_asked`), a finite verb of the third person
    or the past, and a thing that can be its subject (`_subject`), no preposition before it.
    Not why a person did something ("почему мастер не перезвонил"), nor why a state is
    ("почему так дорого")."""
    found: set[int] = set()
    for v, verb in enumerate(terms):
        if verb.clause in found or not verb.lexeme.verb or verb.lemma in _NOT_A_BREAKDOWN \
                or not why_asked(terms, verb.clause):
            continue
        tag = forms.parses(verb.text)[0].tag
        if tag.POS != "VERB" or tag.person not in (None, "3per"):
            continue
        if any(t.clause == verb.clause and j != v and t.content and not t.lexeme.pronoun
               and not (j and forms.parses(terms[j - 1].text)[0].tag.POS == "PREP")
               and _subject(t) for j, t in enumerate(terms)):
            found.add(verb.clause)
    return frozenset(found)


def failing(terms: tuple[Term, ...]) -> list[tuple[int, int]]:
    """(thing, verb) indices of each thing said not to work: a finite verb of the third
    person or the past that says so (`_failing_verb`: "не работает", "не включилась",
    "сдохла"), and the nearest noun of its clause that can be its subject (no preposition
    before it: "от телевизора" is not)."""
    found: list[tuple[int, int]] = []
    for v, verb in enumerate(terms):
        if not _failing_verb(terms, v):
            continue
        tag = forms.parses(verb.text)[0].tag
        if tag.POS != "VERB" or tag.person not in (None, "3per"):
            continue
        if tag.tense == "past" and tag.number == "plur" and "tran" in tag:
            # "(они) не поменяли фильтр": someone's act on the thing, not the thing failing.
            continue
        candidates = [j for j, t in enumerate(terms) if t.clause == verb.clause and j != v
                      and t.content and not t.lexeme.pronoun
                      and not (j and forms.parses(terms[j - 1].text)[0].tag.POS == "PREP")
                      and _subject(t)]
        if candidates:
            # After a transitive verb a noun is its object ("духовка выбивает автомат"): the
            # thing failing is the one before it, when there is one.
            transitive = "tran" in tag
            found.append((min(candidates, key=lambda j: (transitive and j > v, abs(j - v))), v))
    return found


MENDING = frozenset({
    "поменять", "менять", "заменить", "заменять", "починить", "чинить", "отремонтировать",
    "ремонтировать", "подремонтировать", "перебрать", "перебирать", "отрегулировать",
    "регулировать", "подтянуть", "прокачать", "продиагностировать", "диагностировать",
    "переобуть", "переобуться", "отбалансировать", "развальцевать", "подварить", "заварить",
})
"""Verbs (lemmas) of a job done on a thing: replacing, mending, adjusting it."""
_HOW = frozenset({"как", "чем", "сам", "сама", "сами", "самому", "самостоятельно"})


def mending_asked(terms: tuple[Term, ...]) -> bool:
    """Whether a Russian caller asks to have a job done on a thing ("можно у вас поменять
    ремень генератора", "надо перебрать суппорта"): a verb of mending (`MENDING`) with a
    noun in its clause, neither negated nor asked how to do oneself ("как поменять лампочку",
    "сам поменял")."""
    for i, term in enumerate(terms):
        if term.lemma not in MENDING or term.negation or (i and terms[i - 1].negation):
            continue
        clause = [t for t in terms if t.clause == term.clause]
        if any(t.text in _HOW for t in clause):
            continue
        tag = forms.parses(term.text)[0].tag
        if tag.tense == "past":
            # "поменяли ремень" tells of a job done, not one asked.
            continue
        if any(t is not term and t.content and not t.lexeme.pronoun and not t.lexeme.verb
               and any(p.tag.POS == "NOUN" for p in forms.parses(t.text)[:2])
               for t in clause):
            return True
    return False
