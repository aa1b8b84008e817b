"""Why a voicemail could not be handled, as people read it.

The pipeline stores a short reason code on a voicemail that went wrong (`Voicemail.error`) and
writes the details (exception text, URLs, recognizer messages) to the log only. The desk's
voicemail card, the call note and `voicebot journal` show the sentence for the code, in the
reader's language. Anything else found there (a row from before the codes, holding raw
exception text) gets a general sentence: the raw text is never shown.
"""

from __future__ import annotations

from voicebot.language.tags import language_family

SENTENCES: dict[str, dict[str, str]] = {
    "fetch_failed": {
        "en": "The recording could not be downloaded from Twilio; listen to it in the Twilio console.",
        "ru": "Не удалось скачать запись из Twilio; прослушайте её в консоли Twilio.",
    },
    "no_recognizer": {
        "en": "No speech recognizer for this line's language is installed; listen to the recording.",
        "ru": "Для языка этой линии не установлено распознавание речи; прослушайте запись.",
    },
    "transcription_failed": {
        "en": "The recording could not be transcribed; listen to it.",
        "ru": "Запись не удалось расшифровать; прослушайте её.",
    },
    "wrong_language": {
        "en": "The message seems to be in another language than the line's; listen to it.",
        "ru": "Сообщение, похоже, не на языке этой линии; прослушайте его.",
    },
    "empty_recording": {
        "en": "The recording is empty or silent: the caller left no message.",
        "ru": "Запись пустая или беззвучная: абонент ничего не сказал.",
    },
    "flow_missing": {
        "en": "The line this message was left on is no longer configured, so it was not "
              "understood automatically; listen to the recording.",
        "ru": "Линия, на которую оставлено сообщение, больше не настроена, поэтому оно не "
              "разобрано автоматически; прослушайте запись.",
    },
}
GENERIC = {
    "en": "This voicemail could not be handled automatically; listen to the recording. "
          "The details are in the service's log.",
    "ru": "Это сообщение не удалось обработать автоматически; прослушайте запись. "
          "Подробности в журнале сервиса.",
}


# The pipeline's statuses of a voicemail still being worked on (pipeline.WORKING; a test keeps
# the two equal). An error stored meanwhile is a try that will be repeated, not a failure.
WORKING = frozenset({"received", "fetched", "transcribed"})


def is_known(stored: str) -> bool:
    return stored.strip() in SENTENCES


def sentence(stored: str, language: str) -> str:
    """What went wrong, for people: the sentence for a reason code in `language` (a desk
    language like "ru" or a line's like "ru-RU"), the general one for anything else, and ""
    when nothing went wrong."""
    if not stored.strip():
        return ""
    return SENTENCES.get(stored.strip(), GENERIC)[language_family(language)]


def shown(status: str, stored: str, language: str) -> str:
    """What a person reads about a voicemail's trouble: nothing while it is still being worked
    on (a fetch to be tried again), else `sentence`."""
    return "" if status in WORKING else sentence(stored, language)
