"""Things callers name: phone numbers in the line's own country, and who is calling.

A phone number is read the way people of the line's country dictate it: a Belarusian line
(+375) hears "двадцать девять пятьсот пятьдесят пять ноль один двадцать три" as
+375295550123, a Russian one "восемь девятьсот три ..." and "девятьсот три ..." as +7903...,
an American one "five oh three five five five oh one four three" as +15035550143.

A name is taken from the forms callers use ("Robert here", "this is Dana from ...", "меня
зовут Иван Петрович", "это Марина, брала у вас ...") and only when the words after the cue
look like a name: for Russian, pymorphy3's dictionary must know them as a first name (a
surname or patronymic may follow), so "это Марина, брала" is Марина and "это по поводу
ремонта" names no one. Times and dates are `voicebot.language.spoken_time`.

Why rules and pymorphy3 rather than natasha's NER (measured 2026-12-02 on the 28 Russian name
cases of tests/language/test_entities.py and the voicemail table, a 2-core machine at load
7): natasha 1.6 found 20/28, missing every lower-case recognizer transcript ("это анна хочу
записаться..."), with 1.5 s to load, 1.1 ms a phrase and 205 MB resident; these rules 28/28,
0.8 s, 0.06 ms and about 15 MB for the dictionary. The cases were written with the rules, so
the gap is an upper bound; the lower-case misses are not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence

import phonenumbers

from voicebot.language import forms, lemmas, negation, numbers
from voicebot.language.lemmas import Family

_WORD = re.compile(r"[^\W_]+")
"""Words as `voicebot.flows.words.tokens` finds them."""

# --- phone numbers ------------------------------------------------------------------------------

NATIONAL_LENGTH = {"1": 10, "7": 10, "375": 9, "380": 9, "44": 10}
"""Digits after the country code, for the countries whose numbers are read without a '+'."""
PLUS = frozenset({"plus", "плюс"})
MIN_LOCAL = 7
"""A run shorter than this is a house number, a price or a year, not a phone."""


def line_country(line_numbers: Iterable[str], language: str) -> str:
    """The country code of the line's own numbers ('375' for +375 29 ...), else the language's
    usual one: numbers said without a country code belong to the line's country."""
    for line in line_numbers:
        digits = line.lstrip("+")
        for code in sorted(NATIONAL_LENGTH, key=len, reverse=True):
            if digits.startswith(code) and len(digits) == len(code) + NATIONAL_LENGTH[code]:
                return code
    return "7" if language.startswith("ru") else "1"  # "russian", "ru-RU"


def to_e164(digits: str, plus: bool, country: str) -> str | None:  # noqa: PLR0911  one return per numbering plan's rule
    """E.164 when `digits` make a whole number of `country` as its people dictate it, or
    carry a '+' (then any country); None otherwise."""
    if plus:
        return "+" + digits if 8 <= len(digits) + 1 <= 16 and digits[0] != "0" else None
    national = NATIONAL_LENGTH.get(country)
    if country == "1":
        if len(digits) == 10 and digits[0] in "23456789":
            return "+1" + digits
        if len(digits) == 11 and digits[0] == "1":
            return "+" + digits
    elif country == "7":
        if len(digits) == 11 and digits[0] in "78":
            return "+7" + digits[1:]
        if len(digits) == 10 and digits[0] in "3489":
            return "+7" + digits
    elif country == "375":
        # Belarus: "29 555 01 23" (operator code and seven digits), "8 029 ..." with the
        # long-distance prefix, or "375 29 ..." with the country code but no plus.
        if len(digits) == 9 and digits[0] in "1234":
            return "+375" + digits
        if len(digits) == 11 and digits.startswith("80") and digits[2] in "1234":
            return "+375" + digits[2:]
    elif national is not None and len(digits) == national:
        return "+" + country + digits
    for code, length in NATIONAL_LENGTH.items():
        # The whole international number said without the plus: "375 29 555 01 23".
        if len(digits) == len(code) + length and digits.startswith(code) and code != "1":
            return "+" + digits
    return None


