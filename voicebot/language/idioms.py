"""Expressions that mean the same thing to a phone line, however a caller puts it.

A flow lists "finished" and "price"; callers say "is it good to go", "what will that set me
back", "the repairman" for "the technician", "you crooks" for an insult. No lexical resource
that ships in a wheel knows these (WordNet's data is a download; lemminflect and the
dictionaries know forms, not meanings), so they are listed here once, per language, as classes
of interchangeable expressions. The scorer reads an expression of a class, said by a caller, as
every other member of its class (a little less well than the word itself, `EQUIVALENT`): any
flow that lists one member hears them all, so a flow author writes "finished" and gets "all
done" and "over with" too.

The classes are everyday English of a service call (what is asked, who is meant, how a call is
closed), and in Russian the verbs of taking a request back (both aspects, since the dictionary
gives each its own lemma), written from the meaning, not from any flow's evaluation set.
Members are matched by lemma, word for word ("sets me back" is "set me back"); words a
polysemous member may also mean are kept out, or written with the word that pins them ("is
over", not "over": "came over").

A few words turn into their opposite under a negation: "I don't want the same man again" asks
for a different one (`NEGATED_MEANS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from voicebot.language import forms, negation
from voicebot.language.lemmas import FILLERS, Family, Term, analyse

EQUIVALENT = 0.95
"""How well a member of a class matches another member: as well as another form of the same
word ("claims" for "claim"), a little less than the word itself."""

COLLISION = "collision"
"""The Russian class of a vehicle hitting or hit (`scorer.Menu._with_breakdown`)."""

ON_BEHALF = frozenset({"insurer", "contract"})
"""Classes that name a company a job is done for: said, the call is that company's (OM-3)."""

