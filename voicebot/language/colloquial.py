"""Everyday Russian said for the standard words a flow lists.

Callers say "телик", "стиралка", "кондей", "абонплата"; a flow author writes "телевизор",
"стиральная машина", "кондиционер", "абонентская плата". pymorphy3's dictionary knows few of
the clipped and suffixed words of speech (it guesses "телик" as a word of its own), and no
spelling rule joins "стиралка" to a phrase of two words, so a small lexicon of the general
vocabulary (appliances, media, money, family, time; not one business's terms) says what each
stands for. Fixed formulas of conversation are read the same way: "всего доброго", "счастливо"
take leave like "до свидания"; "фиг его знает", "хз" say "не знаю"; "поставлю вам пятёрку"
gives a mark; "с кем имею честь" asks who is speaking.

Both the flow's words and the caller's go through this (`lemmas.analyse`), so a flow that
lists the colloquial word itself still hears it.
"""

from __future__ import annotations

import re

WORDS: dict[str, str] = {
    # Appliances and devices.
    "телик": "телевизор", "телевизорчик": "телевизор", "тв": "телевидение",
    "стиралка": "стиральная машина", "посудомойка": "посудомоечная машина",
    "микроволновка": "микроволновая печь", "духовка": "духовой шкаф",
    "кондей": "кондиционер", "кондер": "кондиционер", "кондюк": "кондиционер",
    "холодос": "холодильник", "морозилка": "морозильник",
    "комп": "компьютер", "ноут": "ноутбук", "инет": "интернет", "интернетик": "интернет",
    "мобила": "телефон", "мобильник": "телефон", "пультик": "пульт",
    # Money and bills.
    "абонплата": "абонентская плата", "абонплат": "абонентская плата",
    "абонка": "абонентская плата", "квиток": "квитанция",
    "денежка": "деньги", "деньжата": "деньги", "тыща": "тысяча",
    "кусаться": "дорого", "кусачий": "дорогой",
    # Everyday speech.
    "щас": "сейчас", "ща": "сейчас", "чо": "что", "че": "что",
    "скока": "сколько", "скоко": "сколько", "ниче": "ничего", "ничо": "ничего",
    "никаво": "никого", "токо": "только", "тока": "только",
    "спасибки": "спасибо", "спс": "спасибо", "пасиб": "спасибо", "пасибо": "спасибо",
    "благодарствую": "спасибо", "мерси": "спасибо",
    "окей": "хорошо", "ок": "хорошо", "оки": "хорошо", "океюшки": "хорошо",
    "неа": "нет", "ага": "да", "угу": "да",
    "глянуть": "посмотреть", "поглядеть": "посмотреть", "позырить": "посмотреть",
    "ладненько": "ладно", "ладушки": "ладно", "отбой": "отмена",
    "годик": "год", "годок": "год",
    "сынуля": "сын", "сынуль": "сын", "сынок": "сын", "сыночек": "сын", "сынишка": "сын",
    "доча": "дочь", "дочура": "дочь", "дочурка": "дочь",
    "мск": "москва",
}
"""A colloquial word, as written or as the dictionary lemmatises it (ё as е), -> what it stands
for, one word or a phrase."""

FORMULAS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?<![^\W_]){pattern}(?![^\W_])"), meaning) for pattern, meaning in (
        # Taking leave.
        (r"всего (?:вам |тебе )?(?:доброго|наилучшего|хорошего)", "до свидания"),
        (r"всех благ", "до свидания"),
        (r"до (?:скорого|связи)", "до свидания"),
        (r"счастливо(?: оставаться)?", "до свидания"),
        (r"бывайте", "до свидания"),
        (r"пока[ -]пока", "до свидания"),
        # Not knowing.
        (r"(?:фиг|бог|черт|хрен|шут|леший|кто)(?: же?)? (?:его|ее|их) (?:знает|разберет)", "не знаю"),
        (r"хз", "не знаю"),
        # Giving a mark as at school: "поставлю вам пятёрку" rates the conversation.
        (r"(?:поставлю|поставить|ставлю|поставим|ставим) (?:вам |тебе |вашей \w+ )?"
         r"(?:пятерку|пятерочку|четверку|тройку|двойку|единицу|кол)",
         "поставить оценку"),
        # A rhetorical "какая там гарантия", "да какой ремонт": the thing named is out of the
        # question, an answer no; "какая у вас гарантия" is a real question and stays one.
        (r"(?:(?:да|ну) )?как(?:ая|ой|ое|ие) (?:там|уж|тут) \w+", "нет"),
        # Said apart, by a comma or (unpunctuated) by the next clause's subject.
        (r"(?:да|ну) как(?:ая|ой|ое|ие) \w+(?= *(?:,|$| (?:я|мы|он|она|оно|они)\b))", "нет"),
        # Asking who is speaking.
        (r"с кем (?:я )?имею (?:честь|дело)", "с кем я говорю"),
        (r"кто (?:у аппарата|на проводе)", "с кем я говорю"),
        # Asking the listener's name in the old polite way: "как вас величать" ("звать-то"
        # reaches here as one word, its particle written on).
        (r"(?:как (?:вас|тебя)|(?:вас|тебя) как) (?:величать|звать|по имени)(?:то)?",
         "как вас зовут"),
    ))
"""Fixed formulas of conversation (lower case, ё as е) -> the plain words they mean."""


def rewrite(text: str) -> str:
    """`text` (normalised: lower case, ё as е) with its formulas in plain words."""
    for found, meaning in FORMULAS:
        text = found.sub(meaning, text)
    return text


def standard(word: str) -> tuple[str, ...] | None:
    """The standard words a colloquial `word` stands for, or None for any other word."""
    meaning = WORDS.get(word)
    return tuple(meaning.split()) if meaning is not None else None