def phone_number(said: Sequence[str], country: str) -> str | None:
    """The phone number said in `said` (tokens): E.164 when it makes a whole number for the
    line's `country`, else its digits (seven or more), else None.

    Runs of dictated digits are read whole first; when one runs on into a number said just
    before ("в пять, восемь девятьсот три ..."), its leading groups are dropped one by one.
    """
    fallback: str | None = None
    for groups in numbers.digit_groups(said):
        plus_before = groups[0].start > 0 and said[groups[0].start - 1] in PLUS
        for skip in range(len(groups)):
            digits = "".join(g.digits for g in groups[skip:])
            if len(digits) < MIN_LOCAL:
                break
            number = to_e164(digits, plus_before and skip == 0, country)
            if number is not None and _assigned(number):
                return number
        whole = "".join(g.digits for g in groups)
        if fallback is None and len(whole) >= MIN_LOCAL:
            fallback = whole
    return fallback


def _assigned(number: str) -> bool:
    """Whether a number of the right length is one its country could have given out
    (libphonenumber's tables: area codes, operator codes). A recognizer that mishears one
    digit of "503 555 0142" writes "535 5500 142", ten digits of no US area: shown as the
    digits heard, it warns the dispatcher; written as +15355500142, it would be dialled."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


def phone_in(text: str, country: str) -> str | None:
    """`phone_number` of a written or transcribed text ("+375 29 555-01-23" keeps its plus)."""
    return phone_number(numbers.tokens(text.replace("+", " plus ")), country)


# --- names --------------------------------------------------------------------------------------

ANYWHERE: dict[str, tuple[tuple[str, ...], ...]] = {
    "english": (("my", "name", "is"), ("my", "name", "s"), ("name", "is"), ("name", "s")),
    "russian": (("меня", "зовут"), ("зовут", "меня"), ("мое", "имя"), ("мое", "имя", "это"),
                ("меня", "звать")),
}
"""Cues that introduce a name wherever they stand."""
NAMED_BY = frozenset({"зовут", "звать"})
"""Russian verbs of being called, after the name: "меня Виталием зовут"."""
CALL_ME = frozenset({"зовите", "называйте", "обращайтесь"})
"""Russian requests to be called something: "зовите (меня) Мариной"."""
AT_START: dict[str, tuple[tuple[str, ...], ...]] = {
    # "it's" only before a name that "here", "from" or "again" follows: "it's leaking" is not one.
    "english": (("this", "is"), ("it", "s"), ("its",), ("i", "m"), ("im",), ("i", "am")),
    "russian": (("это",), ("вас", "беспокоит"), ("беспокоит",), ("звонит",), ("говорит",),
                ("с", "вами", "говорит")),
}
"""Cues that introduce a name only at the start of the message, after a greeting."""
WEAK_EN = frozenset({("it", "s"), ("its",), ("i", "m"), ("im",), ("i", "am")})
AFTER_NAME_EN = frozenset({"here", "speaking", "from", "again", "calling", "at", "with", "of",
                           "my", "our", "we", "i", "im"})
"""Words that show the word before them is a name: "Robert here", "Dana from Acme", and the
start of the message proper ("hi, it's Maria, my oven...": recognizers drop the comma)."""
AFTER_NAME_RU = frozenset({"беспокоит", "звонит", "говорит", "звоню", "беспокою"})
"""Words after a name at the start that show it is the caller's: "Павел беспокоит"."""
GREETINGS = frozenset({
    "hi", "hello", "hey", "yes", "yeah", "good", "morning", "afternoon", "evening", "um", "uh",
    "oh", "ok", "okay", "so", "well", "there", "hiya", "yo",
    "здравствуйте", "здрасте", "здрасьте", "привет", "добрый", "доброе", "день", "вечер", "утро",
    "алло", "але", "да", "ну", "эээ", "ээ", "вечера", "дня", "утра", "слушайте",
})
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mister", "dr", "doctor"})
NOT_NAMES = frozenset({
    # English words that follow "this is" / "my name is" / "it's" without being a name.
    "a", "an", "the", "about", "regarding", "for", "urgent", "my", "your", "our", "calling",
    "call", "i", "im", "m", "and", "from", "at", "with", "to", "in", "on", "of", "is", "it", "s",
    "this", "that", "here", "speaking", "again", "just", "so", "please", "not", "also", "who",
    "what", "we", "me", "you", "re", "company", "customer", "number", "phone", "really", "very",
    "emergency", "important", "regards", "concerning", "but", "or", "if", "as", "t",
    "going", "gonna", "have", "has", "had", "was", "will", "would", "can", "could",
    "dispatcher", "technician", "tech", "office", "manager", "us", "them", "him", "her",
    "been", "being", "still", "there", "broken", "leaking", "working", "done", "out", "off",
    "all", "no", "yes", "ok", "okay", "sorry", "hi", "hello", "thanks",
    "back", "home", "fine", "good", "interested", "looking", "wondering", "trying", "hoping",
    "having", "getting", "sure", "afraid", "glad", "new", "away", "cold", "hot", "freezing",
    "noisy", "loud", "dead", "stuck", "late", "raining", "name",
    # Russian.
    "я", "мне", "меня", "у", "и", "а", "по", "поводу", "насчет", "с", "со", "в", "во", "на",
    "из", "от", "мой", "моя", "мое", "мои", "ваш", "ваша", "вам", "вас", "звоню", "звонил",
    "звонила", "хочу", "хотел", "хотела", "нужно", "нужна", "нужен", "срочно", "опять",
    "снова", "вот", "ну", "тот", "та", "клиент", "клиентка", "компания", "фирма", "номер",
    "телефон", "да", "нет", "не", "это", "так", "как", "что", "когда", "где", "там", "тут",
    "вы", "мы", "он", "она", "они", "к", "о", "об", "же", "бы", "ли", "вопрос", "беспокоит",
    "очень", "важно", "сообщение", "автосервис", "сервис", "ваши", "уже", "еще",
    "мастер", "менеджер", "диспетчер", "оператор", "механик", "надежда", "вера", "любовь",
})
"""Words that are never taken for a name ("надежда", "вера", "любовь" are names only when a
stronger cue says so: "меня зовут Вера")."""
STRONG_NAMES = frozenset({"надежда", "вера", "любовь"})
MIN_NAME_SCORE = 0.1
"""pymorphy3's probability that a Russian word is a name: "марина" 1.0, "петров" 0.9,
"дана" 0.12, "машина" (a surname reading) 0.04, "брала" 0."""


