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

from collections.abc import Iterator

from voicebot.language import forms, idioms, questions
from voicebot.language.lemmas import Family, Term, lexeme

DONE: dict[Family, frozenset[str]] = {
    # English lemmas are stems ("completed" -> "complet").
    "en": frozenset({"finish", "done", "complet", "readi", "status"}),
    "ru": frozenset({"готовый", "закончить", "доделать"}),
}
"""Words of a job's completion: asked about a job the business already has."""

FOCUS: dict[Family, frozenset[str]] = {
    "en": DONE["en"] | {"cost", "price", "charg", "fee", "estim", "quot", "expens", "cheap",
                        "rate"},
    "ru": DONE["ru"] | {"стоить", "стоимость", "цена", "почем", "почём", "обойтись", "расценка",
                        "прайс"},
}
"""Words of a price or of a job's completion: what a question about a repair asks."""

_AFTER_QUESTION: dict[Family, tuple[str, frozenset[str]]] = {
    "en": ("how", frozenset({"much"})),
    "ru": ("сколько", frozenset({"платить", "заплатить", "брать", "взять", "отдать", "выйти"})),
}
"""Words that are a focus after a question word only: "how much", "сколько
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
    finished = _finished_asked(terms) if family == "en" else frozenset()
    for i, t in enumerate(terms):
        if i in unsaid or t.negation:
            continue
        if i in finished:
            found.add(i)
        elif t.lemma in FOCUS[family]:
            if not (family == "en" and _not_asked_en(terms, i)) \
                    and not (family == "ru" and price_judged(terms, i)):
                found.add(i)
        # The question word itself is no focus: "сколько каналов" asks about channels.
        elif (t.lemma in after[1] and i and terms[i - 1].lemma == after[0]) \
                or (family == "en" and (_yet_asked(terms, i)
                                        or idioms.done_participle(terms, i))):
            found.add(i)
    return frozenset(found)


_RU_JUDGED = frozenset({
    "высокий", "большой", "дорогой", "дорого", "конский", "заоблачный", "космический",
    "бешеный", "грабительский", "кусаться", "задрать", "задирать", "поднять", "поднимать",
    "вырасти", "расти", "повысить", "повышать", "подорожать",
})
"""Russian words (lemmas) that judge a price or say it went up: "цены высокие", "цены
кусаются", "цену опять подняли"."""
_RU_ASKING_WORDS = frozenset({"сколько", "какой", "почем", "почём", "почему", "зачем", "как",
                              "что", "ли", "когда"})


def price_judged(terms: tuple[Term, ...], i: int) -> bool:
    """A Russian price word its clause judges without asking ("цены у вас конские,
    отключайте"): a reason the caller gives (TS-8), not a price asked; "почему цены выросли"
    still asks."""
    if terms[i].lemma not in FOCUS["ru"] - DONE["ru"]:
        return False
    clause = [t for t in terms if t.clause == terms[i].clause]
    return any(t.lemma in _RU_JUDGED for t in clause) \
        and not any(t.lemma in _RU_ASKING_WORDS or t.text in _RU_ASKING_WORDS for t in clause)


def _finished_asked(terms: tuple[Term, ...]) -> frozenset[int]:
    """Where an English yes-or-no question says the job is finished in any words of the
    class ("is the repair on my dryer over with", "are we all squared away")."""
    found: set[int] = set()
    for r in idioms.readings(terms, "en"):
        if r.cls != "finished":
            continue
        clause = [t for t in terms[:r.start]
                  if t.clause == terms[r.start].clause and t.text not in _EN_OPENING]
        if clause and idioms.asks_yes_or_no(clause) and not any(t.negation for t in clause):
            found.update(range(r.start, r.end))
    return frozenset(found)


def _yet_asked(terms: tuple[Term, ...], i: int) -> bool:
    """"is my washer fixed yet", "have you got to my dryer yet": "yet" in a yes-or-no
    question asks whether the job is done whatever the verb ("I haven't called anyone yet"
    tells, it does not ask)."""
    if terms[i].text != "yet":
        return False
    clause = [t for t in terms[:i] if t.clause == terms[i].clause and t.text not in _EN_OPENING]
    return bool(clause) and (clause[0].text in _EN_AUXILIARY
                             or any(t.text in idioms.EMBEDDED for t in clause)) and not any(
        t.negation for t in terms if t.clause == terms[i].clause)


