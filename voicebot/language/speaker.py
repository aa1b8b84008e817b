"""Words in which a Russian caller says who they are ("я монтажник", "мы магазин") and where
they are ("я на смене", "мы в отпуске").

"Я монтажник кондиционеров, ищу подработку" asks for work, not for an installation: the
person noun describes the speaker. Such a noun counts for a flow's word only as itself ("я
инвалид" is the disability a home visit is for, TS-6), never as the activity it is made from
("монтажник" from "монтаж", "кузовщик" from "кузов"), which is what a caller asks for when
they name the person they need ("нужен кузовщик").
"""

from __future__ import annotations

import datetime as dt
import itertools

from voicebot.language import breakdown, forms, spoken_time
from voicebot.language.lemmas import Term, lexeme

_SPEAKERS = frozenset({"я", "мы"})


def described(terms: tuple[Term, ...]) -> frozenset[int]:
    """Indices of the nouns that say who the speaker is: a noun in the nominative right after
    "я"/"мы" (small words between allowed), with no verb between, in one clause."""
    found: set[int] = set()
    for i, term in enumerate(terms):
        if term.text not in _SPEAKERS:
            continue
        for j in range(i + 1, min(i + 4, len(terms))):
            nxt = terms[j]
            if nxt.clause != term.clause or nxt.lexeme.verb or nxt.negation:
                break
            if not nxt.content:
                continue
            tag = forms.parses(nxt.text)[0].tag
            if tag.POS == "NOUN" and tag.case == "nomn":
                found.add(j)
                break
            if tag.POS != "ADJF":
                break
    return frozenset(found)


def for_whom(terms: tuple[Term, ...]) -> frozenset[int]:
    """Indices of the people something is for ("места для монтажников", "работа для
    мастера"): staff a caller asks about, not a trade they ask for ("нужен кузовщик"), so they
    too count only as themselves (an animate noun in the genitive right after "для")."""
    found: set[int] = set()
    for i, term in enumerate(terms[:-1]):
        if term.text != "для":
            continue
        tag = next((p.tag for p in forms.parses(terms[i + 1].text)
                    if p.tag.POS == "NOUN" and p.tag.case == "gent"), None)
        if tag is not None and tag.animacy == "anim":
            found.add(i + 1)
    return frozenset(found)


_SPEAKER_FORMS = frozenset({"я", "мы", "меня", "нас"})
_AT = frozenset({"в", "во", "на"})
_HOME = frozenset({"дом", "квартира", "место", "адрес", "связь", "этаж", "комната", "кухня",
                   "балкон", "лоджия"})
"""Where the caller is at home or reachable: "буду на месте", "мы в квартире", "мы на
втором этаже" (a part of a home is no place away from it)."""
_NOT_A_PLACE = frozenset({
    "неделя", "месяц", "год", "день", "выходной", "праздник", "время", "час", "минута",
    "утро", "вечер", "ночь", "обед", "конец", "начало", "середина", "раз", "случай",
    "порядок", "сила", "курс", "очередь", "итог", "смысл", "принцип", "результат", "слово",
    "возраст", "класс", "сад", "садик", "школа",
})
"""Nouns that follow "в"/"на" in the locative without saying where someone is: times ("на
следующей неделе"), idioms ("в порядке", "в силе", "в курсе"), a child's class or school
(a child's age, RT-2, is read by its own rule)."""
_ELSEWHERE = (Term("не", lexeme("не", "ru"), 0), Term("дома", lexeme("дома", "ru"), 0))


def _located(word: str) -> bool:
    return any(p.tag.case in ("loct", "loc2") for p in forms.parses(word))


def elsewhere(terms: tuple[Term, ...]) -> bool:
    """The caller says they are somewhere that is not their home: "я до вечера на смене",
    "меня в городе нет", "мы в отпуске" (a place in the locative after "в"/"на", in a clause
    about the speaker, not negated)."""
    for i, term in enumerate(terms):
        if term.text not in _AT:
            continue
        clause = [t for t in terms if t.clause == term.clause]
        if not _of_the_speaker(clause) or any(t.text == "не" for t in clause):
            continue
        for nxt in terms[i + 1:i + 4]:
            if nxt.clause != term.clause:
                break
            tag = forms.parses(nxt.text)[0].tag
            if tag.POS in ("ADJF", "PRTF", "NPRO") and nxt.text not in _SPEAKER_FORMS:
                continue
            if tag.POS == "NOUN" and nxt.lemma not in _HOME | _NOT_A_PLACE \
                    and _located(nxt.text):
                return True
            break
    return False