def _capitalised(parts: Sequence[str]) -> str:
    return " ".join("-".join(p.capitalize() for p in part.split("-")) for part in parts)


def _plain_word(word: str, i: int, taken: Collection[int], business: Collection[str]) -> bool:
    return (len(word) >= 2 and word.isalpha() and word not in GREETINGS and i not in taken
            and word not in business and not numbers.is_number_word(word))


def _russian_name(said: Sequence[str], i: int, taken: Collection[int], business: Collection[str],
                  strong: bool) -> list[int]:
    """A first name at `i` and a surname or patronymic after it: "Иван Петрович", "Анна"."""
    if i >= len(said):
        return []
    word = said[i]
    if not _plain_word(word, i, taken, business):
        return []
    if word in NOT_NAMES and not (strong and word in STRONG_NAMES):
        return []
    first = forms.name_score(word, frozenset({"Name"}))
    # After "меня зовут" any reading as a first name will do: "Света" is mostly the genitive
    # of "свет" to the dictionary, and "Слава" the noun, yet said there they are names.
    if first < MIN_NAME_SCORE and not (strong and (first > 0 or forms.name_score(word)
                                                   >= MIN_NAME_SCORE)):
        return []
    parts = [i]
    j = i + 1
    # A patronymic and/or a surname may follow: "Иван Петрович", "Анна Сергеевна Кузнецова";
    # after a surname said first, the first name: "Петров Иван".
    while j < len(said) and len(parts) < 3 and _plain_word(said[j], j, taken, business) \
            and said[j] not in NOT_NAMES \
            and forms.name_score(said[j], frozenset({"Surn", "Patr"} if j > i + 1 else
                                                    {"Surn", "Patr", "Name"})) >= MIN_NAME_SCORE:
        parts.append(j)
        j += 1
    return parts


