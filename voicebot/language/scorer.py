"""Scoring what was said against every candidate of a question, instead of "first listed wins".

A candidate (an `ask` choice, a quote service, a `not_service` reason, a yes or a no) has
patterns: `words` (keywords and short phrases, all of whose words must be said, in order) and
`examples` (whole utterances as a flow author imagines them, of which enough of the meaningful
words must be said, in any order). Each pattern that is heard scores in [0, 1]:

- a `words` pattern scores by its length (a longer phrase is more specific: "сколько стоит
  подключение" is about the price, not the contract) times how well each word was heard
  (same lemma 1.0, same stem 0.95, one stem extending the other 0.9, a near spelling
  0.6-0.95);
- an `examples` pattern scores by the share of its meaningful words heard, each weighted by how
  specific it is to its candidate within the question (a word every candidate's examples use,
  like "calling", says little);
- a pattern whose words were said under a negation ("не срочно") does not count, unless the
  pattern carries the negation itself ("не работает").

A candidate's score combines its best two patterns. A candidate with examples also has a
**profile**: every word its words and examples use, each weighted by how specific it is to the
candidate within the question (a word no other candidate uses weighs 1, one every candidate
uses 0). The words of an answer that are in a profile add up, whatever sentence they came
from: "where's my new compressor" says "compressor" (an example of the parts choice) and
"new", though no single example is half heard. A profile alone is weaker than a keyword (one
specific word 0.45, two 0.7, three 0.83), and it adds to the patterns' score when both speak.

The verdict ranks candidates and gives the best a confidence: its score, less a quarter of the
runner-up's (two strong candidates mean the caller may have meant either).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Generic, Literal, TypeVar

from voicebot.language import (
    breakdown,
    focus,
    forms,
    fuzzy,
    idioms,
    installing,
    negation,
    numbers,
    speaker,
    usage,
)
from voicebot.language.lemmas import FILLERS, Family, Term, analyse, lexeme

K = TypeVar("K", bound=Hashable)

PatternKind = Literal["words", "example"]

MAX_GAP = 4
"""Words allowed between two words of a `words` phrase."""
SAME_STEM = 0.95
"""How well a word matches another of the same stem; a stem extending another matches less."""
PREFIX_MIN = 5
"""Stems this long or longer match a longer stem they start ("страхов" and "страховк")."""
PREFIX_MAX = 32
"""Longer than any word a caller says: a stem's starts are indexed up to this length, so a
flow file's (or a recognizer's) absurdly long "word" costs linear time, not quadratic."""
EXAMPLE_SHARE = 0.45
"""The weighted share of an example's meaningful words that must be heard for it to count."""
START = 3
"""Letters a dictionary word shares with a flow's word before their spellings are compared."""
SEEN_LIMIT = 20_000
"""Words whose matches one question remembers."""
JOIN_SLACK = 2
"""Letters a word may differ in length from two words joined to count as them."""
FLOOR = 0.3
ANSWER_INSIDE = 0.6
"""The share an example counts for when every meaningful word of a short answer is in it."""
"""Below this a candidate was not heard at all."""
DIMINUTIVE = re.compile(r"(?<=[а-я]{3})[оеё]чк(?=[а-я])")
"""The Russian diminutive suffix -очк-/-ечк- of a noun in -к- ("заяв-оч-ка" for "заяв-ка")."""
DIMINISHED = 0.9
"""How well a diminutive matches its plain word: the same thing, said warmly."""
RU_PREFIXES = ("под", "пере", "за", "от", "при", "вы", "до", "раз", "рас", "по", "на")
"""Verb and noun prefixes that leave a word's root (and most of its meaning) alone."""
AGENT = re.compile(r"(?<=[а-я]{4})(?:щик|чик|ник)$")
"""The Russian suffix of a person who does a thing: "жестян-щик", "шиномонтаж-ник"."""
AGENT_QUALITY = 0.85
"""How well the doer matches the thing done: asking for the body man is asking for body work."""
PREFIXED = 0.7
ASPECT = re.compile(r"([а-я]{3,}?)(ывать|ивать|ать)(ся|сь)?")
"""A Russian imperfective infinitive: its root, its suffix, and "-ся" if it has one."""
GOING = re.compile(r"([а-я]{1,5}?)(о?йти|ходить)(сь|ся)?")
"""A prefixed Russian verb of going, "у-йти" / "у-ходить", "по-дойти" / "под-ходить"."""
CARRYING = re.compile(r"([а-я]{1,5}?)(нести|носить|вести|водить)(сь|ся)?")
"""A prefixed Russian verb of carrying or leading, "в-нести" / "в-носить", "пере-нести" /
"пере-носить", "про-вести" / "про-водить": its aspects differ in root too."""
ASPECT_QUALITY = 0.9
"""How well a verb matches its other aspect: the same act, seen as under way or as done."""
"""How well a prefixed word matches its root's word."""
PROFILE_RATE = 0.6
"""How fast a profile's evidence grows with the specific words heard: 1 - exp(-rate * sum)."""
PROFILE_ALONE = 0.85
"""What a Russian candidate's profile counts for when none of its patterns was heard (in an
ask's choices; a voicemail's services, judged by their confidence, keep their profiles)."""
PROFILE_SHARE = 0.3
"""How much the weaker of profile and patterns adds to the stronger when both are heard."""
SYMPTOM_WEIGHT = 0.75
"""With `things_first`: a phrase that describes what is wrong weighs this much against one
that names the appliance or part ("my dryer's drum won't turn" is about the dryer)."""


BREAKDOWN = ("поломка", "неисправность")
"""A flow's words for a breakdown of the caller's thing, the first a menu lists being the one
a breakdown said in other words is heard as."""

INSTALLATION = ("установка", "монтаж")
"""A flow's words for installing an appliance, the first a menu lists being the one a request
to put one in, in other words ("поставить варочную панель"), is heard as."""

TECHNICAL = "технический"
"""A flow's word for a technical question: one that asks why a thing does what it does
("почему педаль проваливается") is heard as it."""

JOB = ("трудоустройство", "вакансия", "работа")
"""A flow's words for a job a caller asks for, the first a menu lists being the one a job
question in other words ("кем к вам устроиться") is heard as."""

CONTEXT = 0.8
"""How much a candidate counts that heard only what the caller's question is about, not what
it asks ("what does a dryer repair cost" for booking a repair)."""
REASON = 0.7
"""How much a candidate counts that heard only a price the caller judges beside a request
("цены высокие, отключайте нас"): the reason for the request, weaker than an aside, which may
still name what the request is about ("мне поцарапали бампер, хочу записаться")."""
KNOWN_VERB_NEAR = 0.7
"""The least near-spelling match (`fuzzy.quality`) a known Russian verb makes with another."""
_BARE_NO = frozenset({"нет", "неа", "no", "nope", "nah"})
EARLIER = "обращение"
"""A flow's word for a request made on an earlier call ("я звонил вчера")."""
REPAIR = "ремонт"
"""A flow's word for a job done on a thing, which a job asked in other words is heard as."""
WAITING = 0.6
"""The weight of the rest of an answer that said something to the person on the line about
them ("you people are useless, just book the visit"): it waits until that is answered."""


HOW_TO = 0.7
"""A how-to question ("как" and any infinitive) for a candidate that lists several."""
HOW_TO_SHOWN = 3
"""How many how-to phrases a candidate lists before any other counts for it."""


OTHER_CASE = 0.8
"""How much a phrase "в/на" + noun counts said in the noun's other case: "на ремонт" (where
the car goes) is not "на ремонте" (where it is), though a recognizer may write either."""
_WHERE_OR_WHITHER = frozenset({"в", "во", "на"})


def _cases(word: str) -> set[str]:
    return {str(p.tag.case) for p in forms.parses(word) if p.tag.case}


def _other_case(p: Pattern, found: Evidence, said: tuple[Term, ...]) -> bool:
    """Whether a two-word phrase of "в"/"на" and a noun was heard with the noun in its other
    case: the location (prepositional) for the direction (accusative), or back."""
    if len(p.terms) != 2 or p.terms[0].text not in _WHERE_OR_WHITHER \
            or said[found.start].text not in _WHERE_OR_WHITHER:
        return False
    wanted, heard = _cases(p.terms[1].text), _cases(said[found.end - 1].text)
    located = {"loct", "loc2"}
    return bool(wanted and heard) and not wanted & heard and "accs" in wanted | heard \
        and bool(located & (wanted | heard))


def _other_aspect(lemma: str) -> list[str]:
    """The regular other aspects of a Russian verb's lemma: "отказываться" -> "отказаться",
    "оценивать" -> "оценать", "оценить" (only one is a word), "подключать" -> "подключить"
    (or "-нуть": "расторгать" -> "расторгнуть");
    and the prefixed verbs of going, whose aspects differ in root: "уйти" -> "уходить",
    "перейти" -> "переходить" (and back)."""
    going = GOING.fullmatch(lemma)
    if going is not None:
        prefix, root, reflexive = going.group(1), going.group(2), going.group(3)
        if root.endswith("йти"):
            return [prefix + "ходить" + ("ся" if reflexive else "")]
        # "под-ходить" -> "подо-йти", "у-ходить" -> "у-йти".
        joint = "" if prefix[-1] in "аеиоуыэюя" else "о"
        return [prefix + joint + "йти" + ("сь" if reflexive else "")]
    carrying = CARRYING.fullmatch(lemma)
    if carrying is not None:
        prefix, root, reflexive = carrying.group(1), carrying.group(2), carrying.group(3)
        other = {"нести": "носить", "носить": "нести", "вести": "водить", "водить": "вести"}
        turned = other[root]
        return [prefix + turned + (("ся" if turned.endswith("ть") else "сь") if reflexive
                                   else "")]
    found = ASPECT.fullmatch(lemma)
    if found is None:
        return []
    root, suffix, reflexive = found.group(1), found.group(2), found.group(3) or ""
    if suffix in ("ывать", "ивать"):
        return [root + "ать" + reflexive, root + "ить" + reflexive]
    # "расторгать" -> "расторгнуть", "отвергать" -> "отвергнуть", "проникать" -> "проникнуть".
    return [root + "ить" + reflexive, root + "нуть" + reflexive]