def done_asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> bool:
    """Whether the caller asks if a job is finished ("а машина уже готова?", "is it done
    yet") and asks for no new one: a question about a job the business already has."""
    return (still_asked(terms, family, unsaid)
            or any(terms[i].lemma in DONE[family] or terms[i].text == "yet"
                   or (family == "en" and idioms.done_participle(terms, i))
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


_FINISHING = frozenset({"сделать", "починить", "отремонтировать", "закончить", "доделать",
                        "исправить", "собрать", "освободить"})
"""Russian verbs (lemmas) of finishing the job itself, not of taking it on."""
_IN_HAND = frozenset({"мой", "наш", "он", "она", "оно"})
"""Words that point at a thing the business already has: "мою машину", "её"."""


def _when_finished(terms: tuple[Term, ...], i: int) -> bool:
    """"когда мою машину сделают", "когда её починят": "когда" asks when the business will
    finish (a perfective future of finishing) a thing it already has (pointed at with "мою",
    "её"): the status of a job in hand, not a booking ("когда можно сделать ТО")."""
    clause = [t for t in terms[i + 1:i + 5] if t.clause == terms[i].clause]
    if not any(t.lemma in _IN_HAND for t in clause):
        return False
    for t in clause:
        if t.lemma in _FINISHING:
            tag = forms.parses(t.text)[0].tag
            if tag.tense == "futr" and tag.aspect == "perf" and tag.number == "plur":
                return True
    return False


def still_asked(terms: tuple[Term, ...], family: Family, unsaid: frozenset[int]) -> bool:
    """Whether a Russian caller asks how much longer a job takes, or when at last it is
    done: a question about a job the business already has, like "а машина уже готова?"."""
    if family != "ru":
        return False
    for i, t in enumerate(terms):
        if t.lemma == "когда" and i not in unsaid and _when_finished(terms, i):
            return True
        partners = _STILL.get(t.lemma)
        if partners is None or i in unsaid:
            continue
        near = terms[max(0, i - 1):i + 3]
        if any(w.lemma in partners and w.clause == t.clause and not w.negation for w in near):
            return True
    return False


_STATUS: dict[Family, tuple[Term, ...]] = {
    "ru": tuple(Term(w, lexeme(w, "ru"), 0) for w in ("когда", "будет", "готова")),
    "en": tuple(Term(w, lexeme(w, "en"), 0) for w in ("repair", "completed")),
}
"""The plain words of a job in hand whose completion the caller asks about."""
STATUS_WORD: dict[Family, str] = {"ru": "готовый", "en": "complet"}
"""The lemma of `_STATUS` a menu must know for the implied words to mean anything to it."""


def with_status_asked(terms: tuple[Term, ...], family: Family,
                      unsaid: frozenset[int]) -> tuple[Term, ...]:
    """`terms`, followed in a clause of their own by "когда будет готова" ("repair
    completed") when a caller asks after a job already in hand in other words ("долго ещё?",
    "когда уже доделаете", "закончили с моей?"), or tells of work our people did on it
    (`finished_told`), and asks for no new one: a flow lists the plain question once, not
    every way of asking it."""
    if family == "en":
        if not finished_told(terms, unsaid):
            return terms
    # The cheap tests first: most answers have no word of a wait or of a job done.
    elif not terms or any(t.lemma == "готовый" for t in terms) \
            or not any(t.lemma in _STILL or t.lemma in DONE[family] for t in terms) \
            or not (still_asked(terms, family, unsaid) or done_asked(terms, family, unsaid)) \
            or requested(terms, family, unsaid):
        return terms
    clause = terms[-1].clause + 1
    return terms + tuple(Term(t.text, t.lexeme, clause) for t in _STATUS[family])


_EN_REPAIRED = frozenset({"fix", "repair", "replac", "instal", "work", "swap", "finish",
                          "servic", "do"})
"""What the business's people do when they do the job itself (not "said", "ordered")."""


def finished_told(terms: tuple[Term, ...], unsaid: frozenset[int]) -> bool:
    """Whether an English caller tells of a job our people did ("your technician repaired my
    oven on Tuesday and I have a question", "you guys replaced the pump") and neither waits
    for anything to follow (a part: `waits`) nor asks for a new job: a question about
    finished work, however it is put. A contract named ("the warranty company needs your
    report") makes it the contract's job, served first (OM-3)."""
    return (ours(terms, _EN_REPAIRED) or _visit_asked(terms)) and not waits(terms) \
        and not requested(terms, "en", unsaid) and not _wishes(terms) \
        and not idioms.spans(terms, "en", "contract")


_EN_BACK = frozenset({"again", "still", "anymore", "already"})
"""Words of a fault back or never gone: "leaking again", "still not heating"."""


def redone(terms: tuple[Term, ...]) -> bool:
    """Whether an English caller says a fault is back after a job our people did ("the washer
    you repaired is leaking again", "your tech fixed the oven and it still won't heat"): the
    business's own job, for a person to take up, not a new repair to quote (OM-4, OM-6)."""
    return any(t.text in _EN_BACK for t in terms) and ours(terms, _EN_REPAIRED)


_EN_HERE = frozenset({"here", "out", "over", "by", "round", "around"})


def _visit_asked(terms: tuple[Term, ...]) -> bool:
    """Whether an English caller tells of a visit our people made ("your tech came out
    yesterday", "the technician was here on Tuesday") and then asks something of it ("is that
    it", "anything left to do", "if he's coming back"): what is left of a job in hand."""
    for i, j, _you in _our_subjects(terms):
        if j + 1 >= len(terms) or terms[j].clause != terms[i].clause:
            continue
        came = terms[j].text in _EN_VISITED or (terms[j].text in ("was", "were")
                                                and terms[j + 1].text in _EN_HERE)
        later = [w for w in terms[j + 1:] if w.text not in _EN_OPENING]
        if came and any(idioms.asks_yes_or_no([w for w in later if w.clause == c])
                        for c in {w.clause for w in later}):
            return True
    return False


_EN_BEFORE_WISH = frozenset({"d", "would", "really", "just", "also", "still", "do", "kinda",
                             "sorta", "so", "now", "and"})
"""Words between the caller and their wish: "I'd really like", "we just need"."""


def _callers_wish(terms: tuple[Term, ...], i: int) -> bool:
    """Whether the wanting verb at `i` is the caller's: "I need", "we'd like", or opening its
    clause ("need someone out here"); not "does the fridge need anything else"."""
    j = i - 1
    while j >= 0 and terms[j].clause == terms[i].clause and terms[j].text in _EN_BEFORE_WISH:
        j -= 1
    return j < 0 or terms[j].clause != terms[i].clause or terms[j].text in _EN_CALLER


def _wishes(terms: tuple[Term, ...]) -> bool:
    """An English wish for something new: "I need someone for the dryer", "we want a
    visit" (not "I want to know", which asks to be told, nor a question whether the job
    needs more: "does the fridge need anything else")."""
    return any(t.lemma in _EN_WANTING and not t.negation and _callers_wish(terms, i)
               and not (i + 2 < len(terms) and terms[i + 1].text == "to"
                        and terms[i + 2].lemma in _EN_ASKING)
               for i, t in enumerate(terms))


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
        if any(w.lemma in price_of and w.clause == t.clause for w in terms[max(0, i - 2):i]):
            # What the question is about: "сколько стоит записаться на ТО", "how much to
            # book"; not a reason said before ("платить нечем, расторгайте договор").
            continue
        if t.lemma in REQUEST[family]:
            if family != "en" or not _told_done(terms, i):
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


_EN_SUBJECTS = frozenset({"i", "we", "he", "she", "they"})


def _told_done(terms: tuple[Term, ...], i: int) -> bool:
    """An English verb of booking in the past after its subject ("the guy you sent", "we
    booked it last week"): what was done, told, not a request for it."""
    t = terms[i]
    if not (t.text in _EN_PAST or t.text.endswith("ed")):
        return False
    j = i - 1
    while j >= 0 and terms[j].text in _EN_YOUR_LOT:
        j -= 1
    return j >= 0 and (terms[j].text in _EN_YOU or terms[j].text in _EN_SUBJECTS)


_EN_DID = frozenset({"say", "order", "send", "come", "have", "look", "fix", "take", "replac", "repair",
                     "diagnos", "instal", "bring", "promis", "tell", "work", "check", "start",
                     "remov", "put", "left", "leav", "pull", "swap"})
"""What the business's people do on a job, as lemmas: "the tech said", "you guys looked at"."""
_EN_PAST = frozenset({"said", "came", "took", "brought", "told", "left", "put", "sent", "got",
                      "did", "gave", "made", "ran", "went", "had"})
"""Irregular past forms (regular ones end in -ed)."""
_EN_PROGRESSIVE = frozenset({"are", "were", "is", "was", "been", "re"})
_EN_YOU = frozenset({"you", "y'all", "yall"})
_EN_YOUR_LOT = frozenset({"guys", "folks", "people", "all", "lot"})
_EN_MINE = frozenset({"my", "our", "me", "us"})
_EN_WAITED = frozenset({"wait", "arriv", "ship", "deliv", "suppos", "updat", "news"})
"""Lemmas of a wait for what was promised: "still waiting", "has it arrived", "any news"."""


def mine_on_order(terms: tuple[Term, ...]) -> bool:
    """"my washer's been on order", "our part is on back order": the caller's own thing
    waits on an order (a supplier says "your order")."""
    return any(t.lemma == "order" and i and terms[i - 1].text in ("on", "back")
               and any(w.text in _EN_MINE and w.clause == t.clause for w in terms[:i])
               for i, t in enumerate(terms))


_EN_OUR_PEOPLE = frozenset({"guy", "guys", "man", "men", "people", "folks", "crew", "team",
                            "worker", "workers", "tech", "techs", "fella", "fellas", "boys",
                            "person", "employee", "repairman"})
"""Words for people that, after "your", are the business's own: "your guy", "your crew"."""


def _our_people(terms: tuple[Term, ...]) -> frozenset[int]:
    """Where a caller names the business's people: a technician in any of his names, or a
    person who is "your" ("your guy came", "your crew fixed it")."""
    return idioms.spans(terms, "en", "technician") | frozenset(
        i for i, t in enumerate(terms)
        if i and t.text in _EN_OUR_PEOPLE and terms[i - 1].text == "your")


GUARANTEE = frozenset({"warranti", "guarante"})
"""Lemmas of a warranty: of the business's own work, a promise it keeps itself."""


def own_guarantee(terms: tuple[Term, ...]) -> frozenset[int]:
    """Where an English caller asks after the warranty on work our people did ("the repair
    you did, is there a warranty on it", "you replaced the belt, is that guaranteed"): a
    question about finished work, not an insurer's or a home-warranty company's job (OM-3,
    OM-6). A contract named ("home warranty", "warranty company") stays the insurer's."""
    found = frozenset(i for i, t in enumerate(terms) if t.lemma in GUARANTEE)
    if not found or not ours(terms, _EN_REPAIRED):
        return frozenset()
    return found - idioms.spans(terms, "en", "contract")


def ours(terms: tuple[Term, ...], did: frozenset[str] = _EN_DID) -> bool:
    """Whether the business's people did (or are doing) something of `did` on a job ("the
    tech said", "you guys are fixing", "the part you ordered for my washer"): the grammar a
    menu (`finished_told`) and a voicemail's roles (`roles.awaited`) both read."""
    for i, j, you in _our_subjects(terms):
        if not you:
            if _did(terms, _after_relative(terms, j), terms[i].clause, did):
                return True
            continue
        k = _did(terms, j, terms[i].clause, did)
        # "you ordered" is a supplier's customer, unless it was for the caller's job.
        if k is not None and (terms[k].lemma != "order" or any(
                w.text in _EN_MINE for w in terms[k + 1:k + 7])):
            return True
    return False


_EN_OUR_WORD = frozenset({"quot", "quote", "estim", "estimate", "text", "messag", "message",
                          "voicemail", "email", "letter"})
"""What the business sends a customer, as lemmas (the English lemma is a stem). Not "your
invoice": that is a supplier's word for ours (`voicemail.understand`'s own account)."""
_EN_SENT = frozenset({"send", "sent", "text", "email", "left", "leav", "mail", "call"})


def replies(terms: tuple[Term, ...]) -> bool:
    """Whether an English caller answers something the business sent them ("about the quote
    you sent me", "got your text about the washer"): the reply to a message of ours is
    taken up by a person, never met with another quote (OM-4)."""
    for i, t in enumerate(terms):
        if t.lemma not in _EN_OUR_WORD and t.text not in _EN_OUR_WORD:
            continue
        if i and terms[i - 1].text == "your":
            return True
        after = terms[i + 1:i + 4]
        if any(w.text in _EN_YOU for w in after) and ours(terms[i:i + 5], _EN_SENT):
            return True
    return False


def _our_subjects(terms: tuple[Term, ...]) -> Iterator[tuple[int, int, bool]]:
    """Where the business's people are the subject: (where they are named, where their verb
    may stand, whether they are "you"): "the tech [said]", "you guys [fixed]"."""
    technicians = _our_people(terms)
    for i, t in enumerate(terms):
        if i in technicians and i + 1 not in technicians:
            yield i, i + 1, False
        elif t.text in _EN_YOU:
            j = i + 1
            while j < len(terms) and terms[j].text in _EN_YOUR_LOT:
                j += 1
            yield i, j, True


_EN_RELATIVE = frozenset({"that", "who", "whom"})


def _after_relative(terms: tuple[Term, ...], start: int) -> int:
    """Where the verb of a person named stands past a relative clause that says who he is
    ("the fella [you folks sent] replaced the pump", "the guy [that you had out] fixed it"):
    the clause names the person, the verb after it is what he did."""
    j = start + (start < len(terms) and terms[start].text in _EN_RELATIVE)
    if j >= len(terms) or terms[j].text not in _EN_YOU:
        return start
    j += 1
    while j < len(terms) and terms[j].text in _EN_YOUR_LOT:
        j += 1
    if j < len(terms) and terms[j].text in _EN_PAST and terms[j].clause == terms[start].clause:
        j += 1
        while j < len(terms) and terms[j].text in _EN_VISIT_PARTICLES - {"and"}:
            j += 1
        return j
    return start


def _did(terms: tuple[Term, ...], start: int, clause: int,
         did: frozenset[str] = _EN_DID) -> int | None:
    """Where a verb of work done (or under way) stands at `start` or after "had", "are"..."""
    for j in range(start, min(start + 3, len(terms))):
        w = terms[j]
        if w.clause != clause or w.negation:
            return None
        if w.lemma in did and (w.text in _EN_PAST or w.text.endswith("ed") or (
                w.text.endswith("ing") and terms[j - 1].text in _EN_PROGRESSIVE)):
            return j
        if w.text in _EN_VISITED and w.lemma not in did:
            # "came out and fixed it": the visit, then the work done on it.
            k = j + 1
            while k < len(terms) and terms[k].text in _EN_VISIT_PARTICLES:
                k += 1
            return _did(terms, k, clause, did) if terms[k - 1].text == "and" else None
        if w.content and w.text not in _EN_PROGRESSIVE and w.text not in ("has", "have", "had"):
            return None
    return None


_EN_VISITED = frozenset({"came", "stopped", "swung"})
"""Past verbs of a visit that the work done may follow: "came out and replaced the pump"."""
_EN_VISIT_PARTICLES = frozenset({"out", "over", "by", "round", "around", "and"})


_EN_AWAITED = frozenset({"part", "parts", "order", "motor", "pump", "board", "piece"})
"""What comes to a job in hand: "when's the part coming", "is the motor coming"."""


def waits(terms: tuple[Term, ...]) -> bool:
    """Whether an English caller waits for what was to follow: "still waiting", "on back
    order", "when it comes in", "nobody showed up"."""
    for i, t in enumerate(terms):
        nxt = terms[i + 1].text if i + 1 < len(terms) else ""
        before = terms[i - 1].text if i else ""
        if t.lemma in _EN_WAITED \
                or (t.lemma == "order" and before in ("on", "back", "be", "to")) \
                or (t.text == "word" and before == "any") \
                or (t.lemma == "come" and nxt == "in") \
                or (t.lemma == "come" and before in _EN_AWAITED) \
                or (t.lemma == "show" and nxt == "up"):
            return True
    return False


_EN_PAYING = frozenset({"pay", "cover"})
"""Verbs (as lemmas) of paying for a job."""
_EN_CALLER = frozenset({"i", "we"})
_EN_CALLER_AFTER = frozenset({"myself", "ourselves"})


def payment_told(terms: tuple[Term, ...], family: Family) -> frozenset[int]:
    """Where an English caller says who pays rather than asks what: "I'll pay myself", "my
    insurance is paying for it", "we're covering it ourselves". A verb of paying in a clause
    that asks nothing (no question word before it, no auxiliary or "if" opening it) is no
    price question; the caller's own cover ("I" or "we" its subject, or "myself" after it) is
    no insurer's either, while an insurer covering the job is one."""
    if family != "en" or not any(t.lemma in _EN_PAYING for t in terms):
        return frozenset()
    found: set[int] = set()
    for i, t in enumerate(terms):
        if t.lemma not in _EN_PAYING or t.negation:
            continue
        before = [w for w in terms[:i] if w.clause == t.clause and w.text not in _EN_OPENING]
        if (before and (before[0].text in _EN_AUXILIARY or idioms.asks_yes_or_no(before))) \
                or any(w.text in questions.QUESTION_WORDS[family] for w in before):
            continue
        near = [w.text for w in terms[max(0, i - 3):i + 4] if w.clause == t.clause]
        if t.lemma == "pay" or any(w in _EN_CALLER for w in near[:near.index(t.text)]) \
                or any(w in _EN_CALLER_AFTER for w in near):
            found.add(i)
    return frozenset(found)


_EN_TRADE = frozenset({"busi", "compani", "shop", "store", "websit", "site", "list", "rank",
                       "review", "profil", "page", "brand", "storefront", "lead", "payrol"})
"""Stems of what a business has as a business ("your company", "your listing"): a caller who
wants a repair speaks of their appliance, a seller of the business they call."""
_EN_SELLERS = frozenset({"we", "us", "our"})
_EN_OWNER = frozenset({"i", "my", "me", "mine"})


def pitched(terms: tuple[Term, ...], family: Family) -> bool:
    """Whether an English message may be a sales pitch to the business: a "we" who speak of
    "your business", "your website", "your listing", and no "I" or "my" of a customer. (A
    customer's "we need our stove looked at, does your company..." names an appliance of
    theirs: the caller weighs that.)"""
    if family != "en":
        return False
    texts = {t.text for t in terms}
    if not texts & _EN_SELLERS or texts & _EN_OWNER:
        return False
    return any(t.text == "your" and any(w.lemma in _EN_TRADE and w.clause == t.clause
                                        for w in terms[i + 1:i + 4])
               for i, t in enumerate(terms))


def owned(terms: tuple[Term, ...], start: int, family: Family) -> bool:
    """Whether the English word at `start` is the caller's own ("my invoice", "our bill"):
    a customer's account, where a supplier speaks of "your invoice"."""
    return family == "en" and any(t.text in _EN_MINE for t in terms[max(0, start - 2):start])


_FRAMES: dict[Family, frozenset[str]] = {
    "ru": frozenset({"вопрос", "вопросик", "консультация", "разговор"}),
    "en": frozenset({"question", "query", "inquiry", "enquiry"}),
}
"""Nouns that only frame what the caller wants to talk about: "вопрос по электрике" is a
question about electrics, "a question about my bill" one about the bill."""
_ABOUT: dict[Family, frozenset[str]] = {
    "ru": frozenset({"по", "насчет", "насчёт", "про", "о", "об", "касательно", "относительно"}),
    "en": frozenset({"about", "regarding", "concerning", "on", "re"}),
}
"""Prepositions that open the topic of a framing noun."""


def framed(terms: tuple[Term, ...], family: Family) -> tuple[frozenset[int], frozenset[int]]:
    """The framing nouns said with a topic ("вопрос по ..."), and the words of their topics
    (to the end of the clause). A frame said alone ("у меня вопрос") has no topic."""
    frames: set[int] = set()
    topics: set[int] = set()
    for i, term in enumerate(terms[:-2]):
        if term.lemma in _FRAMES[family] and terms[i + 1].text in _ABOUT[family] \
                and terms[i + 2].clause == term.clause:
            frames.add(i)
            topics.update(j for j in range(i + 2, len(terms)) if terms[j].clause == term.clause)
        # "how long until the part shows up": how long a wait is, asked of what follows.
        if family == "en" and term.text == "how" and terms[i + 1].text == "long" \
                and terms[i + 2].text in _UNTIL and terms[i + 2].clause == term.clause:
            frames.update((i, i + 1))
            topics.update(j for j in range(i + 3, len(terms)) if terms[j].clause == term.clause)
    return frozenset(frames), frozenset(topics)


_UNTIL = frozenset({"until", "till", "til", "before", "for"})
"""What joins "how long" to the thing a wait is for."""