CLASSES: dict[Family, dict[str, tuple[str, ...]]] = {
    "en": {
        # Work that has ended.
        "finished": (
            "finished", "done", "completed", "complete", "all done", "is over", "be over",
            "are over", "was over", "over with", "be through", "is through", "are through",
            "through with", "wrapped up", "good to go", "ready to use", "squared away",
            "taken care of", "fixed up", "sorted out", "all fixed", "back in working order",
            "up and running", "finished up", "be fixed", "be repaired", "good to use",
            "safe to use", "okay to use", "ok to use", "closed out", "signed off",
            "buttoned up", "finalized",
        ),
        # What something costs the caller.
        "price": (
            "price", "cost", "charge", "fee", "rate", "how much", "run me", "set me back",
            "cost me", "bucks", "dollars", "pricing", "ballpark", "what do you charge",
            "what does it cost",
        ),
        # The person who comes to fix it.
        "technician": (
            "technician", "tech", "repairman", "repair man", "repair guy", "repair person",
            "service man", "serviceman", "service guy", "service tech", "mechanic",
            "handyman", "fella", "fellow", "the guy", "the man", "the worker", "worker",
            "the dude", "the lady", "the woman", "the gal",
        ),
        # Someone other than the one the caller had. Not "replacement": by lemma it is also
        # "replaced", the work done ("the fella you sent replaced the pump", OM-6), and a
        # "replacement motor" is a part.
        "other": ("different", "another", "other", "someone else", "somebody else",
                  "anyone else", "anybody else", "someone different", "somebody different",
                  "a new one", "someone new", "somebody new", "new person",
                  "someone besides", "somebody besides", "anyone besides", "anybody besides",
                  "someone other than", "somebody other than", "anyone but", "anybody but",
                  # A person replaced (not "replaced the pump": the work done).
                  "him replaced", "her replaced", "replace him", "replace her"),
        # Putting one in another's place: "swap technicians", "switch the tech".
        "change": ("change", "switch", "swap", "switch out", "swap out"),
        # A machine that works as it should.
        "working": ("working", "running", "functioning", "works", "runs"),
        "great": ("great", "perfect", "perfectly", "fine", "excellent", "awesome",
                  "like new", "like a charm", "flawless", "flawlessly"),
        # Said to a person to belittle them: an insult.
        "insult": (
            "idiot", "idiots", "stupid", "moron", "imbecile", "dumb", "dummy", "fool",
            "jerk", "clown", "crook", "liar", "thief", "scammer", "con artist", "fraud",
            "cheat", "incompetent", "useless", "worthless", "pathetic", "clueless",
            "brainless", "brain dead", "halfwit", "dimwit", "numbskull", "loser",
            "amateur", "bastard", "asshole", "jackass", "dipshit", "prick", "ignorant",
            "good for nothing", "waste of space", "morons", "nitwit", "buffoon", "idiotic",
            "disgrace", "disgraceful", "rip off", "ripoff", "scam", "crooked", "shady",
        ),
        # Not deciding: neither a yes nor a no ("I'm not sure", "I guess so", "maybe"). A
        # yes/no question answered so is asked again, never taken as a yes (`polarity`).
        "unsure": (
            "not sure", "unsure", "not certain", "uncertain", "maybe", "perhaps", "possibly",
            "probably", "i guess", "i suppose", "i think so", "think so", "don't know",
            "do not know", "dunno", "idk", "no idea", "not decided", "undecided",
            "can't decide", "can't say", "hard to say", "who knows", "let me think",
            "think about it", "think it over", "it depends", "depends", "could be",
            "on the fence", "no clue", "either way", "doesn't matter", "does not matter",
            "don't care", "do not care",
        ),
        # Something sent for that reaches the caller (a part, a delivery).
        "arrive": ("arrive", "come in", "came in", "be delivered", "been delivered",
                   "was delivered", "got delivered", "be shipped", "been shipped"),
        # Time lost on the listener: said to a person, a complaint about them.
        "waste of time": ("waste of time", "waste of my time", "wasting my time",
                          "wasting our time", "wasted my time", "wasted our time",
                          "waste my time"),
        # Telling the listener off: said to a person, never of an appliance.
        "telling off": (
            "shut up", "shut your mouth", "shut your trap", "shut it", "screw you",
            "screw off", "go to hell", "to hell with you", "damn you", "piss off", "get lost",
            "buzz off", "bugger off", "sod off", "get stuffed", "stuff it", "bite me",
            "up yours", "drop dead", "kiss my ass", "f you", "f off", "eff you", "eff off",
            "fuck you", "fuck off", "go screw yourself", "go to the devil",
        ),
        # A contract that pays for repairs: an insurer's or warranty company's job (OM-3).
        "contract": (
            "service contract", "service agreement", "service plan", "protection plan",
            "maintenance plan", "maintenance agreement", "maintenance contract",
            "home warranty", "warranty plan", "warranty company", "warranty provider",
            "home protection", "coverage plan", "appliance plan", "appliance insurance",
            # A job a third party sends us: a warranty company's work order.
            "work order from", "dispatch from", "authorization from",
            # Home-warranty companies by name ("a plan with Old Republic").
            "american home shield", "choice home warranty", "first american",
            "fidelity national", "old republic", "cinch home services", "frontdoor",
            "select home warranty", "liberty home guard", "sears home warranty",
            "afc home club", "two ten",
        ),
        # An insurer, by kind or by the name callers know it by: "State Farm is covering it"
        # says "insurance" (OM-3). Brands that are also plain words ("Progressive") are left
        # out.
        "insurer": (
            "insurance", "insurer", "insurance company", "insurance carrier", "state farm",
            "allstate", "farmers insurance", "farmers", "liberty mutual",
            "nationwide insurance", "usaa", "travelers insurance", "american family insurance",
            "erie insurance", "chubb", "the hartford", "safeco", "geico", "metlife", "amica", "assurant",
            "asurion", "squaretrade", "square trade", "homeserve", "home serve",
        ),
        # Taking back what was booked: "call off the appointment" cancels it.
        "cancel": ("cancel", "call off", "called off", "calling off", "cancellation",
                   "cancelation"),
        # Closing the call: nothing more is wanted.
        "goodbye": (
            "bye", "goodbye", "bye bye", "have a good one", "have a nice day",
            "have a good day", "have a great day", "take care", "cheers", "see ya",
            "see you", "talk later", "so long", "that will be it", "that will be all",
            "that is all", "that is it", "that is everything", "that does it",
            "that'll be it", "that'll be all", "that's all", "that's it", "that's everything",
            "i am done", "we are done", "i am all set", "nothing else", "nothing more",
            "all set", "i am good", "we are good", "i'm good", "we're good", "i'm done",
        ),
    },
    "ru": {
        # What something costs the caller: "расценки" ask what "цена" and "стоимость" ask.
        # Not "прайс": a supplier sends its "прайс", a price list of what it sells.
        "price": ("цена", "стоимость", "расценка", "почем", "сколько стоит", "по чем",
                  "сколько будет стоить", "во сколько обойдётся", "во что обойдётся",
                  "по деньгам", "сколько выйдет", "во сколько встанет"),
        # Taking back what was asked for: a request, a visit, a call-out withdrawn.
        "cancel": ("отменить", "отменять", "отмена", "отозвать", "отзывать", "аннулировать",
                   "аннулироваться", "аннулирование"),
        # A collision: a vehicle hit, or hitting something. What it damaged is body work,
        # however it fails since ("дверь не закрывается после того как в меня въехали").
        COLLISION: ("авария", "дтп", "въехать", "врезаться", "столкнуться", "столкновение",
                    "стукнуть", "притереться", "протаранить", "тюкнуть", "долбануть",
                    "разбить машину", "попасть в аварию", "помять"),
    },
}