def _of_the_speaker(clause: list[Term]) -> bool:
    """A clause about the speaker: "я"/"мы" in it, or a verb in the first person ("на работе
    буду", "уезжаем")."""
    return any(t.text in _SPEAKER_FORMS for t in clause) or any(
        t.lexeme.verb and forms.parses(t.text)[0].tag.person == "1per" for t in clause)


def others_home(terms: tuple[Term, ...]) -> frozenset[int]:
    """Where the caller says someone else is at home ("но дома мама", "дома будет муж"): the
    "дома" of a clause with a person in the nominative who is not the speaker. Someone else
    at home is no answer that the caller will be there (RT-1): who it is, is asked next."""
    found = set()
    for i, term in enumerate(terms):
        if term.text != "дома":
            continue
        clause = [t for t in terms if t.clause == term.clause]
        if any(t.text in _SPEAKER_FORMS or t.negation for t in clause):
            continue
        if any(t is not term and _a_person(t) for t in clause):
            found.add(i)
    return frozenset(found)


def _a_person(term: Term) -> bool:
    """A noun for a person in the nominative: "мама", "муж", "сын"."""
    tag = forms.parses(term.text)[0].tag
    return bool(tag.POS == "NOUN" and tag.animacy == "anim" and tag.case == "nomn")


