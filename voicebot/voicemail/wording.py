"""The SMS texts voicebot writes itself around voicemails and quotes, in the line's language:
replies to a caller answering a quote, and notices to staff (OM-9)."""

from __future__ import annotations

from voicebot.language.tags import language_family

TEXTS: dict[str, dict[str, str]] = {
    "approved_reply": {
        "en": "Thank you! Your request is approved: we will call you to set the visit.",
        "ru": "Спасибо! Заявка подтверждена: мы позвоним, чтобы договориться о визите.",
    },
    "declined_reply": {
        "en": "Thank you, we have noted that you decline the quote. Call us at {line} if you "
              "change your mind.",
        "ru": "Спасибо, мы отметили ваш отказ. Если передумаете, позвоните нам: {line}.",
    },
    "staff_approved": {
        "en": "Quote approved by {caller}{name} for {service}: call them to set the visit.",
        "ru": "Клиент {caller}{name} подтвердил расчёт ({service}): позвоните, чтобы "
              "договориться о визите.",
    },
    "staff_urgent": {
        "en": "URGENT voicemail from {caller}{name}, quoted for {service}: {said}",
        "ru": "СРОЧНОЕ сообщение от {caller}{name}, отправлен расчёт ({service}): {said}",
    },
    "staff_for_person": {
        "en": "{urgent}Voicemail from {caller}{name} needs a person ({why}): {said}",
        "ru": "{urgent}Сообщение от {caller}{name} требует человека ({why}): {said}",
    },
    "urgent": {"en": "URGENT. ", "ru": "СРОЧНО. "},
    # Answers to СТОП and СТАРТ, which Twilio does not confirm (it knows only English ones).
    "opt-out": {
        "en": "You will get no more texts from this number. Text START to receive them again.",
        "ru": "Хорошо, мы больше не будем присылать вам SMS с этого номера. Чтобы снова "
              "получать их, отправьте СТАРТ.",
    },
    "opt-in": {
        "en": "You will get texts from this number again. Text STOP to stop them.",
        "ru": "Вы снова будете получать SMS с этого номера. Чтобы отказаться, отправьте СТОП.",
    },
    "unheard": {"en": "not transcribed", "ru": "не расшифровано"},
}

WHY: dict[str, dict[str, str]] = {
    "no_service_named": {"en": "no service named", "ru": "услуга не названа"},
    "empty": {"en": "nothing said", "ru": "ничего не сказано"},
    "no_catalogue": {"en": "this line sends no quotes", "ru": "на этой линии нет расчётов"},
    "no_quote": {"en": "this line sends no quotes", "ru": "на этой линии нет расчётов"},
    "supplier": {"en": "a supplier", "ru": "поставщик"},
    "job_seeker": {"en": "a job seeker", "ru": "ищет работу"},
    "wrong_number": {"en": "wrong number", "ru": "ошиблись номером"},
    "spam": {"en": "advertising", "ru": "реклама"},
    "follow_up": {"en": "about a job under way", "ru": "по текущей работе"},
    "insurance": {"en": "insurance", "ru": "страховой случай"},
    "needs-transcription": {"en": "no speech recognizer", "ru": "нет распознавания речи"},
    "unusable": {"en": "the recording is unusable", "ru": "запись непригодна"},
    "failed": {"en": "the recording could not be fetched", "ru": "запись не получена"},
    "quote-failed": {"en": "the quote SMS could not be sent", "ru": "SMS с расчётом не ушло"},
}

SMS_EXCERPT = 300
"""Characters of the transcript put into a staff SMS; the rest is in the ticket."""


def text(key: str, language: str, **values: object) -> str:
    return TEXTS[key][language_family(language)].format(**values)


def why(reason: str, language: str) -> str:
    return WHY.get(reason, {}).get(language_family(language), reason)


def excerpt(transcript: str, language: str) -> str:
    said = transcript.strip()
    if not said:
        return text("unheard", language)
    return f'"{said[:SMS_EXCERPT]}…"' if len(said) > SMS_EXCERPT else f'"{said}"'