NEGATED_MEANS: dict[Family, dict[str, str]] = {
    # "I don't want the same technician", "please don't send him again": someone else.
    # "I don't want him back": someone else too.
    "en": {"same": "other", "again": "other", "back": "other"},
    "ru": {},
}

CONCESSIONS: dict[Family, frozenset[str]] = {
    # "the dryer runs fine but the clothes come out damp": what comes after "but" is the
    # point; that something works, said before it, is granted and counts less (`CONCEDED`).
    "en": frozenset({"but", "however"}),
    "ru": frozenset(),
}
GRANTING = frozenset({"working", "great"})
"""The classes that say all is well: what a caller grants before a "but"."""
CONCEDED = 0.5
"""How much "runs fine" counts, said before a "but": half (the dryer it is said of is still
what the message is about, and counts in full)."""


def conceded(terms: tuple[Term, ...], family: Family) -> frozenset[int]:
    """The clauses said before a "but" (not "but not": "humming but not turning" adds a
    symptom, it grants nothing)."""
    words = CONCESSIONS[family]
    return frozenset(terms[i - 1].clause for i, t in enumerate(terms)
                     if i and t.text in words
                     and not (i + 1 < len(terms) and terms[i + 1].negation))


def granted(terms: tuple[Term, ...], family: Family) -> frozenset[int]:
    """The words that grant, before a "but", that something is well ("runs fine")."""
    clauses = conceded(terms, family)
    if not clauses:
        return frozenset()
    return frozenset(i for r in readings(terms, family)
                     if r.cls in GRANTING and terms[r.start].clause in clauses
                     for i in range(r.start, r.end))


_ANSWERS = frozenset({"no", "nor"})
"""Negations that do not turn a clause around: "no" alone is an answer."""


_PERSON_VERBS = frozenset({"send", "want", "come", "have", "let", "need", "see", "allow", "get"})
_PERSONS = frozenset({"him", "her", "them", "he", "she", "they", "guy", "man", "woman",
                      "technician", "tech", "repairman", "person", "fella", "fellow", "dude",
                      "lady", "gal", "guys", "techs", "technicians"})