def _english_name(said: Sequence[str], i: int, taken: Collection[int], business: Collection[str],
                  weak: bool, breaks: Collection[int] = (),
                  proper: Collection[str] = ()) -> list[int]:
    """One or two words from `i`, a title kept ("Mrs Patel", "John Smith"); after a weak cue
    ("it's") only a word that "here", "from", a clause's end (`breaks`) or the end follows,
    or one no English dictionary word ("it's hannah call me"), or one the transcript writes
    as a name (`proper`: "it's Frank")."""
    parts: list[int] = []
    if i < len(said) and said[i] in TITLES:
        parts.append(i)
        i += 1

    def ok(j: int) -> bool:
        return j < len(said) and _plain_word(said[j], j, taken, business) and said[j] not in NOT_NAMES

    if not ok(i):
        return []
    parts.append(i)
    if ok(i + 1) and not weak:
        parts.append(i + 1)
    if weak:
        nxt = said[i + 1] if i + 1 < len(said) else ""
        if nxt and nxt not in AFTER_NAME_EN and i not in breaks \
                and not lemmas.unknown_english(said[i]) and said[i] not in proper:
            return []
    return parts


def _starts(said: Sequence[str], at: int, cue: tuple[str, ...]) -> bool:
    return tuple(said[at : at + len(cue)]) == cue


def person_name(said: Sequence[str], language: str, taken: Collection[int] = (),
                business: str = "", shown: Sequence[str] | None = None,
                breaks: Collection[int] = (), proper: Collection[str] = ()) -> str | None:
    """The caller's own name in `said` (tokens), capitalised; None when none was said clearly.

    `language`: 'english' or 'russian'. `taken`: positions already read as something else
    (a catalogue phrase: "this is fridge repair?" names no one). `business`: the line's own
    name, which callers repeat ("это Телеспутник?"). `shown`: the same tokens as written
    ("лёша" where `said` has "леша"), for the name as it is returned. `breaks`: positions
    of words that end a clause ("Hi, it's Maria. The oven...": "maria"). `proper`: words
    the transcript capitalises inside a sentence, as a recognizer writes names ("Frank").
    """
    business_words = set(numbers.tokens(business))
    russian = language == "russian"
    written = shown if shown is not None else said

    def name_at(i: int, strong: bool, weak: bool = False) -> str | None:
        if russian:
            parts = _russian_name(said, i, taken, business_words, strong)
            return _capitalised([forms.name_nominative(written[p]) for p in parts]) if parts else None
        parts = _english_name(said, i, taken, business_words, weak, breaks, proper)
        return _capitalised([written[p] for p in parts]) if parts else None

    for at in _cued_anywhere(said, language):
        found = name_at(at, strong=True)
        if found:
            return found
    at = 0
    while at < len(said) and said[at] in GREETINGS:
        at += 1
    for cue in AT_START[language]:
        if _starts(said, at, cue):
            found = name_at(at + len(cue), strong=False, weak=cue in WEAK_EN)
            if found:
                return found
    if not russian:
        if at + 1 < len(said) and said[at + 1] in ("here", "speaking", "calling"):
            return name_at(at, strong=False, weak=True)  # "Robert here", "hi, Dana calling"
        signed = _signed_english_name(said, taken, business_words, breaks, proper)
        if signed is None:
            signed = _english_name_by_number(said, taken, business_words, breaks)
        return _capitalised([written[signed]]) if signed is not None else None
    found_at = _russian_name_uncued(said, at, taken, business_words, breaks, proper)
    return _capitalised([forms.name_nominative(written[p]) for p in found_at]) if found_at else None


