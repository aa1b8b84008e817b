"""Who leaves a voicemail, and about whose job: what outranks the goods or parts it names (OM-4).

A message names parts and appliances whoever leaves it: a customer asking after a car or a
dryer that is already with us ("моя машина у вас на ремонте, когда забирать", "you picked up
my dryer, what's the status of the order"), a supplier offering what the catalogue also lists
("предлагаем поставки масел и фильтров", "we offer washer parts at wholesale prices"), a job
seeker naming a trade ("вам диагност не нужен? опыт пять лет"), an insurer about a customer's
claim ("Северстрах по убытку вашего клиента"). None of them asks for a new job, so none gets a
quote, however clearly the catalogue hears its words. This module reads the speaker's role
from the grammar of what they say (who does what, in which tense, to whose thing), not from
more catalogue words: the flow's `not_service` words stay the author's vocabulary, and this
catches the same roles said in words the author did not list.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from voicebot.flows.model import NotServiceReason
from voicebot.language import focus, forms
from voicebot.language.lemmas import Family, Term, lexeme

# --- Russian --------------------------------------------------------------------------------
_RU_AT_WORK = frozenset(
    {
        "ремонт",
        "работа",
        "покраска",
        "диагностика",
        "обслуживание",
        "подъемник",
        "сервис",
        "стоянка",
        "рихтовка",
    }
)
"""Where a car is while we work on it, said in the locative: "на ремонте", "в работе"."""
_RU_STAYS = frozenset({"стоять", "находиться", "простоять", "лежать", "висеть", "быть"})
"""Verbs of a car being somewhere: "стоит у вас", "находится у вас"."""
_RU_LEFT = frozenset(
    {
        "оставить",
        "оставлять",
        "пригнать",
        "пригонять",
        "сдать",
        "сдавать",
        "отдать",
        "отдавать",
        "привезти",
        "привозить",
        "поставить",
        "загнать",
        "отогнать",
        "эвакуировать",
    }
)
"""Verbs of leaving a car with a workshop; in the past tense, the car is with us."""
_RU_FETCH = frozenset({"забрать", "забирать"})
"""Taking a car back from the workshop: asked or told, the job is one we already have."""
_RU_MOTION = frozenset(
    {
        "ехать",
        "приехать",
        "подъехать",
        "заехать",
        "прийти",
        "зайти",
        "подойти",
        "выезжать",
        "приезжать",
        "подъезжать",
        "заезжать",
    }
)
_RU_THING = frozenset({"она", "он", "машина", "автомобиль", "авто", "тачка", "ключ"})
"""What a caller comes for ("подъехать за ней", "приехать за машиной")."""
_RU_DONE_VERBS = frozenset(
    {
        "сделать",
        "починить",
        "отремонтировать",
        "поменять",
        "заменить",
        "доделать",
        "закончить",
        "посмотреть",
        "покрасить",
        "собрать",
    }
)
"""Work whose past tense, asked with "уже" or "или нет", asks whether our job is done."""
_RU_SINCE = frozenset(
    {
        "понедельник",
        "вторник",
        "среда",
        "четверг",
        "пятница",
        "суббота",
        "воскресенье",
        "вчера",
        "неделя",
        "прошлый",
    }
)

_RU_OFFER = frozenset(
    {
        "предлагать",
        "предложить",
        "поставлять",
        "продавать",
        "реализовывать",
        "отгружать",
        "производить",
        "распространять",
    }
)
"""What a seller does: said in the first person plural ("предлагаем", "поставляем"), the
speaker offers goods to the business."""
_RU_PARTNERSHIP = frozenset({"сотрудничество", "дистрибьютор", "дистрибьютер", "поставщик"})

_RU_EXPERIENCE = frozenset({"опыт", "стаж"})
_RU_HIRE = frozenset(
    {"взять", "брать", "принять", "устроиться", "устраиваться", "выйти", "пригласить", "трудоустроить"}
)
_RU_NEEDED = frozenset({"нужный", "требоваться", "нужно", "надо"})
_RU_WORKPLACE = frozenset({"работать", "работа", "сервис", "автосервис", "дилер", "дилерский",
                           "дилерка", "стаж", "опыт", "станция", "мастерская", "цех"})
"""Where years are years of work: "пять лет на дилерском сервисе", not "машине пять лет на
газу"."""
_RU_YEARS = frozenset({"год", "лето"})
"""pymorphy3 reads "лет" as the genitive plural of "лето" as often as of "год"."""