SOUND_MIN_LENGTH = 4
"""Flow words this long or longer are found by sound (`_as_heard`)."""
AS_HEARD = 0.85
"""How well a Russian word written as it sounds matches the flow's word that sounds so."""
_UNSTRESSED = str.maketrans({"о": "а", "е": "и", "я": "и"})


def _sound(word: str) -> str:
    """A Russian word as it sounds unstressed: "холодильник" and "халадильник" alike."""
    return word.translate(_UNSTRESSED)


DEVERBAL = 0.8
"""How well a Russian noun of action matches the verb it is made from."""
_NOUN_SUFFIXES = ("ение", "ание", "ка", "а")
_VERB_SUFFIXES = ("иться", "аться", "ить", "ать", "ять", "еть")
ROOT_MIN = 5
"""Roots shorter than this say too little to join a noun to a verb ("плата" and "платить")."""


def _noun_root(lemma: str) -> str | None:
    for suffix in _NOUN_SUFFIXES:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= ROOT_MIN:
            return lemma[:-len(suffix)]
    return None


def _verb_root(lemma: str) -> str | None:
    for suffix in _VERB_SUFFIXES:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= ROOT_MIN:
            return lemma[:-len(suffix)]
    return None


IMPLIED = 0.9
"""How much a word the caller implies (a seller, from "предлагаем") counts against the same
word said."""
CLIPPED = 0.8
"""How well a clipped everyday word matches the long word it is clipped from."""
_CLIPPED = re.compile(r"^([а-я]{6,}?)[оеё]?к(?:а|и|у|е|ой|ою)$")

KINDRED = 0.7
"""How well a Russian word matches another of its family, a prefix or a suffix of making
apart ("проконсультироваться" and "консультация", "жаловаться" and "пожаловаться")."""
_KIN_PREFIXES = ("про", "по", "за", "от", "при", "вы", "до", "раз", "рас", "под", "пере",
                 "на", "об", "о", "у", "с")
_KIN_SUFFIXES = ("ироваться", "ировать", "ация", "ение", "ание", "ика", "иться", "аться",
                 "яться", "еться", "ить", "ать", "ять", "еть", "ция", "ка")


def _kin_roots(lemma: str) -> set[str]:
    """The roots of a Russian lemma with its suffix of making (and any one prefix) taken off,
    at least ROOT_MIN letters long: "консульт" of "проконсультироваться" and "консультация"."""
    # A word that starts with a prefix has its root after it: "по-став-ить" and "по-став-ка"
    # share a short root ("поставил колодки" is no supply), so nothing of it counts.
    bare = {lemma[len(p):] for p in _KIN_PREFIXES
            if lemma.startswith(p) and len(lemma) - len(p) > ROOT_MIN} or {lemma}
    roots: set[str] = set()
    for word in bare:
        for suffix in _KIN_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= ROOT_MIN:
                roots.add(word[:-len(suffix)])
                break
    return roots


MODALS = frozenset({"надо", "нужно", "нужный", "need", "want", "хотеть"})
"""Words after which a verb says what is (not) needed: "не надо переносить" is "don't move
it", not "(the visit is) not needed"."""


WISHES = MODALS | frozenset({"можно", "нельзя", "can", "could",
                             "кто", "что", "где", "куда", "откуда", "когда", "как", "какой",
                             "чей", "зачем", "почему", "сколько"})
"""Words of wanting, needing and being able, and the question words: they say that the
caller asks, not what about, so they are no part of a choice's profile ("можно ли перенести
розетку" is not about the channels because an example of theirs asks "нужна ли приставка";
"с кем поговорить" is not an installation because one asks "кто подключит")."""


_SUBJECTS = frozenset({"кто", "я", "ты", "вы", "мы", "он", "она", "они"})
"""Russian pronouns whose nominative (a phrase's subject) is a role of its own (`_same_role`)."""


def _governs_a_verb(p: Pattern, found: Evidence, terms: tuple[Term, ...]) -> bool:
    """A negated modal phrase ("не надо", "не нужно") whose modal governs a verb said right
    after it, in the same clause ("не надо ничего переносить")."""
    if p.terms[-1].lemma not in MODALS:
        return False
    clause = terms[found.end - 1].clause
    for term in terms[found.end:found.end + 3]:
        if term.clause != clause:
            return False
        if term.lexeme.verb:
            return True
        if not (term.negation or term.lexeme.function or term.lexeme.pronoun):
            return False
    return False


def _specificity(words: int) -> float:
    """What a phrase of this many meaningful words scores when heard whole: a longer phrase
    is more specific ("сколько стоит подключение" is about the price, not the contract)."""
    return 0.75 if words <= 1 else 0.85 if words == 2 else 0.9


_EN_WISHES = frozenset({"want", "need", "like", "wish"})
"""English verbs of wanting, as lemmas: a negation before one is about the wanting."""


def _negates_a_wish(found: Evidence, terms: tuple[Term, ...]) -> bool:
    """A negated English phrase heard across a verb of wanting: "I don't want him working on
    it" does not say "not working"."""
    return any(t.lemma in _EN_WISHES for t in terms[found.start + 1:found.end - 1])


@dataclass(frozen=True)
class Pattern:
    """A flow's phrase or example, analysed once when the flow is loaded."""

    text: str
    kind: PatternKind
    terms: tuple[Term, ...]
    """The words that carry meaning, negations included, in order."""
    family: Family
    weight: float = 1.0
    """How much a match counts against a plain keyword (a menu number said aloud: less)."""
    gap: int = MAX_GAP
    """Words allowed between two of its words (a key said aloud, "option four": one, so a
    claim number said after "number" is no "number four")."""

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # A pattern keys its menu's memos on every hearing: the hash of its fields (every
        # term's lexeme) is worked out once, the same as the dataclass's own.
        return hash((self.text, self.kind, self.terms, self.family, self.weight, self.gap))

    @cached_property
    def looked_up(self) -> frozenset[str]:
        """What each word is found under in a hearing's index (`Menu._where`): a phrase one
        of these was not heard under is not heard."""
        return frozenset(NEG if t.negation else t.lemma for t in self.terms)

    @cached_property
    def saying(self) -> frozenset[str]:
        """The lemmas of its words that say something (no pronoun, no negation): an example
        none of which was heard is not heard at all (`Menu._example`)."""
        return frozenset(t.lemma for t in self.terms
                         if not t.lexeme.pronoun and not t.negation)

    @property
    def meaningful(self) -> bool:
        """Says something beyond pronouns: "I do" alone cannot tell choices apart."""
        return any(not t.lexeme.pronoun for t in self.terms)

    @cached_property
    def negated(self) -> bool:
        return any(t.negation for t in self.terms)

    @property
    def names_a_thing(self) -> bool:
        """No negation and no verb: "dryer", "ice maker", "глушитель", not "won't spin"; nor
        an English phrase that ends in a participle ("leaking"), where one before a noun
        names a kind of the thing ("washing machine")."""
        return not any(t.negation or t.lexeme.verb for t in self.terms) and not (
            self.family == "en" and self.terms[-1].text.endswith("ing"))


def pattern(text: str, family: Family, kind: PatternKind = "words", weight: float = 1.0,
            gap: int = MAX_GAP) -> Pattern:
    every = analyse(text, family)
    if kind == "words":
        # A flow's keyword phrase is taken as written, small words too ("как можно скорее",
        # "по заявке"); only fillers drop out.
        terms = tuple(t for t in every if t.text not in FILLERS)
    else:
        # An example is a whole sentence: what it means is in its content words.
        terms = tuple(t for t in every if t.content)
    if not terms:
        terms = tuple(every)
    return Pattern(text, kind, terms, family, weight, gap)


@dataclass(frozen=True)
class Evidence:
    pattern: Pattern
    start: int
    end: int
    """Index after the last word of the utterance the pattern was heard in."""
    score: float

    def times(self, weight: float) -> Evidence:
        """The same evidence, counting `weight` of what it did (an aside, a reason)."""
        return Evidence(self.pattern, self.start, self.end, self.score * weight)


@dataclass(frozen=True)
class Scored(Generic[K]):
    key: K
    score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Verdict(Generic[K]):
    ranking: tuple[Scored[K], ...]
    """Candidates heard, best first (ties keep the candidates' order)."""
    negated: frozenset[K]
    """Candidates whose words were said only under a negation ("не срочно")."""

    @property
    def best(self) -> Scored[K] | None:
        return self.ranking[0] if self.ranking else None

    @property
    def confidence(self) -> float:
        if not self.ranking:
            return 0.0
        runner_up = self.ranking[1].score if len(self.ranking) > 1 else 0.0
        return max(0.0, self.ranking[0].score - 0.25 * runner_up)

    def confidence_by(self, outcome: Callable[[K], Hashable]) -> float:
        """The confidence with the candidates of one `outcome` taken as one: a runner-up that
        leads where the best does (two choices of a menu for one booking) is no rival."""
        if not self.ranking:
            return 0.0
        best = outcome(self.ranking[0].key)
        runner_up = next((s.score for s in self.ranking[1:] if outcome(s.key) != best), 0.0)
        return max(0.0, self.ranking[0].score - 0.25 * runner_up)

    def score_of(self, key: K) -> float:
        return next((s.score for s in self.ranking if s.key == key), 0.0)