def _cued_anywhere(said: Sequence[str], language: str) -> Iterator[int]:
    """Where a name a cue introduces wherever it stands may begin: after "my name is", "меня
    зовут", and in Russian around a verb of naming (`_named_by`)."""
    for at in range(len(said)):
        for cue in ANYWHERE[language]:
            if _starts(said, at, cue):
                yield at + len(cue)
    if language == "russian":
        yield from _named_by(said)


def _named_by(said: Sequence[str]) -> Iterator[int]:
    """Where a Russian name said around a verb of naming stands, in the instrumental: "меня
    Виталием зовут", "меня Ильёй звать", "зовите (меня) Мариной"."""
    for at in range(1, len(said)):
        if said[at] in NAMED_BY and at > 1 and said[at - 2] == "меня":
            yield at - 1
        if said[at - 1] in CALL_ME:
            yield at + (said[at] == "меня")


def _signed_english_name(said: Sequence[str], taken: Collection[int], business: Collection[str],
                         breaks: Collection[int], proper: Collection[str] = ()) -> int | None:
    """A message signed in its middle: "..., this is Ann, 503 555 0111", "..., this is Ray at
    503 ...", "..., this is Luis, call me back at 503 ...": a cue, one word, then a pause or
    "at", then the number (a few words of giving it allowed). After "it's" or "I'm"
    the word must be no verb, adjective or adverb ("it's jammed, 503 ..." names nobody),
    unless the transcript writes it as a name ("it's Frank, 503 ...": `proper`)."""
    for at in range(1, len(said)):
        for cue in AT_START["english"]:
            i = at + len(cue)
            if not _starts(said, at, cue) or i >= len(said) or said[i] in NOT_NAMES \
                    or not _plain_word(said[i], i, taken, business) \
                    or (cue in WEAK_EN and lemmas.describes(said[i])
                        and said[i] not in proper):
                continue
            rest = [w for w in said[i + 1:i + 8] if w not in BEFORE_NUMBER_EN]
            # With words before the number ("..., this is Luis, call me at 503"), the word must
            # be no state either, whatever the cue: "this is ridiculous, my number is 503".
            direct = i + 1 < len(said) and said[i + 1] in ("at", rest[0] if rest else "")
            # Set apart by a pause or "at", or a word that can only be a name ("...it's
            # hannah call five oh three", "it's Frank 503").
            named = lemmas.unknown_english(said[i]) or said[i] in proper
            if (i in breaks or (i + 1 < len(said) and said[i + 1] == "at") or named) and rest \
                    and numbers.is_number_word(rest[0]) \
                    and (direct or not lemmas.describes(said[i])):
                return i
    return None


CALL_BACK_EN = frozenset({"call", "ask", "reach", "text"})
"""English verbs whose object, before "at" and a number, is the one to call back: "call Mark
at 503 ...", "ask for Jen at ...", "please call Luis back at ..."."""
CLOSINGS_EN = frozenset({"bye", "goodbye", "cheers", "thanks", "thank", "later", "ciao"})
WHEN_EN = frozenset({"today", "tomorrow", "tonight", "anytime", "now", "soon", "asap",
                     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "morning", "afternoon", "evening", "weekdays"})
"""When to call, said where a name could stand: "call tomorrow at 503 ..."."""