_RU_INSURER = re.compile(r"страхов|страхован|.{2,}страх(?:а|у|ом|е)?$")
"""Insurers by kind ("страховая", "страхование") or by a brand built on it ("Северстрах",
"Волгастрахование", "Южстрах"): "страх" alone, and "страшно", are fear."""
_RU_CLAIM = frozenset({"убыток", "урегулирование", "страхователь", "полис", "калькуляция"})
"""A claim's own words: an insurer agrees the estimate of a loss for its policyholder."""
_RU_CLIENT = frozenset({"клиент", "клиентка", "страхователь"})

# --- English --------------------------------------------------------------------------------
_EN_TAKEN = frozenset(
    {"picked", "took", "taken", "hauled", "towed", "brought", "dropped", "carted", "grabbed"}
)
"""Past verbs of a thing changing hands: with the caller's own thing after them ("you picked
up my dryer", "I dropped my microwave off"), the job is one we already have."""
_EN_SHOP = frozenset({"shop", "workshop", "garage"})
_EN_STATUS = frozenset({"status", "news", "update", "progress", "word"})
"""What a caller asks about a job under way: "any news on my fridge", "the status of it"."""
_EN_RETURN = frozenset({"back", "return", "returning"})
_EN_FINISH = frozenset({"finish", "complete", "fix", "install", "done"})
_FINISH_LEMMAS = frozenset(lexeme(w, "en").lemma for w in _EN_FINISH)
_EN_ORDERED = frozenset({"ordered", "ordering", "order"})
_EN_STAFF = frozenset({"you", "tech", "technician", "guy", "guys", "man", "he", "they", "she"})
"""Who works on a caller's job: "your tech ordered a compressor for it"."""
_EN_MINE = frozenset({"my", "mine", "our"})

_EN_WE = frozenset({"we", "our"})
_EN_OFFER = frozenset({"offer", "sell", "supply", "carry", "distribute", "stock", "provide", "wholesale",
                       "manufacture", "ship", "produce"})
_OFFER_LEMMAS = frozenset(lexeme(w, "en").lemma for w in _EN_OFFER)
_EN_SELLERS = re.compile(r"^(?:distributor|wholesaler|supplier|manufacturer|vendor)s?$")

_EN_WORK_DONE = frozenset({"repaired", "worked", "fixed", "serviced"})
_EN_FIRST_PERSON = frozenset({"i", "ive", "ve", "im", "m"})
""""I've repaired", "I'm certified" (the recognizer splits "i've" into "i" and "ve")."""
_EN_JOB = frozenset({"opening", "position", "job", "role", "vacancy", "posting"})
_EN_JOB_CUE = frozenset({"interested", "apply", "applying", "posted", "saw", "advertised"})
_EN_CREDENTIAL = re.compile(r"^(?:certification|certified|certificate|licensed|license)s?$")

_EN_INSURER = frozenset(
    {
        "insurance",
        "insurer",
        "insurers",
        "assurance",
        "mutual",
        "casualty",
        "indemnity",
        "underwriters",
        "underwriting",
    }
)
"""Insurers by kind, as they name themselves ("Cascade Mutual", "Pacific Assurance")."""
_EN_CLAIM = frozenset({"claim", "claims", "adjuster", "policyholder", "insured", "loss"})
_EN_CUSTOMER = frozenset({"customer", "customers", "client", "clients", "member", "members"})


def _clause(terms: Sequence[Term], i: int) -> list[Term]:
    return [t for t in terms if t.clause == terms[i].clause]


def _tag(word: str) -> object:
    return forms.parses(word)[0].tag


def _past(word: str) -> bool:
    return any(p.tag.tense == "past" for p in forms.parses(word)[:2])


def _booked_ru(terms: Sequence[Term]) -> frozenset[int]:
    """Where a Russian caller tells of a booking we already hold: "вы меня записали", "я
    записан на пятницу", "записывался к вам на завтра", "у меня запись на среду"."""
    found: set[int] = set()
    for i, t in enumerate(terms):
        if t.negation or t.lemma not in _BOOKING["ru"] or (i and terms[i - 1].negation):
            continue
        if t.lemma == "запись":
            if any(terms[j].text == "у" and terms[j + 1].text in ("меня", "нас")
                   for j in range(max(0, i - 3), i - 1)):
                found.add(i)
        elif _past(t.text) or t.text.startswith("записан"):
            found.add(i)
    return frozenset(found)