_SAID_OF_A_PERSON = frozenset({"back"})
"""Turned words that need the person named: "I don't want him back" asks for someone else,
"I don't want my fridge back like this" does not."""


def _of_a_person(terms: tuple[Term, ...], clause: int, named: bool = False) -> bool:
    """A negated clause about someone sent or had ("don't send Kevin again", "I don't want
    the same man"), not about an appliance ("this stove won't light again"); `named`: only
    a word for a person counts, not a verb of sending or having."""
    return any(t.clause == clause and ((t.lemma in _PERSON_VERBS and not named)
                                       or t.text in _PERSONS)
               for t in terms)


_PLEASED = negation.EN_ATTITUDES
"""How a caller may feel about someone: negated ("not happy with the tech"), displeasure."""
_DISPLEASED = frozenset({"unhappy", "uncomfortable", "dissatisfied", "displeased",
                         "disappointed", "upset", "annoyed", "frustrated", "nervous", "uneasy"})
"""Displeasure said in one word: "uncomfortable with that repairman"."""


_ABOUT = frozenset({"with", "about", "of", "having", "at", "the", "a", "that", "this", "your",
                    "those", "these", "all", "one", "new", "last"})
"""Words between a feeling and what it is about: "uncomfortable having that repairman"."""


def _displeased_with_a_person(terms: tuple[Term, ...], i: int,
                              negated_clauses: set[int], persons: frozenset[int]) -> bool:
    """Whether the caller says at `i` they are displeased with a person named after it in the
    clause ("I wasn't happy with the guy you sent", "uncomfortable having that repairman in my
    house"): a complaint about who was sent asks, on a phone line, for someone else (OM-8).
    Displeasure with a thing ("not happy with the repair") is not about a person."""
    t = terms[i]
    if not (t.text in _DISPLEASED or (t.text in _PLEASED and t.clause in negated_clauses)):
        return False
    # What the feeling is about: the first word past the link and its determiner ("with the
    # price the tech gave me" is about the price).
    j = i + 1
    while j < len(terms) and terms[j].clause == t.clause and terms[j].text in _ABOUT:
        j += 1
    return j < len(terms) and terms[j].clause == t.clause \
        and (j in persons or terms[j].text in _PERSONS)


@dataclass(frozen=True)
class Reading:
    """An expression of a class, said at words [start, end) of an utterance."""

    start: int
    end: int
    cls: str
    negated_here: bool = True
    """Whether a negation over these words turns the reading off (a reading that came from
    a negation itself stands)."""


def spans(terms: tuple[Term, ...], family: Family, cls: str) -> frozenset[int]:
    """The words of `terms` that say an expression of class `cls`."""
    return frozenset(i for r in readings(terms, family) if r.cls == cls
                     for i in range(r.start, r.end))


_WORK = frozenset({"fix", "repair", "servic", "sort", "mend", "replac", "instal", "finish",
                   "complet"})
"""English verbs of a repair (as lemmas): their participle asked about is the job done."""
_AUXILIARIES = frozenset({"is", "are", "was", "were", "has", "have", "had", "s", "isn",
                          "does", "do", "did"})
_OPENINGS = frozenset({"hi", "hey", "hello", "so", "um", "uh", "yeah", "oh", "and", "just",
                       "ok", "okay", "well"})
_WANTED = frozenset({"to", "can", "could", "get", "need", "want", "someone", "somebody",
                     "anyone", "anybody", "would", "will"})
"""Words that make a participle a job wanted done ("is there someone to get it fixed")."""


def done_participle(terms: tuple[Term, ...], i: int) -> bool:
    """A participle of a repair in an English yes-or-no question: "is my microwave repaired",
    "has the dryer been serviced", "are we all fixed": whether the job is finished, said
    as the flow's "finished" is; not in a request ("can someone get it fixed")."""
    t = terms[i]
    if t.lemma not in _WORK or not (t.text.endswith("ed") or t.text == "done"):
        return False
    clause = [w for w in terms[:i] if w.clause == t.clause and w.text not in _OPENINGS]
    return bool(clause) and asks_yes_or_no(clause) \
        and not any(w.text in _WANTED or w.negation for w in clause)