_PARTICLES: dict[Family, frozenset[str]] = {
    "en": frozenset({"up", "back", "out", "down", "off", "over", "away", "around", "in", "on"}),
    "ru": frozenset(),
}
"""English particles of phrasal verbs: "drain backs up" and "following up ... call me back"
share "up" and "back" and nothing else, so alone they are no evidence of a profile."""
_NOT_PREFIX = "\0not "
"""Marks a profile word said under a negation ("не приезжайте")."""
NEG = "\0negation"
"""The index key under which every negation word of an utterance is found."""
ALONE = "\0alone"
"""Marks a negation that covers no word after it: the answer "no" itself."""
_ONE_WORD = frozenset({"нет", "нету", "no", "без", "without"})
"""Negations whose two-word phrases read the same either way: "нет сигнала", "сигнала нет"."""


_REORDERED: dict[int, tuple[tuple[int, ...], ...]] = {
    n: tuple(o for o in itertools.permutations(range(n)) if list(o) != sorted(o))
    for n in (2, 3)}
"""The other orders a phrase of two or three words may be said in."""


@dataclass(frozen=True)
class _Slot:
    """One utterance word, or two written apart that a phrase writes together."""

    start: int
    end: int
    quality: dict[str, float]
    """Vocabulary lemma -> how well this slot matches it."""
    negated: bool


_Heard = dict[str, list[tuple[_Slot, float]]]
_Candidate = tuple[int, K, list[Evidence], float]
"""A candidate's order, key, evidence heard and profile score, before they are ranked."""