def _with_us_ru(terms: Sequence[Term]) -> bool:
    """The caller's car is with us: "у вас на ремонте", "стоит у вас с понедельника",
    "пригнал к вам вчера", "когда забирать", "подъехать за ней", "её сделали или нет"; or
    a visit is booked with us already (`_booked_ru`)."""
    if _booked_ru(terms):
        return True
    for i, t in enumerate(terms):
        if t.negation:
            continue
        clause = _clause(terms, i)
        lemmas = {c.lemma for c in clause}
        if (
            t.text == "у"
            and i + 1 < len(terms)
            and terms[i + 1].text == "вас"
            and (
                lemmas & _RU_STAYS
                # "с понедельника", "со вчерашнего утра": since when ("в субботу" asks when).
                or any(c.text in ("с", "со") and n.lemma in _RU_SINCE
                       for c, n in itertools.pairwise(clause))
                or any(_at_work(terms, j) for j in range(len(terms)) if terms[j].clause == t.clause)
                or lemmas & {"она", "он"}
            )
        ):
            return True
        if t.lemma in _RU_LEFT and _past(t.text) and any(
                n.text in ("вам", "вас") for n in terms[max(0, i - 4):i + 5]):
            # Left with us, not anywhere: "поставил новые колодки" is no car at our place.
            return True
        if t.lemma in _RU_FETCH:
            return True
        if t.lemma in _RU_MOTION and any(
            terms[j].text == "за" and terms[j + 1].lemma in _RU_THING
            for j in range(i + 1, min(i + 4, len(terms) - 1))
        ):
            return True
        if (
            t.lemma in _RU_DONE_VERBS
            and _past(t.text)
            and (
                "уже" in {c.text for c in clause}
                or any(
                    terms[j].text == "или" and terms[j + 1].text == "нет"
                    for j in range(i + 1, min(i + 4, len(terms) - 1))
                )
            )
        ):
            return True
    return False


def _at_work(terms: Sequence[Term], j: int) -> bool:
    """ "на ремонте", "в работе": a job's place in the locative (not "на ремонт", a request);
    after "в"/"на" a form read first as a dative ("покраске") is the locative."""
    return (
        j > 0
        and terms[j - 1].text in ("в", "на")
        and terms[j].lemma in _RU_AT_WORK
        and any(p.tag.case in ("loct", "loc2") for p in forms.parses(terms[j].text)[:2])
    )


def _with_us_en(terms: Sequence[Term]) -> bool:
    """The caller's appliance is with us: "you picked up my dryer", "my washer that's in your
    shop", "any news on my fridge", "coming back to finish", "the part you ordered for it"."""
    said = [t.text for t in terms]
    mine = any(w in _EN_MINE for w in said)
    for i, w in enumerate(said):
        window = said[i + 1 : i + 5]
        # "you hauled it away", "your tech took the board out of my oven": the business took
        # the caller's thing (the caller's own, or whatever the business's people took).
        if w in _EN_TAKEN and ((i and said[i - 1] in _EN_STAFF) or (
                any(x in _EN_MINE for x in said[i + 1:i + 7])
                # "I took my dryer apart" is the caller's own doing; "I dropped my microwave
                # off with you" leaves it with us.
                and (i == 0 or said[i - 1] not in ("i", "we")
                     or any(x in ("you", "your", "off") for x in said[i + 1:i + 8])))):
            return True
        if w in _EN_SHOP and i and said[i - 1] in ("your", "the") and mine:
            return True
        if (
            w in _EN_STATUS
            and mine
            and not (i + 2 < len(said) and said[i + 1] == "of" and said[i + 2] == "your")
        ):
            return True
        if w == "stand" and "things" in said[max(0, i - 3) : i]:
            return True
        if w in _EN_RETURN and any(lexeme(x, "en").lemma in _FINISH_LEMMAS for x in window):
            return True
        # "you've had the part on order since Monday" ("could you have someone look at my
        # dryer" asks for a visit).
        if (
            w == "had"
            and "you" in said[max(0, i - 3) : i]
            and any(x in ("it", "my", "part", "parts") for x in window)
        ):
            return True
        if (
            w in _EN_ORDERED
            and i
            and said[i - 1] in _EN_STAFF
            and any(x in ("it", "my", "mine") for x in said[i + 1 : i + 6])
        ):
            return True
    # "my oven appointment", "our visit on Friday": one the caller already has; "returning
    # your call": we called them about something under way.
    return any(_own_booking(said, i) or (w in ("returning", "return") and said[i + 1:i + 3]
                                         in (["your", "call"], ["the", "call"]))
               for i, w in enumerate(said))