def _english_name_by_number(said: Sequence[str], taken: Collection[int],
                            business: Collection[str], breaks: Collection[int]) -> int | None:
    """A name the callback number stands beside, with no cue: the object of "call" before
    "at" and the number ("call Mark at 503 ...", "call Luis back at ..."), a word set apart
    right before the number ("Mark, 503 555 0101, ...") or alone after it at the end ("...,
    503 555 0190, Ana"). Where a number says who answers it, a word beside it in a clause of
    its own can only be that person (a verb or state there would need a subject)."""
    for i, word in enumerate(said):
        if word in NOT_NAMES or word in CLOSINGS_EN or word in WHEN_EN \
                or not _plain_word(word, i, taken, business):
            continue
        before = said[i - 1] if i else ""
        after = [w for w in said[i + 1:i + 4] if w != "back"][:2]
        called = before in CALL_BACK_EN or (before in ("for", "me") and i > 1
                                            and said[i - 2] in CALL_BACK_EN | {"ask"})
        if called and len(after) == 2 and after[0] in ("at", "on") \
                and numbers.is_number_word(after[1]):
            return i
        apart = i == 0 or (i - 1) in breaks
        if apart and i in breaks and i + 1 < len(said) and numbers.is_number_word(said[i + 1]):
            return i
        if apart and i == len(said) - 1 and i and numbers.is_number_word(said[i - 1]) \
                and not lemmas.describes(word):
            return i
    return None


def _russian_name_uncued(said: Sequence[str], at: int, taken: Collection[int],
                         business: Collection[str], breaks: Collection[int],
                         proper: Collection[str] = ()) -> list[int]:
    """A Russian name without a cue before it: "Павел беспокоит", "Ирина Петровна звонит"
    (the name first, then the verb), or a message signed in its middle or end."""
    found_at = _russian_name(said, at, taken, business, strong=False)
    if found_at and found_at[-1] + 1 < len(said) and said[found_at[-1] + 1] in AFTER_NAME_RU:
        return found_at
    # Unpunctuated ("... посмотрите пожалуйста это олег"), only a name after "это" signs it.
    return _signed_russian_name(said, taken, business, breaks, proper)


BEFORE_NUMBER_EN = frozenset({"at", "call", "me", "on", "my", "number", "is", "s", "back",
                              "reach", "you", "can"})
"""Words between a signature and the number it gives: "this is Luis, call me back at 503..."."""
SET_APART_NAME_SCORE = 0.5
"""How surely a word set apart by commas must be a first name to be taken as the caller's
("..., Наталья, 8 903 ..." 1.0; a car model said alone, "веста" 0.67, is rarer than a name
there, "мазда" 0.8 the price of it)."""


def _signed_russian_name(said: Sequence[str], taken: Collection[int],
                         business: Collection[str], breaks: Collection[int],
                         proper: Collection[str] = ()) -> list[int]:
    """A message signed in its middle or at its end: "это Игорь, 8 903 ...", "..., Наталья,
    8 903 ...", "... после прошлого раза, Дмитрий": a first name after "это", or set apart as
    a clause of its own, before the end, a pause or the number."""
    for i in range(len(said)):
        after_cue = i > 0 and said[i - 1] == "это"
        if not (after_cue or i == 0 or (i - 1) in breaks):
            continue
        parts = _russian_name(said, i, taken, business, strong=False)
        # A first name that is a word too ("..., Вера", "..., Роман"), which the transcript
        # capitalises, alone: "Лада Веста" is a car.
        lifted = said[i] in proper and len(
            _russian_name(said, i, taken, business, strong=True)[:2]) == 1
        if lifted:
            parts = [i]
        if not parts:
            continue
        end = parts[-1]
        if not (end == len(said) - 1 or end in breaks or numbers.is_number_word(said[end + 1])):
            continue
        if after_cue or lifted \
                or forms.name_score(said[i], frozenset({"Name"})) >= SET_APART_NAME_SCORE:
            return parts
    return []


def _written(text: str) -> tuple[str, ...]:
    """The tokens of `text` as `numbers.tokens` splits them, with ё kept ("Лёша")."""
    return tuple(_WORD.findall(text.lower()))


def name_in(text: str, language: str, business: str = "") -> str | None:
    """`person_name` of a written or transcribed answer ("Меня зовут Иван Петрович")."""
    return person_name(numbers.tokens(text), language, (), business, _written(text))