class Menu(Generic[K]):
    """The candidates of one question, compiled together once (at flow load time)."""

    def __init__(self, candidates: Sequence[tuple[K, Sequence[Pattern]]], family: Family, *,
                 things_first: bool = False, addressed: Collection[K] = (),
                 profiles: bool = True,
                 context: Mapping[K, Collection[tuple[str, ...]]] = MappingProxyType({})
                 ) -> None:
        self.family = family
        self.things_first = things_first
        self.addressed = frozenset(addressed)
        """Candidates whose words count only in a clause said to the listener ("you are
        useless", not "this useless washer"): who a word is about."""
        self.context = {key: frozenset(phrases) for key, phrases in context.items()}
        """Per candidate, its phrases (as lemmas) that name only what a call is about, not
        what it wants ("dryer" in a dispatcher's choice): `_wanted_first`."""
        # `profiles`: only when the candidates are all the answers there are; a menu judged
        # beside another one (a voicemail's reasons beside its services) cannot tell what is
        # specific to a candidate.
        self.candidates: tuple[tuple[K, tuple[Pattern, ...]], ...] = tuple(
            (key, tuple(p for p in patterns if p.meaningful)) for key, patterns in candidates)
        self._own = tuple(frozenset(patterns) for _key, patterns in self.candidates)
        """Each candidate's patterns, to tell whose a phrase heard by another route is."""
        # Each candidate's lemmas, words and examples together.
        self._lemmas_of = tuple(frozenset(t.lemma for p in patterns for t in p.terms)
                                for _key, patterns in self.candidates)
        self._joined: dict[str, list[Pattern]] = {}
        self._negated_in: dict[Pattern, frozenset[int]] = {}
        self._governed_in: dict[tuple[Pattern, int], frozenset[int]] = {}
        self._denied_in: dict[Pattern, frozenset[int]] = {}
        lemmas: set[str] = set()
        df: dict[str, int] = {}
        for _key, patterns in self.candidates:
            mine: set[str] = set()
            for p in patterns:
                mine.update(t.lemma for t in p.terms)
                if p.kind == "words" and len(p.terms) == 2 and len(p.text.split()) == 2 \
                        and not p.negated:
                    # "ice maker" said as "icemaker": the pair written together is one word.
                    joined = lexeme(p.terms[0].text + p.terms[1].text, family).lemma
                    self._joined.setdefault(joined, []).append(p)
            lemmas |= mine
            for lemma in mine:
                df[lemma] = df.get(lemma, 0) + 1
        count = max(1, len(self.candidates))
        self._weight = {lemma: 1.0 + math.log(count / n) for lemma, n in df.items()}
        self._vocabulary = sorted(lemmas)
        self._by_start: dict[str, list[str]] = {}
        for lemma in self._vocabulary:
            self._by_start.setdefault(lemma[:START], []).append(lemma)
        self._surfaces: dict[str, set[str]] = {}
        for _key, patterns in self.candidates:
            for p in patterns:
                for t in p.terms:
                    self._surfaces.setdefault(t.text, set()).add(t.lemma)
        self._surface_list = sorted(w for w in self._surfaces if len(w) >= fuzzy.MIN_LENGTH)

        self._joined_vocabulary = sorted(self._joined)
        self._seen: dict[str, dict[str, float]] = {}
        self._lemmas = frozenset(lemmas)
        self._by_sound: dict[str, set[str]] = {}
        self._verb_roots: dict[str, list[str]] = {}
        self._kin: dict[str, set[str]] = {}
        self._how_to_patterns: dict[int, Pattern] = {}
        if family == "ru":
            self._russian_indexes()
        # Only a Russian question some answer of which is "не дома" hears where the caller is.
        self._elsewhere = family == "ru" and any(
            p.text == "не дома" for _k, ps in self.candidates for p in ps)
        # Only a question one answer of which asks whether the job is ready (finished) hears
        # other ways of asking after a job in hand (`focus.with_status_asked`).
        self._status_asked = focus.STATUS_WORD[family] in lemmas
        # ... and only one an answer of which is a complaint hears harm the business did.
        self._complaints = family == "ru" and "жалоба" in lemmas
        # ... and one for suppliers hears a firm that offers its goods.
        self._sellers = family == "ru" and "поставщик" in lemmas
        # ... and one that lists a breakdown hears a thing said not to work, unless the thing
        # is one another fault's words name ("сигнал", "картинка" of an outage).
        self._broken = next((w for w in BREAKDOWN if w in lemmas), None) \
            if family == "ru" else None
        self._other_faults, self._others_things = self._elsewhere_than(self._broken)
        # ... and one that lists repair hears a job asked on a thing ("поменять ремень").
        self._mends = family == "ru" and REPAIR in lemmas
        # ... and one that lists a request made before hears a caller who was in touch then.
        self._asked_before = family == "ru" and EARLIER in lemmas
        # ... and one that lists an installation hears an appliance asked to be put in.
        self._installs = next((w for w in INSTALLATION if w in lemmas), None) \
            if family == "ru" else None
        # ... and one that lists a job hears a question about which job there is.
        self._job = next((w for w in JOB if w in lemmas), None) if family == "ru" else None
        # ... and one that lists a technical question hears why a thing does what it does.
        self._technical = family == "ru" and TECHNICAL in lemmas
        self._other_time = family == "ru" and any(
            p.text == "другое время" for _k, ps in self.candidates for p in ps)
        self._takes = tuple(
            frozenset(r.cls for p in ps if p.kind == "example"
                      for r in idioms.readings(p.terms, family))
            for _k, ps in self.candidates)
        """Per candidate, the classes of question its examples ask about its own matter
        ("сколько будет стоить покраска бампера": body work takes its price question)."""
        self._profile = self._profiles() if profiles else {}
        self._idioms = self._idiom_vocabulary()
        # Stems of the vocabulary, and their prefixes, for the stem rule of the old matcher.
        self._by_stem: dict[str, set[str]] = {}
        self._by_prefix: dict[str, set[str]] = {}
        for lemma in lemmas:
            # An English lemma is a stem already (and "rang", the stem of "range", read again
            # as a word is "ring").
            for form in {lemma} if family == "en" else {lexeme(lemma, family).stem, lemma}:
                self._by_stem.setdefault(form, set()).add(lemma)
                for k in range(PREFIX_MIN, min(len(form), PREFIX_MAX)):
                    self._by_prefix.setdefault(form[:k], set()).add(lemma)

    def _elsewhere_than(self, broken: str | None) -> tuple[frozenset[str], frozenset[str]]:
        """What the candidates that do not list `broken` name, less what the candidates that
        list it say too (a complaint's example "машину сделали, а результат не устроил"
        names the car, and so do the breakdown's):

        - the lemmas of the faults of another kind than a breakdown, those with a negated
          phrase ("нет сигнала"): a thing said not to work there is that fault;
        - the one-word things named (no verb): a bumper that cracked (`breakdown.DAMAGE`) is
          body work, the matter of the candidate that names it, not a breakdown of the car.
        """
        if broken is None:
            return frozenset(), frozenset()
        faults: set[str] = set()
        things: set[str] = set()
        own: set[str] = set()
        for (_key, patterns), lemmas in zip(self.candidates, self._lemmas_of, strict=True):
            if broken in lemmas:
                own |= lemmas
                continue
            if any(p.negated for p in patterns):
                faults |= lemmas
            things |= {p.terms[0].lemma for p in patterns if p.kind == "words"
                       and len(p.terms) == 1 and not p.terms[0].lexeme.verb}
        return frozenset(faults - own), frozenset(things - own)

    def _idiom_vocabulary(self) -> tuple[dict[str, dict[str, float]], dict[str, list[Pattern]]]:
        """For each class of equivalent expressions (`idioms`): the vocabulary lemmas a
        reading of it stands for (its one-word members this menu uses), and the menu's phrases
        that are members ("wrapped up", "that's it")."""
        lemmas: dict[str, dict[str, float]] = {}
        phrases: dict[str, list[Pattern]] = {}
        by_first = idioms.members(self.family)
        for first, said in by_first.items():
            for key, member_of in said.items():
                if len(key) == 1 and first in self._lemmas:
                    lemmas.setdefault(member_of, {})[first] = idioms.EQUIVALENT
        for _key, patterns in self.candidates:
            for p in patterns:
                if p.kind != "words":
                    continue
                phrase_of = by_first.get(p.terms[0].lemma, {}).get(tuple(t.lemma for t in p.terms))
                if phrase_of is not None:
                    phrases.setdefault(phrase_of, []).append(p)
        return lemmas, phrases

    def _how_to(self, order: int, used: list[tuple[int, int]]) -> list[Evidence]:
        """A question about using a thing (`used`, from `usage.asked`: "как на чайнике
        подсветку убрать", "можно ли в духовке сушить", "какой объём у морозилки"), where the
        candidate lists several how-to phrases ("как настроить", "как включить"): the flow
        shows that any such question is its own; a little less than its own phrases."""
        p = self._how_to_patterns.get(order)
        if p is None:
            return []
        return [Evidence(p, start, end, HOW_TO) for start, end in used]

    def _use_first(self, heard_by: list[_Candidate[K]], terms: tuple[Term, ...],
                   used: list[tuple[int, int]]) -> list[_Candidate[K]]:
        """A question about using a thing is about the thing, not its fault nor its
        installation: what another candidate heard of the thing inside the question ("можно
        ли в стиралке стирать пуховик" names the washer of a repair example) is context, unless
        it heard the very act asked ("как починить" is the repair's own verb)."""
        clauses = {terms[start].clause for start, _end in used}
        acts = {end - 1 for _start, end in used}

        def aside(e: Evidence) -> bool:
            return terms[e.start].clause in clauses and not acts & set(range(e.start, e.end))

        return [(o, k, ev, p) if o in self._how_to_patterns else
                (o, k, [e.times(CONTEXT) if aside(e) else e
                        for e in ev], p * CONTEXT if all(aside(e) for e in ev) else p)
                for o, k, ev, p in heard_by]

    def _russian_indexes(self) -> None:
        """The flow's words by sound (`_as_heard`), its verbs by root (`_deverbal`) and its
        candidates that list how-to questions (`_how_to`)."""
        for order, (_key, patterns) in enumerate(self.candidates):
            how = [p for p in patterns if p.kind == "words" and len(p.terms) == 2
                   and p.terms[0].text == "как" and usage.infinitive(p.terms[1].text)]
            if len(how) >= HOW_TO_SHOWN:
                self._how_to_patterns[order] = how[0]
        for surface, of in self._surfaces.items():
            # Shorter words than spelling is compared for: only the vowels that sound alike
            # may differ, which leaves a short word ("зовут", "завут") little to mistake.
            if len(surface) >= SOUND_MIN_LENGTH:
                self._by_sound.setdefault(_sound(surface), set()).update(of)
        for lemma in self._lemmas:
            for kin in _kin_roots(lemma):
                self._kin.setdefault(kin, set()).add(lemma)
        for lemma in self._lemmas:
            root = _verb_root(lemma) if lexeme(lemma, self.family).verb else None
            if root:
                self._verb_roots.setdefault(root, []).append(lemma)

    def _profiles(self) -> dict[str, dict[int, float]]:
        """Lemma -> {candidate index: how specific the lemma is to it}, over the candidates
        that have examples (keyword-only and keypad answers have no sentence to learn from)
        and whose words count anywhere (not `addressed` ones)."""
        vocab: list[set[str]] = []
        for _key, patterns in self.candidates:
            # A word an example negates is evidence of its negation only: "не приезжайте"
            # (a cancellation) says nothing for "приезжайте" (a confirmation).
            vocab.append({_NOT_PREFIX + t.lemma if n in self._denied(p) else t.lemma
                          for p in patterns if p.weight >= 1.0 for n, t in enumerate(p.terms)
                          if t.content and not t.lexeme.pronoun and not t.negation
                          and t.lemma not in WISHES})
        count = len(self.candidates)
        df: dict[str, int] = {}
        for mine in vocab:
            for lemma in mine:
                df[lemma] = df.get(lemma, 0) + 1
        profile: dict[str, dict[int, float]] = {}
        for i, (key, patterns) in enumerate(self.candidates):
            if key in self.addressed or not any(p.kind == "example" for p in patterns):
                continue
            # Its `context` words are what a call is about, never a sign of this candidate
            # (they still make another's examples that say them less specific).
            about = {lemma for phrase in self.context.get(key, ()) for lemma in phrase}
            for lemma in vocab[i] - about:
                specific = 1.0 if count < 2 else math.log(count / df[lemma]) / math.log(count)
                if specific > 0:
                    profile.setdefault(lemma, {})[i] = specific
        return profile

    def _profile_scores(self, slots: list[_Slot], terms: tuple[Term, ...]) -> dict[int, float]:
        """Each candidate's profile evidence from the answer's words (one vote a word, not a
        pronoun; a word under a negation votes for the candidates that negate it)."""
        if not self._profile:
            return {}
        best: dict[tuple[int, int], float] = {}
        denied = negation.denied(terms, self.family)
        for slot in slots:
            if NEG in slot.quality or slot.end - slot.start != 1:
                continue
            term = terms[slot.start]
            if not term.content or term.lexeme.pronoun or term.text in _PARTICLES[self.family]:
                continue
            for lemma, q in slot.quality.items():
                said = _NOT_PREFIX + lemma if slot.negated or slot.start in denied else lemma
                for i, specific in self._profile.get(said, {}).items():
                    vote = q * specific
                    if vote > best.get((i, slot.start), 0.0):
                        best[(i, slot.start)] = vote
        total: dict[int, float] = {}
        words: dict[int, int] = {}
        for (i, _word), vote in best.items():
            total[i] = total.get(i, 0.0) + vote
            words[i] = words.get(i, 0) + 1
        # One word alone is a coincidence ("my company"); the words of an answer together are
        # what it says.
        return {i: 1.0 - math.exp(-PROFILE_RATE * s) for i, s in total.items() if words[i] > 1}

    # -- hearing ------------------------------------------------------------------------
    def _quality(self, term: Term) -> dict[str, float]:
        """Vocabulary lemmas `term` may be, each with how well it matches; remembered per
        word (callers' vocabulary repeats), up to a bound."""
        known = self._seen.get(term.text)
        if known is None:
            # A question word is a closed class: it matches only itself.
            known = ({term.lemma: 1.0} if term.lemma in self._lemmas else {}) \
                if term.lexeme.asking else self._match(term)
            if len(self._seen) < SEEN_LIMIT:
                self._seen[term.text] = known
        return known

    def _match(self, term: Term) -> dict[str, float]:
        found: dict[str, float] = {}
        if term.lemma in self._lemmas:
            found[term.lemma] = 1.0
        # An English word's written form says nothing its lemma does not ("rang" is "ring",
        # though it is spelled as the stem of "range").
        # In a fixed order, each lemma at its best match: a set's order changes with the
        # process's hash seed, and so would what two workers hear in one sentence.
        forms = (term.lexeme.stem,) if self.family == "en" else dict.fromkeys(
            (term.lexeme.stem, term.text))
        for form in forms:
            for lemma in self._by_stem.get(form, ()):
                found[lemma] = max(found.get(lemma, 0.0), SAME_STEM)
            if len(form) >= PREFIX_MIN:
                for lemma in self._by_prefix.get(form, ()):
                    found[lemma] = max(found.get(lemma, 0.0), 0.9)
                for k in range(PREFIX_MIN, min(len(form), PREFIX_MAX)):
                    for lemma in self._by_stem.get(form[:k], ()):
                        found[lemma] = max(found.get(lemma, 0.0), 0.9)
        if self.family == "ru" and term.lexeme.known and term.lexeme.verb:
            # A Russian verb the dictionary knows is not the noun its stem extends: "как
            # работает" is not "работа", "проводите" is not "провод".
            found = {lemma: q for lemma, q in found.items()
                     if q >= SAME_STEM or lexeme(lemma, self.family).verb}
        if not found and self.family == "ru":
            found = self._aspect(term) or self._undiminished(term) or self._unprefixed(term) \
                or self._agent(term) \
                or self._deverbal(term) or self._kindred(term) or self._clipped(term) \
                or self._as_heard(term)
        return found or self._near_spelled(term)

    def _near_spelled(self, term: Term) -> dict[str, float]:
        """Vocabulary words spelled near `term` (a recognizer's slip: "insurence")."""
        found: dict[str, float] = {}
        # A word the dictionary does not know may be any misspelling; a known one is compared
        # only with words that start alike ("заявочка" for "заявка"), which keeps a
        # process's first hearing of a sentence cheap.
        near = self._vocabulary if not term.lexeme.known else self._by_start.get(
            term.lemma[:START], [])
        # A verb the dictionary knows, near another only by a letter or two, is another verb:
        # "почистить" is not "починить" (a diminutive is a noun's way).
        least = KNOWN_VERB_NEAR if term.lexeme.known and term.lexeme.verb else 0.0
        for lemma, q in fuzzy.near(term.lemma, near):
            if q >= least:
                found[lemma] = max(q, found.get(lemma, 0.0))
        if self.family == "en":
            # An English lemma is a stem, which cuts a misspelt word where it cuts no real one
            # ("diffrent" and "differ" are far apart): compared as written too.
            for surface, q in fuzzy.near(term.text, self._surface_list):
                for lemma in self._surfaces[surface]:
                    found[lemma] = max(q, found.get(lemma, 0.0))
        return found

    def _as_heard(self, term: Term) -> dict[str, float]:
        """A word a recognizer wrote as it sounds ("халадильник", "марозит", "сливаит"):
        unstressed "о" and "а", "е" and "и" sound alike in Russian, so a word the dictionary
        does not know is compared with the flow's words by sound."""
        if term.lexeme.known:
            return {}
        return dict.fromkeys(self._by_sound.get(_sound(term.text), ()), AS_HEARD)

    def _deverbal(self, term: Term) -> dict[str, float]:
        """A Russian noun made from a flow's verb: "подключение" for "подключить", "установка"
        for "установить", "оплата" for "оплатить" (the action named, the same request)."""
        if term.lexeme.verb or not term.lexeme.known:
            return {}
        root = _noun_root(term.lemma)
        if root is None:
            return {}
        found = dict.fromkeys(self._verb_roots.get(root, ()), DEVERBAL)
        if not found and term.lemma.endswith("ание"):
            # "оценивание" is made from "оценивать", the other aspect of the flow's "оценить".
            found = {lemma: DEVERBAL * ASPECT_QUALITY for lemma in _other_aspect(root + "ать")
                     if lemma in self._lemmas}
        return found

    def _kindred(self, term: Term) -> dict[str, float]:
        """A Russian word of a flow's word's family (`_kin_roots`), which the dictionary knows:
        "проконсультироваться" for "консультация", "жаловаться" for "пожаловаться"."""
        lemma = term.lemma
        if not term.lexeme.known:
            # The commonest slip of written Russian, "-тся" for "-ться" ("проконсультироватся").
            if not term.text.endswith("тся"):
                return {}
            fixed = lexeme(term.text[:-3] + "ться", self.family)
            if not fixed.known:
                return {}
            lemma = fixed.lemma
        found: dict[str, float] = {}
        if lemma in self._lemmas:
            found[lemma] = SAME_STEM
        for root in _kin_roots(lemma):
            for kin in self._kin.get(root, ()):
                if kin != lemma:
                    found.setdefault(kin, KINDRED)
        return found

    def _clipped(self, term: Term) -> dict[str, float]:
        """A long Russian word said short with -к(а) ("техобслужка" for "техобслуживание",
        "маршрутка" for "маршрутное такси"): the word's start, six letters at least, is how a
        flow's word starts."""
        found = _CLIPPED.match(term.text)
        if found is None:
            return {}
        return dict.fromkeys(self._by_prefix.get(found.group(1), ()), CLIPPED)

    def _undiminished(self, term: Term) -> dict[str, float]:
        """A Russian diminutive in -очк-/-ечк- said for a flow's word in -к-: "заявочку" is
        "заявку" (the dictionary guesses "заявочко", too far from "заявка" to be a near
        spelling)."""
        plain = DIMINUTIVE.sub("к", term.text)
        if plain == term.text:
            return {}
        bare = lexeme(plain, self.family)
        return dict.fromkeys(({bare.lemma} & self._lemmas)
                             | self._by_stem.get(bare.stem, set()), DIMINISHED)

    def _agent(self, term: Term) -> dict[str, float]:
        """The one who does a flow's thing, named for it: "жестянщик" for "жестянка",
        "шиномонтажник" for "шиномонтаж" (who the caller is, "я жестянщик", counts only as
        itself: `speaker`)."""
        root = AGENT.sub("", term.lemma)
        if root == term.lemma or len(root) < PREFIX_MIN:
            return {}
        return dict.fromkeys(self._by_prefix.get(root, set()) | self._by_stem.get(root, set()),
                             AGENT_QUALITY)

    def _aspect(self, term: Term) -> dict[str, float]:
        """A Russian verb in the other aspect of a flow's verb: "отказываемся" for
        "отказаться", "подключаем" for "подключить", "отключаюсь" for "отключиться". The
        dictionary gives each aspect a lemma of its own, but a caller who is cancelling says it
        in either. Only the regular pairs (-ывать/-ивать and -ать beside -ать/-ить/-нуть) are made;
        an irregular one ("спрашивать", "спросить") stays apart."""
        if not term.lexeme.verb:
            return {}
        return {lemma: ASPECT_QUALITY for lemma in _other_aspect(term.lemma)
                if lemma in self._lemmas}

    def _unprefixed(self, term: Term) -> dict[str, float]:
        """A Russian word made from a flow's word by a prefix ("заработало" from "работает",
        "подработка" from "работа", "перезвоните" from "звонить"): the same root, a shade of
        meaning apart, so it counts less than the word itself."""
        found: dict[str, float] = {}
        for prefix in RU_PREFIXES:
            rest = term.text[len(prefix):]
            # The dictionary is asked only about a rest that starts like a flow's word: most
            # words a caller says start like none, and a first hearing stays cheap.
            if not term.text.startswith(prefix) or len(rest) < PREFIX_MIN - 1 \
                    or rest[:START] not in self._by_start:
                continue
            bare = lexeme(rest, self.family)
            same = {bare.lemma} & self._lemmas | self._by_stem.get(bare.stem, set())
            for k in range(PREFIX_MIN, len(bare.stem)):
                same |= self._by_stem.get(bare.stem[:k], set())
            for lemma in same:
                found[lemma] = PREFIXED
        return found

    def _slots(self, terms: tuple[Term, ...], said: list[idioms.Reading]) -> list[_Slot]:
        """What each word (and each pair written apart) of the utterance may be."""
        governs = negation.governed(terms, self.family)
        covered = frozenset().union(*governs.values())
        himself = speaker.described(terms) | speaker.for_whom(terms) if self.family == "ru" \
            else frozenset()
        # "is my microwave repaired" asks whether the job is finished: where the menu hears
        # "finished", the participle is that and not the repair it is made from.
        finished = frozenset(r.start for r in said if r.cls == "finished"
                             and idioms.done_participle(terms, r.start)) \
            if self._idioms[0].get("finished") else frozenset()
        slots: list[_Slot] = []
        for i, term in enumerate(terms):
            if i in finished:
                continue
            if not term.content:
                if term.lemma in self._lemmas:
                    slots.append(_Slot(i, i + 1, {term.lemma: 1.0}, i in covered))
                continue
            if term.negation:
                quality = {NEG: 1.0, term.lemma: 1.0}
                if not governs.get(i):
                    quality[ALONE] = 1.0
                slots.append(_Slot(i, i + 1, quality, False))
                continue
            quality = self._quality(term)
            if i in himself:
                # "я монтажник": who the caller is counts as itself, not as "монтаж".
                quality = {lemma: q for lemma, q in quality.items() if q >= SAME_STEM}
            if quality:
                slots.append(_Slot(i, i + 1, quality, i in covered))
        for r in said:
            means = self._idioms[0].get(r.cls)
            if means:
                negated = r.negated_here and any(i in covered for i in range(r.start, r.end))
                slots.append(_Slot(r.start, r.end, means, negated))
        for i in range(len(terms) - 1):
            a, b = terms[i], terms[i + 1]
            if not a.negation and not b.negation and (a.content or b.content):
                # "dish washer" for "dishwasher", "е рип" for "ерип": compared as written, not lemmatised (a
                # made-up word costs the dictionary a guess), exactly or by spelling.
                joined = a.text + b.text
                quality = dict.fromkeys(self._surfaces.get(joined, ()), 0.95)
                if not quality and a.content and b.content \
                        and not (a.lexeme.known and b.lexeme.known):
                    quality = {lemma: q for surface, q in fuzzy.near(joined, self._surface_list)
                               for lemma in self._surfaces[surface]}
                if quality:
                    slots.append(_Slot(i, i + 2, quality, i in covered or i + 1 in covered))
        return slots

    @staticmethod
    def _index(slots: list[_Slot]) -> _Heard:
        """Where each vocabulary lemma was heard: the lookup every pattern starts from."""
        heard: _Heard = {}
        for slot in slots:
            for lemma, q in slot.quality.items():
                heard.setdefault(lemma, []).append((slot, q))
        return heard

    @staticmethod
    def _where(term: Term, heard: _Heard, negated_ok: bool) -> list[tuple[_Slot, float]]:
        if term.negation:
            # Any negation stands for another of its language ("not"/"no"), at a small cost.
            # A negation stands only for itself: "не из-за денег" is not "нет денег".
            return [(s, 1.0) for s, _q in heard.get(NEG, ()) if term.lemma in s.quality]
        found = heard.get(term.lemma, [])
        return found if negated_ok else [(s, q) for s, q in found if not s.negated]

    def _words(self, p: Pattern, heard: _Heard, terms: tuple[Term, ...],
               negated_ok: bool = False) -> Evidence | None:
        # A phrase with a word not heard at all is not said in any order: most of a menu's
        # phrases stop here, before their words are looked for in order.
        if not heard.keys() >= p.looked_up:
            return None
        if len(p.terms) == 1 and p.terms[0].negation:
            # A bare "no"/"нет" choice is the answer no: a negation that says nothing about a
            # word after it. "No warranty on it" and "нет сигнала" are not that answer.
            alone = [(s, q) for s, q in self._where(p.terms[0], heard, True) if ALONE in s.quality]
            if not alone:
                return None
            slot, q = max(alone, key=lambda o: o[1])
            return Evidence(p, slot.start, slot.end, 0.75 * q)
        negated_ok = negated_ok or p.negated
        found = self._in_order(p, p.terms, heard, negated_ok, terms)
        if found is None and self._reorderable(p):
            # Another word order, within one clause: "случай у меня страховой", "сигнала
            # нет", "у вас поработать" (Russian orders three words freely too). It counts a
            # little less.
            for order in _REORDERED[len(p.terms)]:
                turned = self._in_order(p, tuple(p.terms[i] for i in order), heard, negated_ok,
                                        terms)
                if turned is not None \
                        and terms[turned.start].clause == terms[turned.end - 1].clause \
                        and (found is None or turned.score * 0.9 > found.score):
                    found = Evidence(p, turned.start, turned.end, turned.score * 0.9)
        if found is not None and p.negated and (_governs_a_verb(p, found, terms)
                                                or _negates_a_wish(found, terms)):
            return None
        if found is not None and self.family == "ru" and len(p.terms) == 1 \
                and numbers.names_which(terms, found.start):
            # "во втором классе" says which class, not the second option of a menu.
            return None
        if found is not None and self.family == "ru" and _other_case(p, found, terms):
            return Evidence(p, found.start, found.end, found.score * OTHER_CASE)
        return found

    def _reorderable(self, p: Pattern) -> bool:
        if len(p.terms) == 2:
            return not p.negated or p.terms[0].text in _ONE_WORD
        return len(p.terms) == 3 and self.family == "ru" and not p.negated

    def _in_order(self, p: Pattern, wanted: tuple[Term, ...], heard: _Heard,
                  negated_ok: bool, said: tuple[Term, ...]) -> Evidence | None:
        """A phrase's words in order, a few words apart at most; a negated phrase in one
        clause: "не надо ничего переносить, я буду" does not say "не буду"."""
        best: Evidence | None = None
        n = len(wanted)
        base = _specificity(sum(1 for t in wanted if t.content))
        for first, q0 in self._where(wanted[0], heard, negated_ok):
            if not self._same_role(wanted[0], said[first.start]):
                continue
            total, end = q0, first.end
            for term in wanted[1:]:
                q, slot = max(((q, s) for s, q in self._where(term, heard, negated_ok)
                               if end <= s.start <= end + p.gap
                               and self._same_role(term, said[s.start])
                               and (not p.negated
                                    or said[s.start].clause == said[first.start].clause)),
                              key=lambda o: o[0], default=(0.0, first))
                if not q:
                    break
                total, end = total + q, slot.end
            else:
                score = base * total / n * p.weight
                if best is None or score > best.score:
                    best = Evidence(p, first.start, end, score)
        return best

    def _same_role(self, wanted: Term, said: Term) -> bool:
        """Whether a Russian pronoun of a phrase is said in its role: one written as the
        subject ("кто вы": who you are) is not an object or a complement ("кем можно к вам
        устроиться" asks what job, "кто у вас ставит" who does a job)."""
        return self.family != "ru" or wanted.lemma not in _SUBJECTS \
            or wanted.text != wanted.lemma or said.text == said.lemma

    def _joined_words(self, terms: tuple[Term, ...]) -> list[Evidence]:
        """Two-word phrases said as one word ("icemaker" for "ice maker"); compared whole,
        never by prefix ("thankyouforfix" is not "thank you")."""
        covered = negation.scope(terms, self.family)
        found: list[Evidence] = []
        for i, term in enumerate(terms):
            if not term.content or i in covered:
                continue
            near = [(term.lemma, 1.0)] if term.lemma in self._joined else [
                (lemma, q) for lemma, q in fuzzy.near(term.lemma, self._joined_vocabulary)
                # A near spelling of the pair, not one of its words alone: "technician" is
                # 83% like "techniciancame", yet says nothing of "came".
                if abs(len(lemma) - len(term.lemma)) <= JOIN_SLACK]
            for lemma, q in near:
                # Longer than either word of the pair: "option" is not "option one" joined.
                found.extend(Evidence(p, i, i + 1, 0.85 * q) for p in self._joined[lemma]
                             if len(term.text) > max(len(t.text) for t in p.terms) + 1)
        return found

    def _idiom_phrases(self, terms: tuple[Term, ...], said: list[idioms.Reading]
                       ) -> list[Evidence]:
        """The menu's phrases that belong to a class the caller said another member of:
        "that'll be all" for "that's it"."""
        phrases = self._idioms[1]
        if not phrases or not said:
            return []
        covered = negation.scope(terms, self.family)
        found: list[Evidence] = []
        for r in said:
            if r.negated_here and any(i in covered for i in range(r.start, r.end)):
                continue
            # As specific as the longer of the two: "good to go" is a phrase, though the
            # menu's word for it is "finished".
            found.extend(Evidence(p, r.start, r.end, idioms.EQUIVALENT * p.weight
                                  * _specificity(max(len(p.terms), r.end - r.start)))
                         for p in phrases.get(r.cls, ()) if not p.negated
                         and (len(p.terms) > 1 or r.end - r.start > 1))
        return found

    def _own_negation(self, p: Pattern) -> frozenset[int]:
        """The example's words under its own negation (computed once per example)."""
        if not p.negated:
            return frozenset()
        if p not in self._negated_in:
            self._negated_in[p] = negation.scope(p.terms, self.family)
        return self._negated_in[p]

    def _denied(self, p: Pattern) -> frozenset[int]:
        """The words of `p` its negations deny, clause-wide in Russian (`negation.denied`)."""
        if p not in self._denied_in:
            self._denied_in[p] = negation.denied(p.terms, self.family)
        return self._denied_in[p]

    def _negates(self, p: Pattern, n: int) -> frozenset[int]:
        """The words of example `p` that its negation at `n` covers (computed once)."""
        if (p, n) not in self._governed_in:
            self._governed_in[(p, n)] = negation.governed(p.terms, self.family).get(
                n, frozenset())
        return self._governed_in[(p, n)]

    def _example(self, p: Pattern, heard: _Heard, said: frozenset[int] = frozenset(),
                 denied: frozenset[int] = frozenset()) -> Evidence | None:
        """`said`: where the answer's own meaningful words stand; a short answer said wholly
        inside an example ("подтверждаю" in "да, подтверждаю визит") is that example's
        meaning, even though it says less than half of it. `denied`: the answer's words
        under a negation (`negation.denied`): a word the example denies counts only there,
        one it affirms only elsewhere."""
        # Most of a menu's examples share no meaningful word with the answer: they stop here.
        if heard.keys().isdisjoint(p.saying):
            return None
        total = 0.0
        weight = 0.0
        start, end = 10**9, -1
        meaningful = False
        inside: set[int] = set()
        specific = 0.0
        acts = False
        mine = self._denied(p)

        def heard_at(n: int) -> list[tuple[_Slot, float]]:
            # An example's words count only where the caller did not negate them, and the
            # words it negates only where the caller negated them too ("I don't want the
            # same technician again"; "меня дома не будет" is no "я дома").
            term = p.terms[n]
            if term.negation:
                return self._where(term, heard, True)
            return [(s, q) for s, q in self._where(term, heard, True)
                    if (s.negated or s.start in denied) == (n in mine)]

        heard_negated = {n for n in mine if heard_at(n)}
        for n, term in enumerate(p.terms):
            w = self._weight.get(term.lemma, 1.0) * (0.5 if term.lexeme.pronoun else 1.0)
            weight += w
            # Its negation counts only with a word it negates: "не могу подключить" says
            # nothing of "не греет".
            options = heard_at(n)
            if term.negation and not heard_negated & self._negates(p, n):
                options = []
            if options:
                where, q = max(options, key=lambda o: o[1])
                total += w * q
                start, end = min(start, where.start), max(end, where.end)
                meaningful |= not term.lexeme.pronoun and not term.negation
                if not term.lexeme.pronoun and not term.negation:
                    inside.update(range(where.start, where.end))
                    specific = max(specific, self._weight.get(term.lemma, 1.0))
                    acts |= term.lexeme.verb
        if not meaningful or not weight:
            return None
        share = total / weight
        # ... when it says what the caller does ("подтверждаю") or two of its words; one noun
        # alone ("my company") is a coincidence.
        if said and said <= inside and specific > 1.0 and (acts or len(said) > 1):
            share = max(share, ANSWER_INSIDE)
        # Less than about half an example is a coincidence of common words ("моя машина").
        if share < EXAMPLE_SHARE:
            return None
        return Evidence(p, start, end, 0.9 * share * p.weight)

    def _request_first(self, heard_by: list[_Candidate[K]], terms: tuple[Term, ...],
                       denied: frozenset[int]) -> list[_Candidate[K]]:
        """What a Russian caller asks to have done outranks why ("надоело платить за то, что
        не смотрю, хочу отключиться" asks to disconnect, not how to pay): when a candidate
        hears the request ("хочу отключиться", "подключите"), a candidate heard only in
        other clauses scores as context."""
        # Only where two candidates were heard is there anything to rank.
        if self.family != "ru" or sum(1 for _o, _k, ev, p in heard_by if ev or p) < 2:
            return heard_by
        # Only a request some candidate's phrase heard matters: the words of the phrases heard
        # are all that is looked at.
        spans = frozenset(i for _o, _k, ev, _p in heard_by for e in ev
                          if e.pattern.kind == "words" for i in range(e.start, e.end))
        requested = focus.requested(terms, self.family, denied, spans)
        if not requested:
            return heard_by
        clauses = {terms[i].clause for i in requested}

        def hears(evidence: list[Evidence]) -> bool:
            return any(e.pattern.kind == "words" and i in requested
                       for e in evidence for i in range(e.start, e.end))

        def aside(evidence: list[Evidence]) -> bool:
            return bool(evidence) and all(
                terms[i].clause not in clauses for e in evidence for i in range(e.start, e.end))

        if not any(hears(ev) for _o, _k, ev, _p in heard_by):
            return heard_by
        judged = {terms[i].clause for i in range(len(terms)) if focus.price_judged(terms, i)}

        def weight(evidence: list[Evidence]) -> float:
            reason = all(terms[e.start].clause in judged for e in evidence)
            return REASON if reason else CONTEXT

        return [(o, k, [e.times(weight(ev)) for e in ev],
                 p * weight(ev)) if not hears(ev) and aside(ev) else (o, k, ev, p)
                for o, k, ev, p in heard_by]

    def _asked_first(self, heard_by: list[_Candidate[K]], terms: tuple[Term, ...],
                     denied: frozenset[int]) -> list[_Candidate[K]]:
        """What the caller asks outranks what it is about (`focus`). A price or completion
        asked without a request ("is my washer repair finished"): a candidate that did not
        hear the question scores as context. A request beside one ("book a repair, whatever
        it costs"): what any candidate heard of the question does."""
        asked = focus.asked(terms, self.family, denied)
        if not asked:
            return self._request_first(heard_by, terms, denied)

        def hears(evidence: list[Evidence], where: frozenset[int]) -> bool:
            # An example's span is wide: it hears a word only if it has that word itself.
            return any(i in where and (e.pattern.kind == "words"
                                       or terms[i].lemma in {t.lemma for t in e.pattern.terms})
                       for e in evidence for i in range(e.start, e.end))

        requested = focus.requested(terms, self.family, denied)
        if requested:
            # Only when some candidate hears the request: then it is a menu with a booking,
            # and what the caller says of the price is an aside to it, whoever hears it.
            if not any(hears(ev, requested) for _o, _k, ev, _p in heard_by):
                return heard_by
            return [(o, k, [e.times(CONTEXT)
                            if hears([e], asked) else e for e in ev], p)
                    for o, k, ev, p in heard_by]
        # Only when some candidate hears the question: a menu that asks nothing about prices
        # has every candidate judged alike. A candidate whose examples ask that very question
        # of its own matter takes it too: the flow's author says so.
        classes = {r.cls for r in idioms.readings(terms, self.family)
                   if asked.intersection(range(r.start, r.end))}
        # Such a candidate that hears its matter beside the question ("сколько стоит
        # отрихтовать крыло") is asked it: a candidate that heard the question alone hears an
        # aside.
        matter_asked = any(classes & self._takes[o] and not all(hears([e], asked) for e in ev)
                           for o, _k, ev, _p in heard_by)
        context = [(matter_asked and all(hears([e], asked) for e in ev))
                   or (not hears(ev, asked) and not (ev and classes & self._takes[o]))
                   for o, _k, ev, _p in heard_by]
        if all(context):
            return heard_by
        return [(o, k, [e.times(CONTEXT) for e in ev]
                 if aside else ev, p * CONTEXT if aside else p)
                for (o, k, ev, p), aside in zip(heard_by, context, strict=True)]

    def _reranked(self, heard_by: list[_Candidate[K]], terms: tuple[Term, ...],
                  blamed_at: frozenset[int], denied: frozenset[int],
                  used: list[tuple[int, int]], behalf: frozenset[int]) -> list[_Candidate[K]]:
        """What the caller wants before what it is about, each rule in turn (`_*_first`)."""
        heard_by = self._wanted_first(heard_by, terms)
        heard_by = self._topic_first(heard_by, terms)
        heard_by = self._guarantee_ours(heard_by, terms)
        if used:
            heard_by = self._use_first(heard_by, terms, used)
        heard_by = self._asked_first(heard_by, terms, denied)
        complained = any(terms[i].lemma == speaker.COMPLAINT for i in blamed_at
                         if i < len(terms))
        if blamed_at:
            heard_by = self._complaint_first(heard_by, blamed_at, complained)
        if self._complaints and not complained and self._broken is not None and any(
                self._broken in self._lemmas_of[o] and any(e.pattern.kind == "words" for e in ev)
                for o, _k, ev, _p in heard_by):
            heard_by = self._complaint_unsaid(heard_by)
        heard_by = self._reason_after_no(heard_by, terms)
        # Last, each putting all else aside: what is said to the person on the line about
        # them ("listen, you idiot", "как вас зовут") is answered before the request around
        # it (OM-10: the insult is warned first; HL-1: the agent's name is given); and a
        # caller who names the company the job is for ("Nationwide told us to get an
        # estimate": `behalf`, where an insurer or a warranty company is named) is that
        # company's call, whatever they ask for (OM-3).
        heard_by = self._first(heard_by, lambda k, _ev: k in self.addressed)
        if behalf:
            heard_by = self._first(heard_by, lambda _k, ev: any(
                behalf.intersection(range(e.start, e.end)) for e in ev))
        return heard_by

    @staticmethod
    def _first(heard_by: list[_Candidate[K]],
               chosen: Callable[[K, list[Evidence]], bool]) -> list[_Candidate[K]]:
        """When a candidate `chosen` heard something, the others' evidence waits (WAITING)."""
        if not any(ev and chosen(k, ev) for _o, k, ev, _p in heard_by):
            return heard_by
        return [(o, k, ev, p) if chosen(k, ev) else
                (o, k, [e.times(WAITING) for e in ev], p * WAITING)
                for o, k, ev, p in heard_by]

    def _reason_after_no(self, heard_by: list[_Candidate[K]],
                         terms: tuple[Term, ...]) -> list[_Candidate[K]]:
        """"Нет, я работаю до восьми": a bare "no" said first, as a clause of its own, and
        what the caller goes on to say, which another candidate hears: the words after it
        tell which no it is (TS-6: not disabled, but busy), so the bare "no" is CONTEXT."""
        if len(terms) < 2 or terms[0].text not in _BARE_NO or terms[1].clause == terms[0].clause:
            return heard_by
        if not any(any(e.start > 0 for e in ev) and not any(e.start == 0 for e in ev)
                   for _o, _k, ev, _p in heard_by):
            return heard_by
        return [(o, k, [e.times(CONTEXT) if e.end == 1 else e for e in ev], p)
                for o, k, ev, p in heard_by]

    def _complaint_unsaid(self, heard_by: list[_Candidate[K]]) -> list[_Candidate[K]]:
        """A complaint's examples heard where the caller names a fault and blames nobody
        ("машина стала плохо тормозить" beside "после ремонта у вас стало только хуже")
        share only how things got worse: CONTEXT, so the fault itself is what is booked."""
        return [(o, k, [e.times(CONTEXT) if e.pattern.kind == "example" else e for e in ev],
                 p * CONTEXT)
                if speaker.COMPLAINT in self._lemmas_of[o] else (o, k, ev, p)
                for o, k, ev, p in heard_by]

    def _wanted_first(self, heard_by: list[_Candidate[K]],
                      terms: tuple[Term, ...]) -> list[_Candidate[K]]:
        """What the caller wants outranks what it is about. Phrases heard where the caller
        says who pays (`focus.payment_told`: "I'll pay myself" asks no price) count as
        CONTEXT; a candidate's phrases that only name the thing (`context`) do where another
        candidate heard a phrase or an example of its own, and alone they still decide ("my
        dryer quit again")."""
        told = focus.payment_told(terms, self.family)
        if not self.context and not told:
            return heard_by

        def paid(e: Evidence) -> bool:
            return e.pattern.kind == "words" and all(i in told for i in range(e.start, e.end))

        def thing(key: K, e: Evidence) -> bool:
            return e.pattern.kind == "words" \
                and tuple(t.lemma for t in e.pattern.terms) in self.context.get(key, ())

        wanting = {k for _o, k, ev, _p in heard_by
                   if any(not thing(k, e) and not paid(e) for e in ev)}
        return [(o, k, [e.times(CONTEXT)
                        if paid(e) or (thing(k, e) and wanting - {k}) else e for e in ev], p)
                for o, k, ev, p in heard_by]

    def _topic_first(self, heard_by: list[_Candidate[K]],
                     terms: tuple[Term, ...]) -> list[_Candidate[K]]:
        """A question with its topic ("вопрос по электрике", "a question about my bill") is
        about the topic: where a candidate heard a word of it, a candidate that heard only the
        framing noun ("вопрос" of a choice for any question) scores it as CONTEXT."""
        frames, topics = focus.framed(terms, self.family)
        if not frames:
            return heard_by

        def only_frame(e: Evidence) -> bool:
            return e.pattern.kind == "words" and all(i in frames for i in range(e.start, e.end))

        if not any(e.pattern.kind == "words" and e.start in topics
                   for _o, _k, ev, _p in heard_by for e in ev):
            return heard_by
        return [(o, k, [e.times(CONTEXT)
                        if only_frame(e) else e for e in ev], p)
                for o, k, ev, p in heard_by]

    def _guarantee_ours(self, heard_by: list[_Candidate[K]],
                        terms: tuple[Term, ...]) -> list[_Candidate[K]]:
        """A warranty on work our people did (`focus.own_guarantee`) is the business's own
        promise: a candidate that hears only the word "warranty" there (an insurer's) scores
        it as context; the job it is asked of is what the caller is about."""
        own = focus.own_guarantee(terms) if self.family == "en" else frozenset()
        if not own:
            return heard_by

        def only_warranty(e: Evidence) -> bool:
            if e.pattern.kind == "words":
                return all(i in own for i in range(e.start, e.end))
            # An example ("covered by my warranty plan") heard here hears its warranty word.
            return any(i in own for i in range(e.start, e.end)) \
                and any(t.lemma in focus.GUARANTEE for t in e.pattern.terms)

        return [(o, k, [e.times(CONTEXT)
                        if only_warranty(e) else e for e in ev], p)
                for o, k, ev, p in heard_by]

    @staticmethod
    def _complaint_first(heard_by: list[_Candidate[K]], blamed_at: frozenset[int],
                         complained: bool) -> list[_Candidate[K]]:
        """A caller who blames the business ("ваш мастер поцарапал дверь") complains; the part
        and the harm they name are what the complaint is about, so a candidate that did not
        hear the complaint scores them as context (a body job, a fault to book). So does one
        that did not hear another time the caller proposes (`hear`): "я не успею, давайте
        попозже" gives a reason and asks to move the visit."""
        def hears(evidence: list[Evidence]) -> bool:
            return any(e.start in blamed_at for e in evidence)

        if not any(hears(ev) for _o, _k, ev, _p in heard_by):
            return heard_by
        # However many words say what a complaint is about ("после вас гремит в подвеске"),
        # they say one thing: the best of them is the context, with no others to corroborate
        # it. (A breakdown implied is no complaint: "... и у соседки тоже" still says outage.)
        return [(o, k, ev, p) if hears(ev) else
                (o, k, [e.times(CONTEXT)
                        for e in sorted(ev, key=lambda e: -e.score)[:1 if complained else None]],
                 p * CONTEXT)
                for o, k, ev, p in heard_by]

    def hear(self, text: str) -> Verdict[K]:
        terms = analyse(text, self.family)
        if not self._other_time:
            return self.hear_terms(terms)
        # A caller who proposes another time ("давайте попозже", "приходите завтра") asks for
        # it, whatever reason they give (CONTEXT for the reason): the proposal is the matter.
        proposal = speaker.proposed(terms)
        # A caller who says where they are ("до вечера на смене") says why they cannot be
        # home, not which time they ask for, unless they propose one.
        if proposal or not (self._elsewhere and speaker.elsewhere(terms)):
            named = speaker.with_time_named(text, terms)
            # A proposal counts with or without a time a parser can place ("можно на другой
            # день" beside "меня не будет").
            if proposal:
                return self.hear_terms(named, frozenset(
                    [i for i, t in enumerate(terms) if t.clause in proposal]
                    + list(range(len(terms), len(named)))))
            terms = named
        return self.hear_terms(terms)

    def _implied(self, terms: tuple[Term, ...]
                 ) -> tuple[tuple[Term, ...], frozenset[int], frozenset[int]]:
        """`terms` with the plain words a Russian caller implies in other words added (where
        they are, a complaint, a breakdown, an installation, a job, a seller, a question after
        a job in hand), and where the added complaint or breakdown and the seller stand."""
        if self._elsewhere:
            terms = speaker.with_whereabouts(terms)
        # The neighbours' set works ("а у соседей всё показывает"): what the caller says of
        # them only says where the fault is not, and the fault they name is their own.
        fine = speaker.others_fine(terms) if self._broken is not None else frozenset()
        if fine and len({t.clause for t in terms}) > len(fine):
            terms = tuple(t for t in terms if t.clause not in fine)
        blamed = len(terms)
        if self._complaints:
            terms = speaker.with_complaint(terms)
        if fine:
            terms = self._with_word(terms, str(self._broken))
        elif self._broken is not None and len(terms) == blamed:
            # A fault the caller blames on the business is what the complaint is about, not
            # a breakdown of its own to book.
            terms = self._with_breakdown(terms)
        if self._technical and breakdown.why_of_a_thing(terms) and not focus.requested(
                terms, self.family, negation.denied(terms, self.family)):
            # "почему педаль проваливается" asks for an explanation; a caller who asks to
            # have the thing seen to as well ("..., запишите меня") books it.
            terms = self._with_word(terms, TECHNICAL)
        # A complaint, a breakdown or a technical question implied is what the caller says is
        # the matter.
        blamed_at = frozenset(range(blamed, len(terms)))
        # An installation or a job asked for in other words is heard as the flow's word for
        # it, among the rest of what was said.
        if self._installs is not None and installing.asked(terms):
            terms = self._with_word(terms, self._installs)
        if self._mends and breakdown.mending_asked(terms):
            terms = self._with_word(terms, REPAIR)
        if self._asked_before and speaker.called_before(terms):
            terms = self._with_word(terms, EARLIER)
        if self._job is not None and speaker.job_asked(terms):
            terms = self._with_word(terms, self._job)
        sold = len(terms)
        if self._sellers:
            terms = speaker.with_seller(terms)
        sold_at = frozenset(range(sold, len(terms)))
        if self._status_asked:
            terms = focus.with_status_asked(terms, self.family,
                                            negation.denied(terms, self.family))
        return terms, blamed_at, sold_at

    def _with_breakdown(self, terms: tuple[Term, ...]) -> tuple[Term, ...]:
        """`terms`, followed in a clause of their own by the flow's word for a breakdown
        ("поломка") when the caller says a thing of theirs does not work (`breakdown`) and the
        thing is none another fault of the menu names. A thing that fails after a collision
        (`idioms.COLLISION`: "въехали", "после ДТП") was damaged, not broken down: the
        collision is what the caller says is the matter."""
        if idioms.spans(terms, self.family, idioms.COLLISION):
            return terms
        failing = any(terms[s].lemma not in self._other_faults
                      and not (terms[v].lemma in breakdown.DAMAGE
                               and terms[s].lemma in self._others_things)
                      and not breakdown.why_asked(terms, terms[v].clause)
                      for s, v in breakdown.failing(terms))
        # A symptom named by its noun ("при торможении скрежет"), unless a fault of another
        # kind lists it.
        sounding = any(terms[n].lemma not in self._other_faults for n in breakdown.noises(terms))
        if not (failing or sounding):
            return terms
        return self._with_word(terms, str(self._broken))

    def _with_word(self, terms: tuple[Term, ...], word: str) -> tuple[Term, ...]:
        """`terms` followed by a flow's `word` the caller implies, in a clause of its own."""
        return (*terms, Term(word, lexeme(word, self.family), terms[-1].clause + 1))

    def hear_terms(self, terms: tuple[Term, ...],
                   proposed_at: frozenset[int] = frozenset()) -> Verdict[K]:
        """The verdict on `terms`; `proposed_at`: where a caller proposes another time, and
        the words that say so added (`hear`), which outrank a reason as a complaint does."""
        terms, blamed_at, sold_at = self._implied(terms)
        blamed_at |= proposed_at
        said_idioms = idioms.readings(terms, self.family) if any(self._idioms) else []
        slots = self._slots(terms, said_idioms)
        heard = self._index(slots)
        any_negated = any(s.negated for s in slots)
        denied = negation.denied(terms, self.family)
        # What the answer affirms: "я передумал, не приезжайте" affirms only "передумал".
        said = frozenset(i for i, t in enumerate(terms) if t.content and not t.lexeme.pronoun
                         and not t.negation and i not in denied)
        joined = self._joined_words(terms) if self._joined else []
        joined += self._idiom_phrases(terms, said_idioms)
        behalf = frozenset(i for r in said_idioms if r.cls in idioms.ON_BEHALF
                           and not any(j in denied for j in range(r.start, r.end))
                           for i in range(r.start, r.end))
        profiles = self._profile_scores(slots, terms)
        granted = idioms.granted(terms, self.family)
        negated: set[K] = set()
        heard_by: list[_Candidate[K]] = []
        used = usage.asked(terms) if self._how_to_patterns else []
        for order, (key, patterns) in enumerate(self.candidates):
            evidence: list[Evidence] = [e for e in joined if e.pattern in self._own[order]]
            evidence.extend(self._how_to(order, used))
            for p in patterns:
                found = (self._words(p, heard, terms) if p.kind == "words"
                         else self._example(p, heard, said, denied))
                if found is not None:
                    evidence.append(found)
                elif any_negated and p.kind == "words" \
                        and self._words(p, heard, terms, negated_ok=True) is not None:
                    negated.add(key)
            if key in self.addressed:
                spoken_to = {t.clause for t in terms if t.lexeme.addressee}
                evidence = [e for e in evidence if terms[e.start].clause in spoken_to]
            if sold_at:
                # A seller implied, not said: a reason the caller names in words of its own
                # ("хотим предложить вам рекламу" is spam) is more specific.
                evidence = [e.times(IMPLIED)
                            if e.start in sold_at else e for e in evidence]
            if granted:
                evidence = [e.times(idioms.CONCEDED)
                            if granted.intersection(range(e.start, e.end)) else e
                            for e in evidence]
            if self.things_first:
                evidence = [e if e.pattern.names_a_thing else
                            e.times(SYMPTOM_WEIGHT)
                            for e in evidence]
            heard_by.append((order, key, evidence, profiles.get(order, 0.0)))
        heard_by = self._reranked(heard_by, terms, blamed_at, denied, used, behalf)
        ranking: list[tuple[float, int, Scored[K]]] = []
        for order, key, evidence, profile in heard_by:
            evidence = [e for e in evidence if e.score >= FLOOR / 2]
            if not evidence and not profile:
                continue
            evidence.sort(key=lambda e: -e.score)
            top = evidence[0].score if evidence else 0.0
            # Corroboration counts only from other words: "срочное" is one word, even though
            # both "срочно" and "срочный" are listed.
            second = next((e.score for e in evidence[1:]
                           if e.end <= evidence[0].start or e.start >= evidence[0].end), 0.0)
            score = top + (1.0 - top) * 0.5 * second
            if not evidence and self.family == "ru" and not self.things_first:
                # Words that only resemble a candidate's sentences, none of its phrases nor
                # half an example ("посудомойка" and "вода" of an installation example), are
                # weaker than a phrase another candidate heard ("горит ошибка").
                profile *= PROFILE_ALONE
            strong, weak = max(score, profile), min(score, profile)
            score = strong + (1.0 - strong) * PROFILE_SHARE * weak
            if score >= FLOOR:
                ranking.append((-score, order, Scored(key, score, tuple(evidence))))
                negated.discard(key)
        ranking.sort(key=lambda r: (r[0], r[1]))
        return Verdict(tuple(r[2] for r in ranking), frozenset(negated))