_EN_BOOKED = frozenset({"appointment", "booking", "visit"})


def _own_booking(said: list[str], i: int) -> bool:
    """Whether the English word at `i` is a booking of the caller's own ("my appointment",
    "our oven visit"), not one asked for ("book an appointment")."""
    return said[i] in _EN_BOOKED and any(x in _EN_MINE for x in said[max(0, i - 2):i])


def with_us(terms: Sequence[Term], family: Family) -> bool:
    """The message is about a job the business already has: the caller's own car or
    appliance, left with us, picked up by us, or waited on."""
    return _with_us_ru(terms) if family == "ru" else (_with_us_en(terms)
                                                      or focus.redone(tuple(terms)))


def awaited(terms: tuple[Term, ...], family: Family) -> bool:
    """Whether an English message waits on a job the business already has: its people did
    something on it (`focus.ours`: "the tech said", "you guys are fixing", "the part you
    ordered for my washer"), or the caller's own thing is on order, and the caller waits for
    what was to follow (`focus.waits`). Such a message is about our own job, however much it
    says of parts and orders (a supplier's words), so a person calls back: no quote, no
    supplier. A supplier's "the belts you ordered are ready" is their customer's order, not
    the caller's job. Beside `with_us` (whose thing is with us), this is the other way a
    message is a follow-up; `understand` weighs it below an insurer's or any other reason's
    own words, where `role` puts `with_us` above them."""
    if family != "en":
        return False
    return (focus.ours(terms) or focus.mine_on_order(terms)) and focus.waits(terms)


def _offers_ru(terms: Sequence[Term]) -> bool:
    for i, t in enumerate(terms):
        if t.negation:
            continue
        if t.lemma in _RU_PARTNERSHIP:
            return True
        if t.lemma in _RU_OFFER:
            tag = _tag(t.text)
            plural_we = getattr(tag, "person", None) == "1per" and getattr(tag, "number", None) == "plur"
            # "можем предложить", "готовы поставлять": an infinitive after "we can".
            can = i > 0 and terms[i - 1].text in ("можем", "готовы", "хотим", "будем")
            if plural_we or can:
                return True
    return False


def _offers_en(terms: Sequence[Term]) -> bool:
    said = [t.text for t in terms]
    for i, w in enumerate(said):
        if _EN_SELLERS.match(w):
            return True
        if (
            lexeme(w, "en").lemma in _OFFER_LEMMAS
            and any(x in _EN_WE for x in said[max(0, i - 4) : i])
            and not any(t.negation for t in terms[max(0, i - 3) : i])
        ):
            return True
    return False


def offers(terms: Sequence[Term], family: Family) -> bool:
    """The speaker sells to the business: "предлагаем", "поставляем", "сотрудничество", "we
    offer", "we're a parts distributor"."""
    return _offers_ru(terms) if family == "ru" else _offers_en(terms)


def _number(term: Term) -> bool:
    return term.text.isdigit() or getattr(_tag(term.text), "POS", None) == "NUMR"


def _seeks_work_ru(terms: Sequence[Term]) -> bool:
    for i, t in enumerate(terms):
        if t.negation:
            continue
        near = terms[i + 1 : i + 4]
        if t.lemma in _RU_EXPERIENCE and any(_number(n) or n.lemma in _RU_YEARS for n in near):
            return True
        # "пять лет на дилерском сервисе": years of work somewhere.
        if (
            t.lemma in _RU_YEARS
            and i
            and _number(terms[i - 1])
            and i + 1 < len(terms)
            and terms[i + 1].text in ("на", "в", "работаю", "работал", "работала")
            and any(c.lemma in _RU_WORKPLACE for c in _clause(terms, i))
        ):
            return True
        if t.lemma in _RU_HIRE and any(
            terms[j].text == "на"
            and terms[j + 1].lemma == "работа"
            and getattr(_tag(terms[j + 1].text), "case", None) == "accs"
            for j in range(i + 1, min(i + 4, len(terms) - 1))
        ):
            return True
        if t.lemma == "работа" and i > 1 and terms[i - 1].text == "на" and terms[i - 2].lemma in _RU_HIRE:
            return True
        # "вам диагност не нужен?", "вам нужны маляры?": a person offered to the business.
        if t.text == "вам":
            clause = _clause(terms, i)
            if any(c.lemma in _RU_NEEDED for c in clause) and any(
                getattr(_tag(c.text), "animacy", None) == "anim"
                and getattr(_tag(c.text), "POS", None) == "NOUN"
                and c.lemma not in ("я", "мы")
                and forms.name_score(c.text) < 0.5
                for c in clause
            ):
                return True
    return False