def answered_name(text: str, language: str) -> str | None:
    """The name in the answer to "what is your name?" / "who will be there?": a cue form
    first ("меня зовут Иван Петрович"), else the first words that are a name ("Иван", "мама
    моя, Галина Ивановна", "um, John Smith"); None when no word is a name ("не скажу")."""
    said, written = numbers.tokens(text), _written(text)
    cued = person_name(said, language, shown=written)
    if cued is not None:
        return cued
    russian = language == "russian"
    for i, word in enumerate(said):
        if russian:
            parts = _russian_name(said, i, (), (), strong=False)
            # A surname said first, as asked for ("фамилию, имя и отчество"): "Иванова Мария
            # Петровна".
            if parts and i > 0 and _plain_word(said[i - 1], i - 1, (), ()) \
                    and said[i - 1] not in NOT_NAMES \
                    and forms.name_score(said[i - 1], frozenset({"Surn"})) >= MIN_NAME_SCORE:
                parts = [i - 1, *parts]
        elif word not in GREETINGS and word not in NOT_NAMES:
            parts = _english_name(said, i, (), (), weak=False)
        else:
            parts = []
        if parts:
            return _capitalised([forms.name_nominative(written[p]) if russian else written[p]
                                 for p in parts])
    return None


# -- error codes --------------------------------------------------------------------------
_CODE_LETTERS = frozenset({"e", "f", "h", "c", "d", "l", "е", "э", "эф", "аш", "це", "дэ",
                           "эль", "эл", "ф", "ер", "er", "err"})
"""Letters appliance and car error codes start with, as written or as named aloud. Not the
Russian prepositions and conjunctions that are letters too ("с", "и", "у", "в", "о", "а")."""
_CODE_TOKEN = re.compile(r"^(?:[a-zа-я]{1,2}\d{1,3}|\d{1,2}[a-zа-я])$")
"""An error code written as one token: "e15", "е15", "f05", "4e", "p0300"-like short ones."""
CODE_WORD: dict[Family, str] = {"en": "error", "ru": "ошибка"}
"""What a said error code means, in each language: the word a flow lists for it."""


def error_codes(text: str) -> list[str]:
    """Error codes said or written in `text`: "E15", "е пятнадцать", "эф ноль пять", "4E".
    A letter said alone is not one; a letter followed by a number is."""
    said = numbers.tokens(text)
    found: list[str] = []
    for i, token in enumerate(said):
        if _CODE_TOKEN.match(token) and any(ch.isdigit() for ch in token):
            found.append(token.upper())
            continue
        if token in _CODE_LETTERS and i + 1 < len(said):
            digits, end = "", 0
            for number in numbers.spoken_numbers(said[i + 1:i + 4]):
                if number.start != end:
                    break
                digits, end = digits + number.digits, number.end
            if digits:
                found.append(f"{token.upper()}{digits}")
    return found


def with_error_word(text: str, family: Family) -> str:
    """`text` with the language's word for an error after it when it names an error code: "E15"
    or "е пятнадцать" says "error" whatever the appliance, and flows list that word."""
    return f"{text}, {CODE_WORD[family]}" if error_codes(text) else text


ADULT_NOUNS = frozenset({
    "бабушка", "дедушка", "бабуля", "дедуля", "баба", "дед", "няня", "нянька", "сиделка",
    "муж", "жена", "мама", "папа", "мать", "отец", "мамочка", "свекровь", "свёкор", "свекор",
    "тёща", "теща", "тесть", "тётя", "тетя", "дядя", "сосед", "соседка", "родитель",
    "взрослый", "домработница", "гувернантка",
})
"""Russian nouns (lemmas) of a grown-up who may be at home with a child (RT-2)."""


def names_an_adult(text: str) -> bool:
    """Whether a Russian answer names a grown-up ("с дочкой останется дедушка", "будет няня
    с ребёнком"): then a child's age named beside them does not make the child alone. A
    negated one ("бабушки не будет") is no one at home."""
    terms = lemmas.analyse(text, "ru")
    covered = negation.denied(terms, "ru")
    return any(t.lemma in ADULT_NOUNS and i not in covered for i, t in enumerate(terms))