EMBEDDED = frozenset({"if", "whether"})
"""Open a yes-or-no question inside a sentence: "just checking if my oven is fixed"."""


def asks_yes_or_no(clause: list[Term]) -> bool:
    """Whether English words (a clause up to some word, openers dropped) ask yes or no:
    opened by an auxiliary ("is it fixed"), or with an "if"/"whether" ("checking if")."""
    return clause[0].text in _AUXILIARIES or any(w.text in EMBEDDED for w in clause)


def key(text: str, family: Family) -> tuple[str, ...]:
    """An expression as the lemmas of its words (fillers dropped): what members match by."""
    return tuple(t.lemma for t in analyse(text, family) if t.text not in FILLERS)


@cache
def members(family: Family) -> dict[str, dict[tuple[str, ...], str]]:
    """First lemma -> {a member's lemmas: its class}."""
    found: dict[str, dict[tuple[str, ...], str]] = {}
    for cls, said in CLASSES[family].items():
        for member in said:
            lemmas = key(member, family)
            if lemmas:
                found.setdefault(lemmas[0], {})[lemmas] = cls
    return found


_INSIDE = frozenset({"ADVB", "PRCL"})
"""What a Russian caller puts inside an expression without changing it: "сколько примерно
стоит", "сколько сейчас стоит", "во сколько же обойдётся"."""
_INSIDE_MAX = 2


def _with_adverbs(terms: tuple[Term, ...], i: int, lemmas: tuple[str, ...]) -> int | None:
    """Where the expression `lemmas` said from `i` ends when adverbs or particles stand
    between its words (at most `_INSIDE_MAX` of them, all in one clause); None if it is not
    said so."""
    j, skipped = i + 1, 0
    for lemma in lemmas[1:]:
        while j < len(terms) and terms[j].lemma != lemma and skipped < _INSIDE_MAX \
                and terms[j].clause == terms[i].clause \
                and forms.parses(terms[j].text)[0].tag.POS in _INSIDE:
            j, skipped = j + 1, skipped + 1
        if j >= len(terms) or terms[j].lemma != lemma or terms[j].clause != terms[i].clause:
            return None
        j += 1
    return j


def readings(terms: tuple[Term, ...], family: Family) -> list[Reading]:
    """The class expressions said in `terms`, longest first where they start alike."""
    by_first = members(family)
    found: list[Reading] = []
    if by_first:
        every = tuple(t.lemma for t in terms)
        for i, term in enumerate(terms):
            for lemmas, said in by_first.get(term.lemma, {}).items():
                n = len(lemmas)
                if every[i:i + n] == lemmas \
                        and term.clause == terms[i + n - 1].clause:
                    found.append(Reading(i, i + n, said))
                elif family == "ru" and n > 1:
                    end = _with_adverbs(terms, i, lemmas)
                    if end is not None:
                        found.append(Reading(i, end, said))
    if family == "en":
        found.extend(Reading(i, i + 1, "finished") for i in range(len(terms))
                     if done_participle(terms, i))
    turned = NEGATED_MEANS[family]
    if turned:
        negated_clauses: set[int] = set()
        persons = frozenset(j for r in found if r.cls == "technician"
                            for j in range(r.start, r.end))
        for i, term in enumerate(terms):
            if term.negation and term.text not in _ANSWERS:
                negated_clauses.add(term.clause)
            opposite = turned.get(term.text)
            if opposite is not None and term.clause in negated_clauses \
                    and _of_a_person(terms, term.clause, term.text in _SAID_OF_A_PERSON):
                found.append(Reading(i, i + 1, opposite, False))
            elif family == "en" and _displeased_with_a_person(terms, i, negated_clauses,
                                                              persons):
                found.append(Reading(i, i + 1, "other", False))
    return found
