"""The caller's name, when the message says it: "my name is ...", "this is ...", "меня зовут ...".

"This is" and "это" open half the sentences of a message ("this is urgent", "это по поводу
ремонта"), so they count only at the start, after a greeting, and the words after them must
look like a name: not a common word, not a number, not a catalogue phrase.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from voicebot.flows import words
from voicebot.voicemail import numbers

ANYWHERE: dict[str, tuple[tuple[str, ...], ...]] = {
    "english": (("my", "name", "is"), ("my", "name", "s"), ("name", "is")),
    "russian": (("меня", "зовут"), ("зовут", "меня"), ("мое", "имя"), ("мое", "имя", "это")),
}
AT_START: dict[str, tuple[tuple[str, ...], ...]] = {
    # Not "it's": "it's leaking" would be a name.
    "english": (("this", "is"),),
    "russian": (("это",), ("вас", "беспокоит")),
}
GREETINGS = frozenset({
    "hi", "hello", "hey", "yes", "yeah", "good", "morning", "afternoon", "evening", "um", "uh",
    "oh", "ok", "okay", "so", "well", "there",
    "здравствуйте", "здрасте", "привет", "добрый", "доброе", "день", "вечер", "утро", "алло",
    "да", "ну", "эээ", "ээ", "вечера", "дня", "утра",
})
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mister", "dr", "doctor"})
NOT_NAMES = frozenset({
    # English words that follow "this is" / "my name is" without being a name.
    "a", "an", "the", "about", "regarding", "for", "urgent", "my", "your", "our", "calling",
    "call", "i", "im", "m", "and", "from", "at", "with", "to", "in", "on", "of", "is", "it", "s",
    "this", "that", "here", "speaking", "again", "just", "so", "please", "not", "also", "who",
    "what", "we", "me", "you", "re", "company", "customer", "number", "phone", "really", "very",
    "emergency", "important", "regards", "concerning", "but", "or", "if", "as", "t",
    "going", "gonna", "have", "has", "had", "was", "will", "would", "can", "could",
    "dispatcher", "technician", "tech", "office", "manager",
    # Russian.
    "я", "мне", "меня", "у", "и", "а", "по", "поводу", "насчет", "с", "со", "в", "во", "на",
    "из", "от", "мой", "моя", "мое", "мои", "ваш", "ваша", "вам", "вас", "звоню", "звонил",
    "звонила", "хочу", "хотел", "хотела", "нужно", "нужна", "нужен", "срочно", "опять",
    "снова", "вот", "ну", "тот", "та", "клиент", "клиентка", "компания", "фирма", "номер",
    "телефон", "да", "нет", "не", "это", "так", "как", "что", "когда", "где", "там", "тут",
    "вы", "мы", "он", "она", "они", "к", "о", "об", "же", "бы", "ли", "вопрос", "беспокоит",
    "очень", "важно", "сообщение", "автосервис", "сервис", "ваши", "уже", "еще",
    "мастер", "менеджер", "диспетчер", "оператор", "механик",
})


def _looks_like_name(i: int, said: Sequence[str], taken: Collection[int], business: set[str]) -> bool:
    word = said[i]
    return (
        len(word) >= 2
        and word.isalpha()
        and word not in NOT_NAMES
        and word not in business
        and word not in GREETINGS
        and i not in taken
        and not numbers.is_number_word(word)
    )


def _name_after(i: int, said: Sequence[str], taken: Collection[int], business: set[str]) -> str | None:
    """One or two name words from `said[i]`, with a title kept: "Mrs Smith", "Анна Петровна"."""
    parts: list[str] = []
    if i < len(said) and said[i] in TITLES:
        parts.append(said[i])
        i += 1
    if i >= len(said) or not _looks_like_name(i, said, taken, business):
        return None
    parts.append(said[i])
    if i + 1 < len(said) and _looks_like_name(i + 1, said, taken, business):
        parts.append(said[i + 1])
    return " ".join("-".join(p.capitalize() for p in part.split("-")) for part in parts)


def _starts(said: Sequence[str], at: int, trigger: tuple[str, ...]) -> bool:
    return tuple(said[at : at + len(trigger)]) == trigger


def caller_name(said: Sequence[str], language: str, taken: Collection[int], business: str) -> str | None:
    """The name said in the message, capitalised; None when none was said clearly.

    `taken`: positions of catalogue phrases, which are never part of a name ("this is fridge
    repair?" names no one). `business`: the flow's name, which a caller may repeat.
    """
    business_words = set(words.tokens(business))
    for at in range(len(said)):
        for trigger in ANYWHERE[language]:
            if _starts(said, at, trigger):
                name = _name_after(at + len(trigger), said, taken, business_words)
                if name:
                    return name
    at = 0
    while at < len(said) and said[at] in GREETINGS:
        at += 1
    for trigger in AT_START[language]:
        if _starts(said, at, trigger):
            return _name_after(at + len(trigger), said, taken, business_words)
    return None
