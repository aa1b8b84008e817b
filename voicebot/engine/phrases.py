"""The few sentences voicebot itself speaks, outside any flow's words."""

from __future__ import annotations

from voicebot.flows.model import language_family

PHRASES: dict[str, dict[str, str]] = {
    "queue_position": {
        "en": "You are number {position} in line.",
        "ru": "Ваш номер в очереди: {position}.",
    },
    "start_over": {
        "en": "Sorry, we lost track of your call. Let's start again.",
        "ru": "Извините, мы потеряли ход разговора. Давайте начнём сначала.",
    },
    "unknown_number": {
        "en": "Sorry, this number is not in service. Goodbye.",
        "ru": "Извините, этот номер не обслуживается. До свидания.",
    },
    "unavailable": {
        "en": "We are sorry, we cannot take your call right now. Please call again later.",
        "ru": "Извините, сейчас мы не можем принять ваш звонок. Пожалуйста, перезвоните позже.",
    },
}


def phrase(key: str, language: str, **values: object) -> str:
    return PHRASES[key][language_family(language)].format(**values)
