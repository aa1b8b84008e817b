"""Yes or no, however it is said: "ну давайте", "not really", "да нет, не надо", "sure, go ahead".

Both answers are scored like any other choice. On a tie "no" wins ("да нет" means no), and a
"yes" word said under a negation is a no ("не хочу", "не согласна", "I don't want it").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from voicebot.language import forms, idioms, negation
from voicebot.language.lemmas import Family, Term, analyse
from voicebot.language.scorer import Menu, pattern

Answer = Literal["yes", "no"]

YES: dict[Family, tuple[str, ...]] = {
    "en": ("yes", "yeah", "yep", "yup", "sure", "correct", "right", "ok", "okay", "please do",
           "go ahead", "of course", "absolutely", "definitely", "sounds good",
           "no problem", "i want", "that works", "fine", "alright", "let's do it", "why not",
           "go for it", "sign me up",
           "certainly", "agreed", "uh huh", "still valid", "still good", "i do", "i insist",
           "do it", "yes please"),
    "ru": ("да", "ага", "угу", "конечно", "верно", "правильно", "хорошо", "давайте", "давай",
           "согласен", "согласна", "ладно", "можно", "не против", "не откажусь", "подходит",
           "устраивает", "хочу", "естественно", "разумеется", "пожалуй", "именно", "точно",
           "так и есть", "было бы хорошо", "да да", "почему бы и нет", "соглашусь", "оформляйте",
           "переводите", "подключайте", "годится", "по рукам",
           # "Ещё на гарантии?" - "действует": the state asked about still holds;
           # "должна быть": it does, as far as the caller knows.
           "действует", "действительна", "в силе", "должна быть", "должен быть",
           "должно быть",
           # "Перезвонить на этот номер?" - "на этот же": the one asked about.
           "на этот", "этот же", "тот же", "на него же"),
}
NO: dict[Family, tuple[str, ...]] = {
    "en": ("no", "nope", "nah", "not", "never", "no thanks", "don't", "not really", "not at all",
           "i'd rather not", "no way", "never mind", "nevermind", "forget it", "no need",
           # An offer declined: "Would you switch to the social package?" - "not interested".
           "not interested", "not for me",
           "not necessary", "don't bother", "leave it", "leave it as is",
           # "Is it still under warranty?" - "it expired": the state asked about has ended.
           "expired", "ran out", "run out"),
    "ru": ("нет", "неа", "не", "не надо", "не нужно", "не хочу", "не подходит", "не согласен",
           "не согласна", "откажусь", "отказываюсь", "никак", "не стоит", "ни за что",
           "не буду", "не устраивает",
           # An offer declined: "Хотите перейти на социальный пакет?" - "не интересно".
           "не интересно", "неинтересно", "не интересует", "не для меня",
           # "Ещё на гарантии?" - "кончилась", "истекла": the state asked about has ended.
           "кончилась", "закончилась", "истекла", "истёк", "закончился", "кончился",
           "уже вышла", "уже вышел", "срок вышел", "уже прошла", "уже прошел",
           # "Перезвонить на этот номер?" - "лучше на другой": another than the one asked about.
           "на другой", "другой номер", "на другой номер"),
}


@cache
def _menu(family: Family) -> Menu[Answer]:
    # "no" first: on a tie it wins.
    return Menu([("no", [pattern(w, family) for w in NO[family]]),
                 ("yes", [pattern(w, family) for w in YES[family]])], family)


_RATHER: dict[Family, frozenset[str]] = {
    "ru": frozenset({"лучше", "вместо", "предпочтительно", "предпочту", "предпочитаю",
                     # "а можно на телефон жены": asking for something, not allowing.
                     "можно"}),
    "en": frozenset({"rather", "instead", "prefer", "preferably"}),
}
"""Words of preferring: an answer that neither agrees nor refuses but prefers something
("Перезвонить на этот номер?" - "лучше на рабочий"; "I'd rather you text me") declines what
was proposed, so the flow takes the other way (asks for the number) instead of acting on it;
"лучше на этот" still agrees, and "можно" said alone allows."""


def answer(text: str, family: Family, question: str = "") -> Answer | None:
    """Yes, no, or None when the answer says neither. `question`: what the caller was asked,
    so an answer that only repeats it says yes or no by its negation (see `echo`)."""
    terms = analyse(text, family)
    # Russian hedges ("точно не скажу") are read by grammar here, English ones ("not sure",
    # "I guess") by the idioms' "unsure" class in answer_terms: neither is a yes.
    if hedged(terms, family) or indifferent(text, terms, family):
        return None
    # "лучше" is "хорошо" by its lemma, but "лучше на рабочий" prefers, it does not agree:
    # what the answer says beside the preference decides. A preference with nothing after
    # it in its clause ("так будет лучше") prefers nothing else.
    preferring = any(t.text in _RATHER[family]
                     and any(w.clause == t.clause and w.content for w in terms[i + 1:])
                     for i, t in enumerate(terms))
    if preferring:
        terms = tuple(t for t in terms if t.text not in _RATHER[family])
    stop = _to_a_stop(terms, analyse(question, family), family) if question else None
    if stop is not None:
        return stop
    found = answer_terms(terms, family)
    if found is None and question and not idioms.spans(terms, family, "unsure"):
        found = echo(terms, analyse(question, family), family)
    return "no" if found is None and preferring else found


_STOPPING: dict[Family, frozenset[str]] = {
    "ru": frozenset({"отменить", "отменять", "отказаться", "отказываться", "отключить",
                     "отключать", "расторгнуть", "прекратить", "снять"}),
    "en": frozenset({"cancel", "stop", "drop"}),
}
"""Verbs (lemmas) of calling something off: a question made with one proposes to stop."""
_NEEDED: dict[Family, frozenset[str]] = {
    "ru": frozenset({"нужный", "нужно", "надо", "требоваться", "понадобиться"}),
    "en": frozenset({"need", "needed"}),
}


def _to_a_stop(terms: tuple[Term, ...], question: tuple[Term, ...],
               family: Family) -> Answer | None:
    """"Отменить заявку?" - "отменяйте, мастер не нужен": a question that proposes calling
    something off is agreed to by saying it is not needed, though the answer says "не"
    (RT-4); the stop itself negated ("не надо ничего отменять") refuses. None: the answer is
    read as any other (one that opens with "нет" among them)."""
    if not any(t.lemma in _STOPPING[family] for t in question):
        return None
    covered = negation.scope(terms, family)
    if any(i in covered for i, t in enumerate(terms) if t.lemma in _STOPPING[family]):
        return "no"
    if terms and _LEADING[family].get(terms[0].text) == "no":
        return None
    return "yes" if any(i in covered for i, t in enumerate(terms)
                        if t.lemma in _NEEDED[family]) else None


HEDGE_VERBS: dict[Family, frozenset[str]] = {
    "en": frozenset(),
    "ru": frozenset({"сказать", "знать", "помнить", "уверенный", "уверен", "понять",
                     "вспомнить", "ручаться", "поручиться", "гарантировать", "понятие"}),
}
"""Russian verbs of knowing and telling (as lemmas): negated ("точно не скажу", "даже не
знаю", "не уверена", "не вспомню"), the caller says they cannot answer, whatever "точно" or
"да" the sentence also has."""
HEDGE_WORDS: dict[Family, frozenset[str]] = {
    "en": frozenset(),
    "ru": frozenset({"наверное", "наверно", "вроде", "кажется", "возможно", "видимо",
                     "вероятно", "похоже", "навряд", "вряд", "затрудняться"}),
}
"""Russian words that hedge ("наверное нет", "вроде бы да", "затрудняюсь ответить", "сложно
сказать"): a guess, not an answer, so the flow asks again or confirms rather than act on it."""
HEDGE_PHRASES: dict[Family, tuple[tuple[str, ...], ...]] = {
    "en": (),
    "ru": (("может", "быть"), ("может", "и"), ("видно", "будет"), ("посмотрим",),
           ("как", "получится"), ("если", "успею"), ("если", "получится"), ("не", "факт"),
           ("скорее", "всего")),
}
"""Russian phrases of a guess ("может быть", "там видно будет", "если успею"), as said."""


def hedges(text: str, family: Family) -> bool:
    """Whether the answer says the caller cannot or will not choose: a hedge ("точно не
    скажу") or the choice left to us ("whoever's available is fine")."""
    terms = analyse(text, family)
    return hedged(terms, family) or indifferent(text, terms, family)


_OWN_HEDGES = frozenset({"наверное", "наверно", "возможно", "вроде", "вероятно"})


def unsure_of_self(text: str, family: Family) -> bool:
    """Whether a Russian caller hedges about what they themselves will do ("наверное, буду",
    "там видно будет", "может и успею"), not about a fact ("генератор накрылся, похоже"):
    an answer that commits them to nothing yet."""
    if family != "ru":
        return False
    terms = analyse(text, family)
    if any(t.text in _PLAIN for t in terms):
        return False
    said = [t.text for t in terms]
    if any(tuple(said[i:i + len(p)]) == p for p in HEDGE_PHRASES[family]
           for i in range(len(said))):
        return True
    return any(t.text in _OWN_HEDGES for t in terms) and any(
        w.lexeme.verb and forms.parses(w.text)[0].tag.person == "1per" for w in terms)


def hedged(terms: tuple[Term, ...], family: Family) -> bool:
    """Whether the answer is a guess or a "can't say" rather than a yes or a no. (English is
    left as it was: its hedges are the English line's to measure.)"""
    if not HEDGE_WORDS[family]:
        return False
    covered = negation.scope(terms, family)
    # A hedge beside a plain "да" or "нет" leans that way ("так что наверное да", "да нет,
    # наверное, не надо"): the answer stands. Not knowing ("не скажу") stays a non-answer.
    plain = any(t.text in _PLAIN for t in terms)
    return any((not plain and (t.lemma in HEDGE_WORDS[family] or t.text in HEDGE_WORDS[family]))
               or (i in covered and t.lemma in HEDGE_VERBS[family])
               # "сложно сказать", "трудно ответить" (not "да, мне трудно прийти").
               or (t.lemma in _HARD and i + 1 < len(terms)
                   and terms[i + 1].lemma in _TELL)
               for i, t in enumerate(terms))


_INDIFFERENT: dict[Family, re.Pattern[str]] = {
    "en": re.compile(r"\b(?:(?:who|which|what)ever(?:'s| is)?|any ?(?:one|body)(?:'s| is)?|"
                     r"either(?: one)?(?:'s| is)?)\b[^.,;!?]*?\b(?:fine|ok|okay|good|alright|all right)\b"
                     r"|\b(?:doesn't|does not|don't|do not) (?:matter|care|mind)\b"
                     r"|\bno preference\b"),
    "ru": re.compile(r"(?<!не )\bвсё равно\b|(?<!не )\bвсе равно\b|\bбез разницы\b"
                     r"|(?<!не )\bне ?важно\b|\bкто угодно\b|\bкакой угодно\b"
                     r"|\bлюбой (?:подойдёт|подойдет|пойдёт|пойдет)\b"),
}
"""Answers that leave the choice to us ("whoever's available is fine", "без разницы"):
neither yes nor no to "do you still want another technician?", so the flow takes its
no-match way (there, keeping the one assigned) instead of hearing "fine" as a yes."""


def indifferent(text: str, terms: tuple[Term, ...], family: Family) -> bool:
    """Whether the answer leaves the choice to us, with no plain yes or no beside it ("no,
    anyone is fine" still says no)."""
    if any(t.text in _LEADING[family] for t in terms):
        return False
    return _INDIFFERENT[family].search(text.lower()) is not None


_LEADING: dict[Family, dict[str, Answer]] = {
    "en": {"no": "no", "nope": "no", "nah": "no", "yes": "yes", "yeah": "yes", "yep": "yes"},
    "ru": {"нет": "no", "неа": "no", "да": "yes", "ага": "yes", "угу": "yes"},
}
"""Words that answer a yes-or-no question by themselves when said first, as a clause of
their own."""
_PLAIN = frozenset({"да", "нет", "неа", "ага", "угу"})
_HARD = frozenset({"сложно", "трудно", "сложный", "трудный"})
_TELL = frozenset({"сказать", "ответить"})


def answer_terms(terms: tuple[Term, ...], family: Family) -> Answer | None:
    """A hedge ("not sure", "I guess so", "maybe") decides nothing: its words are no vote
    ("not sure" is no "not"), and a yes said with one is no yes, for the flow to ask again;
    a no said with one ("I guess not", "probably not") declines all the same."""
    unsure = idioms.spans(terms, family, "unsure")
    if unsure:
        found = _decided(tuple(t for i, t in enumerate(terms) if i not in unsure), family)
        return "no" if found == "no" else None
    return _decided(terms, family)


def _decided(terms: tuple[Term, ...], family: Family) -> Answer | None:
    # A plain "нет"/"не"/"да" said on its own first ("не, этот служебный, давайте другой")
    # is the answer; what follows explains it, whatever words of the other side it has.
    if len(terms) > 1 and terms[0].text in _LEADING[family] \
            and terms[1].clause != terms[0].clause:
        return _LEADING[family][terms[0].text]
    verdict = _menu(family).hear_terms(terms)
    best = verdict.best
    if best is None:
        return "no" if "yes" in verdict.negated else None
    if best.key == "yes" and "yes" in verdict.negated and verdict.score_of("yes") < 0.8:
        return "no"
    return best.key


def echo(terms: tuple[Term, ...], question: tuple[Term, ...], family: Family) -> Answer | None:
    """An answer made of the question's own words: "Техника ещё на гарантии?" answered "давно
    уже не на гарантии" is a no, "ещё на гарантии" a yes; "Is it still under warranty?",
    "still under warranty" a yes. Only the words that name something count (the question's
    words, not adverbs such as "ещё" or "still"), so a stray word in common decides
    nothing; a named word under a negation turns the whole answer into a no."""
    asked = {t.lemma for t in question if _names(t)}
    echoed = [i for i, t in enumerate(terms) if _names(t) and t.lemma in asked]
    # The clauses that echo the question answer it; another clause may say why ("гарантия
    # ещё есть, купили недавно").
    clauses = {terms[i].clause for i in echoed}
    named = [i for i, t in enumerate(terms) if _names(t) and t.clause in clauses]
    if not echoed or len(named) - len(echoed) > MAX_OWN_WORDS:
        return None
    covered = negation.scope(terms, family)
    if any(i in covered for i in echoed):
        return "no"
    # "Перезвонить на номер, с которого вы звоните?" - "на номер жены": the question points
    # at one thing, and the answer names it with a word of its own beside it: another one.
    if any(t.text in _THIS_ONE for t in question) and any(
            j in named and j not in echoed for i in echoed for j in _beside(terms, i)):
        return "no"
    return "yes"


def _beside(terms: tuple[Term, ...], i: int) -> tuple[int, ...]:
    """The words next to `i`, over a possessive's "s" ("my wife's number")."""
    before = i - 2 if i > 1 and not terms[i - 1].content else i - 1
    return (before, i + 1)


_THIS_ONE = frozenset({"этот", "эта", "это", "этого", "этой", "этим", "тот", "который",
                       "которого", "которой", "котором", "same", "this", "that"})
"""Words by which a question points at one particular thing ("this number", "номер, с
которого вы звоните")."""


MAX_OWN_WORDS = 1
"""Words of its own an echo may add ("давно уже не на гарантии"); an answer that says more
("гарантия была на год, купили три года назад") tells its own story, which a yes or no read
off the question's words would get wrong: it stays unanswered, for the flow to ask again."""


def _names(term: Term) -> bool:
    return term.content and not term.negation and not term.lexeme.pronoun \
        and term.lemma not in _NOT_NAMING


_NOT_NAMING = frozenset({
    "еще", "уже", "сейчас", "тоже", "также", "только", "очень", "так", "вообще", "вот",
    "still", "already", "yet", "again", "now", "also", "too", "just", "only", "very", "really",
})
"""Adverbs a question and its answer share without naming anything ("ещё на гарантии?" -
"уже нет"): they decide nothing."""