def with_whereabouts(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "не дома" when the caller says they are
    elsewhere, or that someone else is at home (`others_home`, whose "дома" is dropped): a
    flow that asks "will you be home?" lists "не дома", not every place."""
    others = others_home(terms)
    if others:
        terms = tuple(t for i, t in enumerate(terms) if i not in others)
    elif not elsewhere(terms):
        return terms
    clause = terms[-1].clause + 1
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _ELSEWHERE)


_AS_WHOM = frozenset({"кем"})
""""Who as": the complement of a verb of working or being taken on ("кем работать")."""
_TAKEN_ON = frozenset({
    "работать", "поработать", "устроиться", "устраиваться", "пойти", "идти", "стать",
    "становиться", "взять", "брать", "принять", "принимать", "требоваться", "искать",
    "трудоустроиться", "быть",
})
"""Verbs (lemmas) of working somewhere or being taken on: with "кем", the job asked for."""


_WORKING = frozenset({"работать", "поработать", "трудиться", "быть", "стать", "становиться"})
"""Verbs of `_TAKEN_ON` whose subject is the one who works (not the one who takes on)."""


def job_asked(terms: tuple[Term, ...]) -> bool:
    """Whether the caller asks what job they can have: "кем" and a verb of working or of
    being taken on in its clause ("кем можно к вам устроиться", "кем у вас работать",
    "кем вы берёте"), not who someone is ("кто вы") nor what someone else works as ("кем
    работает ваш мастер", "кем вы работаете")."""
    return any(t.text in _AS_WHOM and any(w.clause == t.clause and _taken_on(w)
                                          and not _someone_elses_work(terms, w) for w in terms)
               for t in terms)


def _someone_elses_work(terms: tuple[Term, ...], verb: Term) -> bool:
    """Whether `verb` says that someone other than the caller works: a verb of working
    (`_WORKING`) in a finite form not of the first person, with its subject in the clause (a
    noun or a pronoun in the nominative: "ваш мастер", "вы", "он")."""
    reading = forms.parses(verb.text)[0]
    if reading.normal_form not in _WORKING or reading.tag.POS != "VERB" \
            or reading.tag.person == "1per":
        return False
    return any(w.clause == verb.clause and w is not verb and w.text not in _SPEAKER_FORMS
               and w.text not in _AS_WHOM
               and any(p.tag.POS in ("NOUN", "NPRO") and p.tag.case == "nomn"
                       for p in forms.parses(w.text)[:1])
               for w in terms)


def _taken_on(term: Term) -> bool:
    # Any likely reading: "берете" is a beret first, and "(вы) берёте" too.
    return term.lemma in _TAKEN_ON or any(p.normal_form in _TAKEN_ON
                                          for p in forms.parses(term.text)[:3])


_SOME_DAY = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
_OTHER_TIME = (Term("другое", lexeme("другое", "ru"), 0), Term("время", lexeme("время", "ru"), 0))


_PERIODS = frozenset({"неделя", "неделька", "месяц", "выходной", "выходные"})
_WHICH_PERIOD = frozenset({"следующий", "будущий", "другой", "этот", "через", "конец",
                           "начало", "середина"})
"""A period a caller names ("на будущей неделе", "через месяц", "в конце месяца"): no day
or time a parser can place, but another time all the same."""


def period_named(terms: tuple[Term, ...]) -> bool:
    """Whether the caller names a week or a month to come (`_PERIODS` after one of
    `_WHICH_PERIOD`, two words apart at most)."""
    return any(t.lemma in _PERIODS and any(w.lemma in _WHICH_PERIOD or w.text in _WHICH_PERIOD
                                           for w in terms[max(0, i - 2):i])
               for i, t in enumerate(terms))


_LATER = frozenset({"позже", "попозже", "позднее", "попозднее", "пораньше"})
"""Another time said without a date: "давайте попозже"."""
_ANOTHER_TIME = (frozenset({"другой", "следующий"}),
                 frozenset({"раз", "день", "время", "дата", "число"}))
"""Another time as "в другой раз", "в следующий раз"."""
_PROPOSING = frozenset({"давайте", "давай", "лучше", "можно", "пусть"})
"""Words that put forward what the caller would rather have: "давайте завтра"."""


def _proposes(clause: tuple[Term, ...]) -> bool:
    """Whether a clause puts something forward: a word of proposing or a verb said as a
    request ("приходите завтра"), not negated."""
    return any(t.text in _PROPOSING or (t.lexeme.verb and t.text not in _SPEAKER_FORMS and any(
        p.tag.mood == "impr" for p in forms.parses(t.text)[:2])) for t in clause) \
        and not any(t.negation for t in clause)


def proposed(terms: tuple[Term, ...]) -> frozenset[int]:
    """The clauses in which the caller proposes another time for a visit: "давайте
    попозже", "в другой раз", "приходите завтра", "лучше на следующей неделе". A clause
    that says when without proposing it ("меня не будет до вечера") proposes nothing."""
    return frozenset(c for c in {t.clause for t in terms}
                     if _another_time(tuple(t for t in terms if t.clause == c)))


def _another_time(clause: tuple[Term, ...]) -> bool:
    """Whether a clause proposes another time: a later or earlier one, "в другой раз", or a
    day, time or period named with a word of proposing."""
    if any(t.text in _LATER for t in clause) or any(
            t.lemma in _ANOTHER_TIME[0] and n + 1 < len(clause)
            and clause[n + 1].lemma in _ANOTHER_TIME[1] for n, t in enumerate(clause)):
        return True
    return _proposes(clause) and (period_named(clause) or spoken_time.parse(
        " ".join(t.text for t in clause), _SOME_DAY, "UTC") is not None)


_WHOLE_DAY = frozenset({("весь", "день"), ("целый", "день"), ("любой", "время"),
                        ("весь", "время"), ("целый", "сутки"), ("весь", "сутки")})
"""Spans that hold any visit window offered (as lemma pairs)."""


def with_time_named(text: str, terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "другое время" when the caller names a
    day, a time or a period ("а можно завтра?", "только после шести", "давайте ближе к концу
    месяца") or proposes another time without one ("давайте попозже", `proposed`): asked
    whether they can be there at the time offered, a caller who names one asks for it
    instead."""
    if not period_named(terms) and not proposed(terms) \
            and spoken_time.parse(text, _SOME_DAY, "UTC") is None:
        return terms
    if any((t.lemma, n.lemma) in _WHOLE_DAY for t, n in itertools.pairwise(terms)):
        # "я весь день сегодня дома", "в любое время приходите": a span that holds any
        # window offered is no other time.
        return terms
    clause = terms[-1].clause + 1 if terms else 0
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _OTHER_TIME)


HARM: frozenset[str] = frozenset({
    "испортить", "поцарапать", "помять", "сломать", "поломать", "разбить", "повредить",
    "угробить", "запороть", "испачкать", "загубить", "ободрать", "покоцать", "уронить",
    "стукнуть", "ударить", "накосячить", "напортачить", "напортить", "потерять", "недолить",
    "перепутать", "забыть", "украсть",
})
"""Russian verbs (lemmas) of harm done to a client's thing: said of the business, a
complaint about it ("мне помяли дверь на стоянке", said of nobody, is a job for the body
shop)."""
WRONGED: frozenset[str] = frozenset({
    "обмануть", "обсчитать", "нахамить", "нагрубить", "надуть", "развести", "содрать",
    "накрутить", "облапошить", "кинуть", "обидеть",
})
"""Russian verbs (lemmas) of wrong done to the caller in dealing with them: only whoever they
dealt with could have ("меня обманули с ценой"), so a complaint even when nobody is named."""
_BUSINESS = frozenset({"вы", "ваш", "вами", "вас"})
"""Words naming the business the caller speaks to (the mechanic "ваш мастер" is it too)."""


AGAIN: frozenset[str] = frozenset({"опять", "снова", "вновь", "обратно", "опятьтаки"})
"""Words that say a fault is back."""
_PERSONS = frozenset({"я", "мы", "он", "она", "они", "сам", "сама", "сами"})
"""Who else may have done a job: "мы сами поменяли" is nobody's complaint."""


_COLLECTED = frozenset({"забрать", "забирать"})
"""Collecting the car or thing from the business: its job was done ("я забирал машину неделю
назад")."""


def _our_work(terms: tuple[Term, ...], clause: int) -> bool:
    """Whether `clause` says the business did a job: "после вашего ТО", "у вас
    меняли", "вы поставили", "забрал машину" (from the business, unless from another), or a
    past verb in the plural with nobody named as its doer ("заменили свечи": Russian says
    what a business did so)."""
    words = [t for t in terms if t.clause == clause]
    if any(t.text == "после" for t in words) and any(t.lemma in _BUSINESS for t in words):
        return True
    if any(t.lemma in _COLLECTED for t in words) and not any(t.lemma == "другой" for t in words):
        return True
    if _served_here(words):
        return True
    for t in words:
        if not t.lexeme.verb or t.negation:
            continue
        tag = forms.parses(t.text)[0].tag
        if tag.tense != "past" or tag.number != "plur":
            continue
        if any(w.lemma in _BUSINESS or w.text in _BUSINESS for w in words):
            return True
        if not any(w.text in _PERSONS for w in words):
            return True
    return False


def _served_here(words: list[Term]) -> bool:
    """The caller was served at the business, said of themselves ("я у вас ремонтировался",
    "мы у вас обслуживались", "делал у вас ТО"): "у вас" and a past verb in the clause, not
    negated ("я у вас не был" is no job)."""
    at_yours = any(w.text == "у" and n + 1 < len(words) and words[n + 1].text == "вас"
                   for n, w in enumerate(words))
    return at_yours and any(
        t.lexeme.verb and not t.negation and not (n and words[n - 1].negation)
        and forms.parses(t.text)[0].tag.tense == "past" for n, t in enumerate(words))


def redone(terms: tuple[Term, ...]) -> bool:
    """The caller says a fault is back after the business's job on it ("заменили свечи, а
    мотор опять троит", "после вашего ТО снова горит чек"): a complaint about the work for
    the service manager, not a new repair to book (CS-4)."""
    for i, term in enumerate(terms):
        if term.lemma in AGAIN and not (i and terms[i - 1].negation) \
                and _happens(terms, term.clause) \
                and any(_our_work(terms, c) for c in range(term.clause + 1)):
            return True
    return False


ONSET: frozenset[str] = frozenset({
    "загореться", "появиться", "потечь", "застучать", "заглохнуть", "сломаться", "перестать",
    "пропасть", "отвалиться", "загудеть", "засвистеть", "зашуметь", "задымить", "заскрипеть",
    "забарахлить", "вылезти", "выскочить", "отказать", "затроить", "задергаться",
    "закапать", "подтекать", "начать",
})
"""Russian verbs (lemmas) of a fault setting in: "загорелся чек", "потекло масло", "начало
стучать"."""


def broke_after_us(terms: tuple[Term, ...]) -> bool:
    """The caller says a fault set in after the business's job ("после вашего ТО загорелся
    чек", "после вас потекло масло"), in the past and not negated, or is there since
    (`_faulty_since`): a complaint about the work (CS-4), like a fault back (`redone`),
    though nothing is said to be "again"."""
    after = [t.clause for t in terms if t.text == "после"
             and any(w.clause == t.clause and (w.lemma in _BUSINESS or w.text in _BUSINESS)
                     for w in terms)]
    if not after:
        return False
    return any(t.lemma in ONSET and t.clause >= after[0] and not (i and terms[i - 1].negation)
               and forms.parses(t.text)[0].tag.tense == "past"
               for i, t in enumerate(terms)) or _faulty_since(terms, after[0])


def _faulty_since(terms: tuple[Term, ...], clause: int) -> bool:
    """Whether the car or thing is said to be faulty from `clause` on, now or then ("после
    вашего ремонта стучит", "после вас машина не заводится"): a thing said not to work
    (`breakdown.failing`), or a verb of failing or of a symptom said of it, not negated."""
    if any(terms[v].clause >= clause for _s, v in breakdown.failing(terms)) \
            or any(terms[n].clause >= clause for n in breakdown.noises(terms)):
        return True
    # "после вашего ремонта стало (только) хуже": things got worse since.
    if any(t.lemma in _BECOME and t.clause >= clause
           and any(w.text in _WORSE and w.clause == t.clause for w in terms[i + 1:i + 4])
           for i, t in enumerate(terms)):
        return True
    for i, t in enumerate(terms):
        if t.clause < clause or t.lemma not in breakdown.FAILING | breakdown.SYMPTOMS \
                or (i and terms[i - 1].negation):
            continue
        tag = forms.parses(t.text)[0].tag
        if tag.POS == "VERB" and tag.person in (None, "3per"):
            return True
    return False


_BECOME = frozenset({"стать", "становиться"})
_WORSE = frozenset({"хуже", "плохо", "плохой", "плохая", "плохое", "плохим"})

_WANT = frozenset({"хотеть", "хотеться", "мочь", "надо", "нужно", "пора"})
"""Verbs of wanting and needing: "снова хочется" is no fault back."""


def _happens(terms: tuple[Term, ...], clause: int) -> bool:
    """Whether `clause` says something happens or happened, not what is to be done ("пора
    снова менять", "хочу снова записаться"): a finite verb of the third person or the past."""
    for t in terms:
        if t.clause != clause or not t.lexeme.verb:
            continue
        tag = forms.parses(t.text)[0].tag
        if tag.POS == "VERB" and tag.person in (None, "3per") and t.lemma not in _WANT:
            return True
    return False


_MORE = frozenset({"большой", "дорогой", "высокий", "выше", "много"})
"""Comparatives of an amount (as lemmas: "больше" is "большой", "дороже" "дорогой")."""
_IF = frozenset({"если", "вдруг", "ежели"})
AGREED: frozenset[str] = frozenset({
    "договориться", "договариваться", "обещать", "пообещать", "говорить", "сказать",
    "называть", "назвать", "озвучить", "озвучивать", "согласовать", "согласовывать",
    "считать", "посчитать", "насчитать", "объявить",
})
"""Russian verbs (lemmas) of a price agreed, promised or quoted."""


def overcharged(terms: tuple[Term, ...]) -> bool:
    """The caller says they were charged more than was agreed ("отдал больше, чем
    обещали", "вышло дороже, чем согласовали"): a comparative of an amount, then a past
    verb of agreeing or quoting: a complaint about the bill (CS-4)."""
    for i, term in enumerate(terms):
        if term.lemma not in _MORE or (i and terms[i - 1].negation):
            continue
        if any(t.text in _IF and t.clause == term.clause for t in terms[:i]):
            # "если выйдет дороже, чем сказали, позвоните": a condition, not a bill.
            continue
        if forms.parses(term.text)[0].tag.POS not in ("COMP", "ADVB"):
            continue
        if any(t.lemma in AGREED and forms.parses(t.text)[0].tag.tense == "past"
               for t in terms[i + 1:i + 5]):
            return True
    return False


def blamed(terms: tuple[Term, ...]) -> bool:
    """The caller says the business harmed them or their thing ("вы мне машину испортили",
    "ваш мастер поцарапал дверь", "ваши ребята помяли крыло", "меня обсчитали"): a
    complaint, whatever part or price it names. A harm to a thing counts when the business
    is named in the clause of its verb, which is not negated ("вы ничего не сломали" is no
    complaint) and in the past ("вы поцарапаете?" asks)."""
    for i, term in enumerate(terms):
        if term.lemma not in HARM | WRONGED or (i and terms[i - 1].negation):
            continue
        if term.lemma in WRONGED:
            return True
        clause = [t for t in terms if t.clause == term.clause]
        if not any(t.lemma in _BUSINESS or t.text in _BUSINESS for t in clause):
            continue
        if any(p.tag.tense == "past" for p in forms.parses(term.text)[:1]):
            return True
    return False


_OTHERS = frozenset({"сосед", "соседка", "соседи"})
_FINE = frozenset({"работать", "показывать", "идти", "ловить", "нормально", "хорошо",
                   "нормальный", "порядок"})


def others_fine(terms: tuple[Term, ...]) -> frozenset[int]:
    """The clauses in which the caller says others around have what they lack ("а у соседей
    всё показывает", "у соседей нормально"): about the neighbours, saying a thing works, with
    no negation. A fault nobody else shares is the caller's own, not an outage (TS-9, TS-4)."""
    fine = set()
    for clause in {t.clause for t in terms if t.lemma in _OTHERS}:
        said = [t for t in terms if t.clause == clause]
        if not any(t.negation for t in said) and any(t.lemma in _FINE for t in said):
            fine.add(clause)
    return frozenset(fine)


COMPLAINT = "жалоба"
"""A flow's word for a complaint, which a caller who blames the business is heard to say."""
_COMPLAINT = (Term(COMPLAINT, lexeme(COMPLAINT, "ru"), 0),)


def with_complaint(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "жалоба" when the caller blames the
    business (`blamed`), says a fault is back or set in after its job (`redone`,
    `broke_after_us`) or a bill is above
    what was agreed (`overcharged`): a flow lists the word for a complaint, not every harm."""
    if not terms or not (blamed(terms) or redone(terms) or broke_after_us(terms)
                         or overcharged(terms)):
        return terms
    clause = terms[-1].clause + 1
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _COMPLAINT)


_OFFER = frozenset({"предлагать", "предложить"})
_WE_CAN = frozenset({"хотеть", "мочь", "готовый", "рад"})


def offering(terms: tuple[Term, ...]) -> bool:
    """A Russian caller who offers the business something, as a firm ("предлагаем масла",
    "мы хотим предложить поставки", "можем предложить"): a seller, whatever goods they name.
    "Что вы можете предложить?" asks, and "предложите" (to the business) requests."""
    for i, term in enumerate(terms):
        if term.lemma not in _OFFER or (i and terms[i - 1].negation):
            continue
        if term.text.endswith(("ем", "им")):
            return True
        before = terms[max(0, i - 2):i]
        if any(t.lemma in _WE_CAN and t.text.endswith(("им", "ем", "ы")) for t in before) \
                or any(t.text == "мы" and t.clause == term.clause for t in terms):
            return True
    return False


_SELLER = (Term("поставщик", lexeme("поставщик", "ru"), 0),)


def with_seller(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "поставщик" when the caller offers the
    business goods or services (`offering`): a flow lists the word for a supplier. (What they
    offer may be a reason of its own: "хотим предложить вам рекламу" is the flow's word for
    spam, which wins when it is listed first or more specifically.)"""
    if not terms or not offering(terms):
        return terms
    clause = terms[-1].clause + 1
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _SELLER)


_CONTACTED = frozenset({"звонить", "позвонить", "обращаться", "обратиться", "дозвониться"})
"""Verbs (lemmas) of having been in touch with the business."""
_BEFORE = frozenset({"уже", "вчера", "позавчера", "раньше", "ранее", "недавно", "прошлый",
                     "понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
                     "воскресенье", "утро", "утром", "днём", "днем", "неделя", "месяц"})
"""Words that place the contact in the past ("вчера", "на прошлой неделе", "в среду")."""


def called_before(terms: tuple[Term, ...]) -> bool:
    """Whether a Russian caller says they were in touch before ("я звонил вчера", "мы
    обращались на прошлой неделе"): a past verb of contact, not negated, with a word of when
    in its clause. Such a call is about what was asked then."""
    for i, t in enumerate(terms):
        if t.lemma not in _CONTACTED or (i and terms[i - 1].negation):
            continue
        if forms.parses(t.text)[0].tag.tense != "past":
            continue
        if any(w.clause == t.clause and (w.lemma in _BEFORE or w.text in _BEFORE) for w in terms):
            return True
    return False