def _seeks_work_en(terms: Sequence[Term]) -> bool:
    said = [t.text for t in terms]
    for i, w in enumerate(said):
        before = said[max(0, i - 4):i]
        # "I'm certified", "I have my EPA certification"; not "I need a certified tech".
        if _EN_CREDENTIAL.match(w) and any(x in _EN_FIRST_PERSON for x in before) \
                and not any(x in ("need", "want", "send") for x in before):
            return True
        if w in _EN_JOB and any(x in _EN_JOB_CUE for x in said[max(0, i - 6):i + 3]):
            return True
        if w == "years" and i and (said[i - 1].isdigit() or said[i - 1] in _NUMBER_WORDS) \
                and _worked(said, i):
            return True
    return False


def _worked(said: list[str], i: int) -> bool:
    """Years of work, not of owning a dryer: "ten years experience", "fifteen years in the
    field", "I've repaired dryers for six years" (not "it worked fine for ten years")."""
    after = said[i + 1:i + 4]
    if "experience" in after or "experience" in said[max(0, i - 3):i] \
            or ("in" in after and any(x in ("field", "trade", "business") for x in after)):
        return True
    return any(said[j] in _EN_WORK_DONE and said[j - 1] in _EN_FIRST_PERSON
               for j in range(max(1, i - 8), i))


_NUMBER_WORDS = frozenset(
    {
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "many",
        "several",
    }
)


def seeks_work(terms: Sequence[Term], family: Family) -> bool:
    """The speaker offers themselves as staff: experience in years, a credential, a job
    opening, "возьмёте на работу", "вам мастер не нужен"."""
    return _seeks_work_ru(terms) if family == "ru" else _seeks_work_en(terms)


def insurer(terms: Sequence[Term], family: Family) -> bool:
    """An insurer speaks: named by kind or brand ("страховая", "Северстрах", "Cascade
    Mutual", "Pacific Assurance") and about a claim or a customer of ours, or a claim's own
    words with a customer ("по убытку вашего клиента")."""
    if family == "ru":
        named = any(_RU_INSURER.search(t.text) for t in terms)
        claim = any(t.lemma in _RU_CLAIM for t in terms)
        client = any(t.lemma in _RU_CLIENT for t in terms)
    else:
        named = any(t.text in _EN_INSURER for t in terms)
        claim = any(t.text in _EN_CLAIM for t in terms)
        client = any(t.text in _EN_CUSTOMER for t in terms)
    return (named and (claim or client)) or (claim and client)


def role(terms: tuple[Term, ...], family: Family) -> NotServiceReason | None:
    """Who the message is from when that rules a quote out, strongest first: an insurer, a
    seller, a job seeker, a customer whose job we already have; None for anyone else."""
    if insurer(terms, family):
        return "insurance"
    if offers(terms, family):
        return "supplier"
    if seeks_work(terms, family):
        return "job_seeker"
    if with_us(terms, family) and not _books_new(terms, family):
        return "follow_up"
    return None


_BOOKING: dict[Family, frozenset[str]] = {
    "en": frozenset({"book", "schedul", "appoint", "appointment"}),
    "ru": frozenset({"записать", "записаться", "запись"}),
}
"""Words of booking (English as stems): "send" asks for a visit in `focus`, but "to send it
off" is what the business does with a part of the caller's job."""


def _books_new(terms: tuple[Term, ...], family: Family) -> bool:
    """A booking word beside the job we have ("записаться", "schedule") asks for a new one."""
    said = [t.text for t in terms]
    held = _booked_ru(terms) if family == "ru" else frozenset()
    return any(t.lemma in _BOOKING[family] and not t.negation and i not in held
               and not (family == "en" and _own_booking(said, i))
               for i, t in enumerate(terms))
