"""Words as the understanding layer sees them: lemma, stem, and what kind of word each is.

Russian words are reduced to their dictionary form with pymorphy3 (the process's one analyser,
`forms.analyser()`; its OpenCorpora dictionary ships in the `pymorphy3-dicts-ru` wheel):
"страховку", "страховке" -> "страховка", "дочке" -> "дочка", "хожу" -> "ходить". Snowball
stems cut "замена" to "зам" and leave "хожу"/"ходить" apart; the dictionary knows both. English
has little inflection: the Snowball stem is its lemma ("claims", "claim" -> "claim").

Every word is analysed once per process (`functools.cache`): flow words at load time, callers'
words on first hearing, so a turn costs dictionary look-ups, not morphology.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import snowballstemmer
from lemminflect import getAllLemmas

from voicebot.language import colloquial, forms

Family = Literal["en", "ru"]

SNOWBALL: dict[Family, str] = {"en": "english", "ru": "russian"}

# Letters and digits of any script (\w minus the underscore), or a mark that ends a clause.
_PIECE = re.compile(r"[^\W_]+|[.,;:!?()\u2014\u2013]")
_WORD = re.compile(r"[^\W_]+")

NEGATIONS: dict[Family, frozenset[str]] = {
    "en": frozenset({"not", "no", "never", "without", "nor", "neither", "nothing"}),
    "ru": frozenset({"не", "нет", "ни", "без", "нету", "ничего", "никакой", "никакого",
                     "никакая", "никакие", "никаких"}),
}
CLAUSE_WORDS: dict[Family, frozenset[str]] = {
    # A new clause starts at these: "not urgent but please call", "не срочно, а важно".
    "en": frozenset({"but", "however", "although", "though", "because"}),
    "ru": frozenset({"но", "а", "однако", "зато", "потому", "хотя"}),
}
def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_FUNCTION = _listed("""
a an the to of in on at for from by with about as into onto over under than then so and or
if is am are was were be been being do does did has have had having will would
shall should can could may might must ll ve re d s m t uh um umm hmm er ah eh mm oh just
like really actually basically please kind sort that this these those which what
who whom whose also too very
""")
"""English words that carry no meaning of their own in an answer."""
FILLERS = frozenset({"uh", "um", "umm", "hmm", "er", "ah", "eh", "mm", "ну", "вот", "ээ", "эээ",
                     "мм", "ммм", "типа", "короче"})
"""Sounds and words that fill a pause; never part of what a phrase means."""
_EN_PRONOUNS = _listed("""
i me my mine myself we us our ours you your yours yourself yourselves he him his she her it its
they them their
""")
_EN_YOU = frozenset({"you", "your", "yours", "yourself", "yourselves", "ya", "u"})
_EN_ANSWERS = frozenset({"thanks", "thank", "sir", "ma", "problem", "way", "worries", "yes",
                         "yeah", "please", "sorry", "okay", "ok"})
_RU_PRONOUNS = frozenset({"я", "ты", "вы", "он", "она", "оно", "мы", "они", "себя", "мой",
                          "твой", "ваш", "наш", "его", "её", "их"})
_RU_FUNCTION_POS = frozenset({"PREP", "CONJ", "INTJ"})
_RU_PARTICLES = frozenset({"же", "ли", "бы", "вот", "ведь", "уж", "то", "ка", "вон", "мол",
                           "дескать", "разве", "неужели", "лишь", "даже", "просто", "ещё"})
"""Particles that change nothing a choice depends on (others, like "тоже", "уже", stay)."""
_RU_KEEP = frozenset({"да", "нет", "ага", "угу", "неа", "конечно", "ладно", "пожалуй", "именно",
                      "точно", "хорошо", "давай", "давайте", "всё", "все", "спасибо"})
"""Russian particles and interjections that are answers in themselves."""
_RU_EXTRA_FUNCTION = frozenset({"ну", "вот", "это", "так", "вообще", "короче", "типа", "ээ",
                                "эээ", "мм", "ммм", "алло", "пожалуйста", "повод", "насчёт",
                                "насчет", "счёт"})
# Irregular English forms the stemmer leaves apart; recognizers also write these.
_EN_IRREGULAR = {"won": "will", "isn": "is", "aren": "are", "wasn": "was", "weren": "were",
                 "don": "do", "doesn": "does", "didn": "did", "hasn": "has", "haven": "have",
                 "hadn": "had", "couldn": "could", "wouldn": "would", "shouldn": "should",
                 "ca": "can", "wo": "will", "cannot": "can"}
_CONTRACTED = frozenset({"won", "isn", "aren", "wasn", "weren", "don", "doesn", "didn", "hasn",
                         "haven", "hadn", "couldn", "wouldn", "shouldn", "can", "ain"})

_EN_UNAPOSTROPHED: dict[str, tuple[str, ...]] = {
    written: (written[:-len(tail)], tail)
    for written, tail in (
        ("dont", "t"), ("doesnt", "t"), ("didnt", "t"), ("isnt", "t"), ("arent", "t"),
        ("wasnt", "t"), ("werent", "t"), ("hasnt", "t"), ("havent", "t"), ("hadnt", "t"),
        ("couldnt", "t"), ("wouldnt", "t"), ("shouldnt", "t"), ("wont", "t"), ("cant", "t"),
        ("aint", "t"), ("thats", "s"), ("whats", "s"), ("theres", "s"), ("heres", "s"),
        ("wheres", "s"), ("hows", "s"), ("im", "m"), ("youre", "re"), ("theyre", "re"),
        ("ive", "ve"), ("youve", "ve"), ("weve", "ve"), ("theyve", "ve"), ("thatll", "ll"),
        ("itll", "ll"), ("youll", "ll"), ("hes", "s"), ("shes", "s"))}
"""Contractions a recognizer writes without their apostrophe, as the words written with it
split into: "dont" is "don" + "t" (a negation), "thats" is "that" + "s". Left out where the
word without an apostrophe is a word of its own: "its", "well", "were", "ill", "id", "hell"."""

_EN_SPOKEN: dict[str, tuple[str, ...]] = {
    "nope": ("no",), "nah": ("no",), "naw": ("no",), "yep": ("yes",), "yup": ("yes",),
    "wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("got", "to"),
    "hafta": ("have", "to"), "lemme": ("let", "me"), "gimme": ("give", "me"),
    "kinda": ("kind", "of"), "sorta": ("sort", "of"), "dunno": ("don", "t", "know"),
    "cuz": ("because",), "coz": ("because",), "cos": ("because",), "thx": ("thanks",),
    "pls": ("please",), "plz": ("please",), "ya": ("you",), "u": ("you",), "ur": ("your",),
}
"""Spoken English as a recognizer writes it, as the words it stands for: "nah" is the "no" a
flow lists, "wanna fix" is "want to fix" (a request, `focus`), "dunno" is "don't know"."""

_RU_ENDING = re.compile(r"[аеиоуыэюяйь]+$")
"""A dictionary form's ending: what is left is the stem the prefix rule compares
("страховой" -> "страхов", a prefix of "страховк"); Snowball on every word heard costs a
quarter of a millisecond in Russian, the dictionary form is already known."""

_stem_lock = threading.Lock()


@cache
def _stemmer(family: Family) -> Any:
    return snowballstemmer.stemmer(SNOWBALL[family])


def stem(word: str, family: Family) -> str:
    # Snowball stemmer objects keep state between calls: not safe to share between threads.
    with _stem_lock:
        result: str = _stemmer(family).stemWord(word)
    return result


def normalise(text: str) -> str:
    """Lower case, with ё read as е (callers and recognizers write both)."""
    return text.lower().replace("ё", "е")


def words(text: str) -> tuple[str, ...]:
    """The words of `text`, lower-cased, punctuation dropped."""
    return tuple(_WORD.findall(normalise(text)))


@dataclass(frozen=True, slots=True)
class Lexeme:
    """What one written word is, independent of where it stands."""

    lemma: str
    stem: str
    function: bool
    """Means nothing alone ("по", "the", "um"): ignored when comparing meaning."""
    pronoun: bool
    negation: bool
    verb: bool
    addressee: bool = False
    """Speaks to the listener: "you", "вы", "ваш", "назовите" (an imperative)."""
    known: bool = False
    """A dictionary word (Russian): a recognizer's misspelling is not one, so only unknown
    words are compared by spelling."""
    lacking: bool = False
    """Can be what "нет"/"no" says is missing: a noun ("нет сигнала", "no ice"), not a verb
    or pronoun after an answer ("нет, запишите другой", "no I want prices")."""
    asking: bool = False
    """A question word ("почему", "где", "зачем"): a closed class, matched by itself only,
    never by a shared stem or spelling ("почему" is not "почём")."""


@cache
def lexeme(word: str, family: Family) -> Lexeme:
    if family == "ru":
        return _russian(word)
    return _english(word)


_SPOKEN_REFLEXIVE = re.compile(r"(?:ться|тся|цца|ца)$")


def _reflexive_as_spoken(word: str) -> Any:
    """The dictionary's reading of a reflexive verb a recognizer wrote as it sounds:
    "отключица", "записатся" for "отключиться", "записаться" ("-ться" and "-тся" both sound
    "-цца"). None for a word the dictionary knows, or one no such spelling makes a verb."""
    if _SPOKEN_REFLEXIVE.search(word) is None or forms.parses(word)[0].is_known:
        return None
    stem = _SPOKEN_REFLEXIVE.sub("", word)
    for ending in ("ться", "тся"):
        parse = forms.parses(stem + ending)[0]
        if parse.is_known and parse.tag.POS in ("VERB", "INFN"):
            return parse
    return None


def _russian(word: str) -> Lexeme:
    if word in NEGATIONS["ru"]:
        return Lexeme("нет" if word == "нету" else word, word, False, False, True, False)
    parse = _reflexive_as_spoken(word) or forms.parses(word)[0]
    lemma = parse.normal_form.replace("ё", "е")
    pos = parse.tag.POS
    function = (pos in _RU_FUNCTION_POS and lemma not in _RU_KEEP and word not in _RU_KEEP) \
        or lemma in _RU_EXTRA_FUNCTION or word in _RU_EXTRA_FUNCTION or word in _RU_PARTICLES
    addressee = lemma in ("ты", "вы", "твой", "ваш") or parse.tag.mood == "impr" \
        or (pos == "VERB" and parse.tag.person == "2per")
    # A question word does not inflect: its last letters are no ending, and stripped,
    # "почему" (why) would have the stem of "почём" (how much).
    asking = "Ques" in parse.tag
    root = lemma if asking else _RU_ENDING.sub("", lemma) or lemma
    return Lexeme(lemma, root, function, lemma in _RU_PRONOUNS,
                  False, pos in ("VERB", "INFN", "PRED"), addressee,
                  parse.is_known,
                  pos in ("NOUN", "ADJF", "NUMR") and parse.tag.case == "gent", asking)


def _english_base(word: str) -> str:
    """The dictionary form of an English word: the word itself when it is one ("range",
    "left", "broke"), else a verb's infinitive ("rang" -> "ring"), else a noun's singular."""
    found = getAllLemmas(word)
    if not found or any(word in forms for forms in found.values()):
        return word
    # A plural of -f/-fe is that noun's, not a rare verb's: "thieves" are thieves, though
    # "to thieve" exists ("knives", "shelves" alike; "leaves" stays the verb).
    if word.endswith("ves") and "NOUN" in found and found["NOUN"][0].endswith(("f", "fe")):
        return str(found["NOUN"][0])
    for pos in ("VERB", "AUX", "NOUN"):
        if pos in found:
            return str(found[pos][0])
    return str(next(iter(found.values()))[0])


def unknown_english(word: str) -> bool:
    """An English word the dictionary does not know: after "it's" at a message's start, a
    name ("it's hannah", "it's priya") rather than a state ("it's leaking")."""
    return not getAllLemmas(word)


def describes(word: str) -> bool:
    """An English word that can be a verb, adjective or adverb ("jammed", "broken", "frank"):
    what follows "it's" as a state, not as a name."""
    return bool({"VERB", "ADJ", "ADV"} & set(getAllLemmas(word)))


def _english(word: str) -> Lexeme:
    if word in NEGATIONS["en"]:
        return Lexeme(word, word, False, False, True, False)
    base = _EN_IRREGULAR.get(word, word)
    irregular = _english_base(base)
    root = stem(irregular, "en")
    # An irregular form's stem is its lemma's: "rang" must not stem-match "range".
    return Lexeme(root, root if irregular != base else stem(word, "en"), base in _EN_FUNCTION,
                  base in _EN_PRONOUNS, False, False,
                  base in _EN_YOU, False, base not in _EN_FUNCTION and base not in _EN_PRONOUNS
                  and base not in _EN_ANSWERS and _nameable(base))


def _nameable(word: str) -> bool:
    """A word "no" can say is missing: one that can be a noun or adjective ("no ice", "no
    good"), or one the dictionary does not know; a verb only is said after the answer "no"
    ("no, forget it", "no send someone else")."""
    found = getAllLemmas(word)
    return not found or bool({"NOUN", "ADJ", "PROPN"} & set(found))


@dataclass(frozen=True, slots=True)
class Term:
    """A word where it stands in an utterance or phrase."""

    text: str
    lexeme: Lexeme
    clause: int
    """Which clause of the utterance the word is in (punctuation and "but"/"но" separate)."""

    @property
    def lemma(self) -> str:
        return self.lexeme.lemma

    @property
    def content(self) -> bool:
        return not self.lexeme.function

    @property
    def negation(self) -> bool:
        return self.lexeme.negation


_NOT = Lexeme("not", "not", False, False, True, False)


_RU_HYPHENATED = re.compile(r"(?<=[а-я])-(?=(?:то|либо|нибудь)\b)")
"""The particle of "что-то", "кто-нибудь": part of its pronoun, never "ТО" (a service)."""
_RU_NOT = "не"


def _split_not(piece: str) -> str | None:
    """A recognizer's "небудет", "неработает": "не" written onto a word the dictionary knows
    as a verb, while the whole is no word ("небольшой", "нельзя" are words and stay)."""
    if len(piece) < 5 or not piece.startswith(_RU_NOT):
        return None
    whole = forms.parses(piece)[0]
    if whole.is_known:
        return None
    rest = forms.parses(piece[2:])[0]
    return piece[2:] if rest.is_known and rest.tag.POS in ("VERB", "INFN", "PRED") else None


def analyse(text: str, family: Family) -> tuple[Term, ...]:
    """The words of `text` in order, each analysed; in Russian "что-то" is one word, a
    verb with "не" written onto it two ("небудет" is "не будет"), and everyday words and
    formulas are read as the standard words they stand for (`colloquial`)."""
    found: list[Term] = []
    clause = 0
    text = normalise(text)
    if family == "ru":
        text = colloquial.rewrite(_RU_HYPHENATED.sub("", text))
    pieces = _PIECE.findall(text)
    if family == "en":
        pieces = [p for piece in pieces
                  for p in _EN_UNAPOSTROPHED.get(piece, _EN_SPOKEN.get(piece, (piece,)))]
    for piece in pieces:
        if not piece[0].isalnum():
            clause += 1
            continue
        if piece in CLAUSE_WORDS[family]:
            clause += 1
        standard = None if family != "ru" else colloquial.standard(piece) \
            or colloquial.standard(lexeme(piece, family).lemma)
        if standard is not None:
            # "стиралка" is "стиральная машина": the words a flow lists for it.
            found.extend(Term(w, lexeme(w, family), clause) for w in standard)
            continue
        verb = _split_not(piece) if family == "ru" else None
        if verb is not None:
            found.append(Term(_RU_NOT, lexeme(_RU_NOT, family), clause))
            piece = verb
        lex = lexeme(piece, family)
        # "won't", "isn't": the recognizer's apostrophe splits them into "won" + "t".
        if family == "en" and piece == "t" and found and found[-1].text in _CONTRACTED:
            lex = _NOT
        found.append(Term(piece, lex, clause))
    if family == "en":
        found = _en_unpunctuated_clauses(found)
    if family == "ru":
        found = _unpunctuated_clauses(found)
        found = _ru_particles(found)
        # "Не, всё понятно": a "не" that is a clause of its own negates nothing; it is the
        # colloquial "нет".
        found = [Term("нет", lexeme("нет", family), t.clause)
                 if t.text == _RU_NOT and not any(o.clause == t.clause for o in found if o is not t)
                 else t for t in found]
        found = _ni_as_not(found)
    return tuple(found)


_EN_OPINION = frozenset({"guess", "think", "suppose", "hope", "believe", "afraid", "expect"})
_EN_INVERTING = frozenset({"is", "are", "was", "were", "do", "does", "did", "can", "could",
                           "will", "would", "has", "have", "should"})
_EN_QUESTION_SUBJECTS = frozenset({"there", "it", "he", "she", "they", "you", "we", "i", "my",
                                   "your", "the", "this", "that", "anyone", "someone",
                                   "anybody", "somebody"})
_EN_OPENERS = frozenset({"what", "when", "where", "who", "whom", "which", "why", "how", "that",
                         "if", "whether"})


_EN_CLOSING_ADVERBS = frozenset({"here", "there", "today", "yesterday", "already", "again",
                                 "now", "out", "back", "ago", "earlier"})


def _ends_a_statement(word: Term) -> bool:
    """A word a statement may end on before a question is put: a noun or name ("tuesday"), or
    an adverb of time or place; not "not", "rather", a pronoun ("I'd rather not have ...")."""
    return not word.negation and word.text not in _EN_PRONOUNS | _EN_QUESTION_SUBJECTS \
        and (word.text in _EN_CLOSING_ADVERBS or (word.content and _nameable(word.text)
                                                 and word.text != "rather"))


def _en_unpunctuated_clauses(found: list[Term]) -> list[Term]:
    """Clauses a recognizer ran together: "not" and "so" after a verb of opinion stand for a
    whole clause ("i guess not | forget it", where "not" would deny "forget"), and a question
    put after a statement begins at its auxiliary ("the tech was here tuesday | is there
    anything left to do"), unless the clause asks with a question word of its own ("what
    time is it")."""
    out: list[Term] = []
    extra = 0
    for i, t in enumerate(found):
        prev = found[i - 1] if i else None
        nxt = found[i + 1] if i + 1 < len(found) else None
        same = [w for w in found[:i] if w.clause == t.clause]
        if prev is not None and prev.clause == t.clause and t.text in _EN_INVERTING \
                and nxt is not None and nxt.text in _EN_QUESTION_SUBJECTS and len(same) >= 3 \
                and _ends_a_statement(prev) \
                and not any(w.text in _EN_OPENERS for w in same):
            extra += 1
        out.append(Term(t.text, t.lexeme, t.clause + extra) if extra else t)
        if t.text in ("not", "so") and prev is not None and prev.text in _EN_OPINION \
                and nxt is not None and nxt.clause == t.clause:
            extra += 1
    return out


_RU_SUBJECTS = frozenset({"я", "мы", "вы", "ты", "он", "она", "они", "это"})
_RU_LETS = frozenset({"давай", "давайте", "пусть", "пускай"})
"""Words that take a verb after them into their own clause: "давайте перенесём"."""


_RU_JOINING = frozenset({"что", "чтобы", "если", "когда", "как", "и", "или", "пока", "где"})
"""Words that already join a clause to the one before: "хочу, чтобы вы приехали"."""
_RU_BEING = frozenset({"есть", "нет", "нету"})
"""Predicates the dictionary reads as other words first ("есть" as "to eat")."""
_RU_THANKS_WITH = frozenset({"за", "вам", "тебе", "большое", "огромное"})


def _predicate(word: str) -> tuple[bool, bool]:
    """(a verb said as a predicate (a finite verb, "надо", "есть"), an imperative)."""
    if word in _RU_BEING:
        return True, False
    parses = forms.parses(word)
    # "отключите", "позвоните" are imperatives as often as futures: either way a predicate.
    return parses[0].tag.POS in ("VERB", "PRED"), any(
        p.tag.POS == "VERB" and p.tag.mood == "impr" for p in parses)


def _unpunctuated_clauses(found: list[Term]) -> list[Term]:
    """Clauses a recognizer wrote no punctuation between: once a clause has its predicate, a
    new one starts at an imperative ("я никуда не ухожу | приезжайте"), a negated predicate
    ("всё заработало само | не надо приезжать"), a subject pronoun ("меня не будет | я на
    работе"), "давайте"/"пусть", or another finite verb ("не собираюсь | буду ждать", with
    its question word: "я хотел узнать | сколько стоит"); "спасибо" stands apart, and so does
    a "не" said before a subject ("не | я передумал"). Without them "не" reaches across into
    the next clause ("не ... приезжайте" read as "не приезжайте"). A comma the recognizer did
    write is kept; these only add boundaries it left out."""
    starts: set[int] = set()
    has_predicate = False
    for i, t in enumerate(found):
        if i and found[i - 1].clause != t.clause:
            has_predicate = False
        elif i:
            at = _clause_start(found, i, has_predicate)
            if at is not None:
                starts.add(at)
                has_predicate = False
        has_predicate = has_predicate or _predicate_here(found, i)
    if not starts:
        return found
    out: list[Term] = []
    extra = 0
    for i, t in enumerate(found):
        extra += i in starts
        out.append(Term(t.text, t.lexeme, t.clause + extra) if extra else t)
    return out


def _predicate_here(found: list[Term], i: int) -> bool:
    """A predicate: a finite verb, "надо", "есть", or a negative pronoun after its noun
    ("срочности никакой")."""
    t = found[i]
    if t.text in _RU_NONE:
        return i > 0 and forms.parses(found[i - 1].text)[0].tag.POS == "NOUN"
    return (t.lexeme.verb or t.text in _RU_BEING) and _predicate(t.text)[0]


_RU_NONE = frozenset({"никакой", "никакого", "никаких", "никакая"})


def _clause_start(found: list[Term], i: int, has_predicate: bool) -> int | None:  # noqa: PLR0911  one return per kind of boundary
    """Where a clause that begins at or just before `found[i]` starts (`i`, or `i - 1` for
    the question word of its verb), though no mark was written there; None when none does."""
    t, prev = found[i], found[i - 1]
    nxt = found[i + 1] if i + 1 < len(found) and found[i + 1].clause == t.clause else None
    # "спасибо" is said apart: "ничего не нужно | спасибо", "не | спасибо | мы уже решили";
    # "спасибо за помощь" is one.
    if "спасибо" in (t.text, prev.text):
        apart = has_predicate or prev.text == _RU_NOT if t.text == "спасибо" \
            else t.text not in _RU_THANKS_WITH
        return i if apart else None
    if t.text in _RU_SUBJECTS and prev.text not in _RU_JOINING and (
            has_predicate
            # "не, я передумал": a "не" before a subject is the answer "нет".
            or (i == 1 and prev.text == _RU_NOT)
            # After a clause said without a verb: "да какая гарантия | мы его в 2017 брали".
            or forms.parses(prev.text)[0].tag.POS in ("NOUN", "ADJF", "ADJS")):
        return i
    if not has_predicate:
        return None
    verb_next = nxt is not None and nxt.lexeme.verb
    if t.text == _RU_NOT:
        # "не надо", "не приезжайте"; not the complement of "можете не ехать".
        return i if verb_next and nxt is not None \
            and (_predicate(nxt.text)[0] or not _predicate(prev.text)[0]) else None
    if t.text in _RU_LETS:
        return i if verb_next or t.text in ("давай", "давайте") else None
    if not (t.lexeme.verb or t.text in _RU_BEING) or prev.text in _RU_LETS \
            or prev.text in _RU_JOINING:
        return None
    predicate, imperative = _predicate(t.text)
    if imperative:
        return i if prev.text not in (_RU_NOT, "вы") else None
    if not predicate or (i > 1 and found[i - 2].text in _RU_LETS):
        return None
    # Another finite verb: its clause begins at the question word said a few words before
    # it ("подскажите | когда мою ладу отремонтируют"), or at the verb itself when it follows
    # the first straight on ("не собираюсь | буду ждать"); elsewhere the start is not known.
    for k in range(i - 1, max(i - 6, 0), -1):
        said = found[k]
        if said.clause != t.clause or _predicate_here(found, k):
            break
        if said.text in _RU_QUESTION_STARTS:
            conceding = any(o.text in ("бы", "ни") for o in found[k + 1 : i])
            return None if conceding else k
    return i if _predicate_here(found, i - 1) else None


_RU_QUESTION_STARTS = frozenset({"кто", "что", "когда", "где", "куда", "откуда", "почему",
                                 "зачем", "сколько", "как", "какой", "какая", "какое", "какие"})


_RU_CONCESSIVE = frozenset({"что", "как", "кто", "где", "куда", "сколько", "когда", "чего"})
"""Words after which "ни" concedes ("как ни звоню" - however often I call)."""


def _ni_as_not(found: list[Term]) -> list[Term]:
    """"меня ни будет", "ни работает": a recognizer writes the unstressed "не" before a
    verb as "ни"; "ни" before a verb with no second "ни" in the clause (not "ни туда ни
    сюда", "ни за что", "ни у кого", nor the "ни" of "что ни делаю", "как ни звоню",
    "сколько бы ни стоило") is that "не"."""
    turned = list(found)
    for i, t in enumerate(found[:-1]):
        nxt = found[i + 1]
        if t.text == "ни" and nxt.clause == t.clause and nxt.lexeme.verb \
                and not (i and found[i - 1].text in _RU_CONCESSIVE) \
                and not (i > 1 and found[i - 1].text == "бы"
                         and found[i - 2].text in _RU_CONCESSIVE) \
                and sum(1 for o in found if o.text == "ни" and o.clause == t.clause) == 1:
            turned[i] = Term(_RU_NOT, lexeme(_RU_NOT, "ru"), t.clause)
    return turned


_RU_QUESTION_WORDS = frozenset({"кто", "что", "как", "какой", "откуда", "куда", "где", "зачем",
                                "почему", "ладно"})


def _ru_particles(found: list[Term]) -> list[Term]:
    """A "да" said straight into a negation or an exclamation is a particle, not a yes: "да
    нет, всё", "да не, не надо" answer no, "да кто ж его знает", "да ладно" say nothing.
    Only a "да" with a pause after it (its own clause) or before other words answers yes."""
    kept: list[Term] = []
    for i, t in enumerate(found):
        after = found[i + 1] if i + 1 < len(found) else None
        if t.text == "да" and after is not None and after.clause == t.clause \
                and (after.text in (_RU_NOT, "нет") or after.lemma in _RU_QUESTION_WORDS):
            continue
        kept.append(t)
    return kept
