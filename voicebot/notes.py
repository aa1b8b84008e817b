"""A call's note in words a dispatcher reads, in English or Russian, from its stored events.

The one home of the note: the journal stores the note in the line's language (for
`voicebot journal`); the desk writes it again in its own language from the same events, so a
Russian dispatcher never reads English, and nobody reads the flow's state ids. What the caller
wanted comes first (what they said, what was noted, under the flow's `labels:`), then what was
done (tickets, SMS, queue, transfer, voicemail), then how the call ended. The sentence for
an event a step records is worded by that step's kind (`voicebot.engine.steps`, found through
`voicebot.flows.wording`); the rest
(quotes, e-mails, callbacks, failures) are worded here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from voicebot.flows.model import Flow
from voicebot.flows.wording import role_name, sentence, worded_by
from voicebot.language import failures
from voicebot.models import Call, CallEvent

__all__ = ["OUTCOMES", "WORDS", "compose", "label", "note_language", "role_name"]

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "inbound": "{when}: {caller} called {line} ({number}).",
        "outbound": "{when}: we called {number} for {line}.",
        "no line": "a number no flow answers",
        "said": "The caller said: {heard}.",
        "pressed": "pressed {digits}",
        "noted": "Noted: {pairs}.",
        "transcript": "The voicemail says: \u201c{text}\u201d.",
        "empty voicemail": "The voicemail holds no words.",
        "quote": "A quote was sent by SMS: {text}",
        "email": "The voicemail was e-mailed to {to}.",
        "email-failed": "The voicemail could not be e-mailed yet; voicebot tries again.",
        "quote-answer": "The caller {answer} the quote by SMS.",
        "for-person": "The voicemail needs a person. {why}",
        "call-recorded": "The call was recorded.",
        "callback": "Callback #{id}: {what}.",
        "error": "Something failed on our side; the caller heard an apology.",
        "outcome": "Outcome: {outcome}",
        "hung up in": " while voicebot was talking",
        "lasted": "; the call lasted {seconds} s",
        "flagged": "Flagged: {why}.",
    },
    "ru": {
        "inbound": "{when}, звонок от {caller}. Линия: {line} ({number}).",
        "outbound": "{when}, мы звонили на {number}. Линия: {line}.",
        "no line": "номер без сценария",
        "said": "Ответы абонента: {heard}.",
        "pressed": "нажата клавиша {digits}",
        "noted": "Записано: {pairs}.",
        "transcript": "В сообщении: «{text}».",
        "empty voicemail": "В сообщении нет слов.",
        "quote": "Смета отправлена по SMS: {text}",
        "email": "Сообщение отправлено на почту {to}.",
        "email-failed": "Сообщение пока не удалось отправить на почту; voicebot попробует снова.",
        "quote-answer": "Абонент ответил на смету по SMS: {answer}.",
        "for-person": "Сообщение требует внимания сотрудника. {why}",
        "call-recorded": "Разговор записан.",
        "callback": "Перезвон №{id}: {what}.",
        "error": "У нас произошёл сбой; абонент услышал извинение.",
        "outcome": "Итог: {outcome}",
        "hung up in": ", пока говорил voicebot",
        "lasted": "; звонок длился {seconds} с",
        "flagged": "Отмечено: {why}.",
    },
}

OUTCOMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "completed": "the flow finished the call",
        "transferred": "the caller was put through to a person",
        "served": "the caller was served from the queue",
        "kept-place": "the caller kept their place in the queue, to be called back",
        "voicemail": "the caller left a voicemail",
        "abandoned": "the caller hung up",
        "queued": "the caller was waiting in a queue",
        "in-progress": "the call is still going",
        "unknown-number": "the caller heard that the number is not in service",
    },
    "ru": {
        "completed": "сценарий завершил звонок",
        "transferred": "абонента соединили с сотрудником",
        "served": "абонента обслужили из очереди",
        "kept-place": "абонент сохранил место в очереди, ему перезвонят",
        "voicemail": "абонент оставил голосовое сообщение",
        "abandoned": "абонент положил трубку",
        "queued": "абонент ждал в очереди",
        "in-progress": "звонок ещё идёт",
        "unknown-number": "абонент услышал, что номер не обслуживается",
    },
}

CALLBACK_RESULTS: Mapping[str, Mapping[str, str]] = {
    "en": {"scheduled": "scheduled", "canceled": "canceled", "notify": "staff notified",
           "ticket": "a ticket for a person", "calling": "calling the client",
           "deferred": "moved to business hours", "sms": "SMS sent to the client",
           "done": "done", "not-reached": "the client was not reached",
           "replaced": "replaced by a ticket", "skipped": "skipped"},
    "ru": {"scheduled": "запланирован", "canceled": "отменён", "notify": "сотрудники уведомлены",
           "ticket": "передан сотруднику заявкой", "calling": "звоним клиенту",
           "deferred": "перенесён на рабочее время", "sms": "клиенту отправлено SMS",
           "done": "выполнен", "not-reached": "до клиента не дозвонились",
           "replaced": "заменён заявкой", "skipped": "пропущен"},
}

QUOTE_ANSWERS: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "ru": {"approved": "согласился", "declined": "отказался"},
}

def note_language(language: str) -> str:
    """"ru" for a Russian line or desk ("ru-RU", "ru"), else "en"."""
    return "ru" if language.lower().startswith("ru") else "en"


def compose(call: Call, flow: Flow | None, language: str = "en",
            zone: dt.tzinfo | None = None) -> str:
    """One paragraph for the next dispatcher, in `language` ("en" or "ru"), times in `zone`
    (the desk's; else the flow's)."""
    lang = note_language(language)
    w = WORDS[lang]
    zone = zone or (ZoneInfo(flow.timezone) if flow else dt.UTC)
    when = call.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    line = flow.name if flow else (call.flow_id or w["no line"])
    if call.direction == "inbound":
        parts = [w["inbound"].format(when=when, caller=call.from_number, line=line,
                                     number=call.to_number)]
    else:
        parts = [w["outbound"].format(when=when, number=call.to_number, line=line)]
    said = [_heard(e, lang) for e in call.events if e.kind == "input" and e.text]
    if said:
        parts.append(w["said"].format(heard="; ".join(said)))
    # Names starting with "_" are the engine's own notes (a slot on offer), not the caller's.
    captured = {k: v for k, v in call.vars.items() if v and not k.startswith("_")}
    if captured:
        pairs = "; ".join(f"{label(flow, k)}: {v}" for k, v in captured.items())
        parts.append(w["noted"].format(pairs=pairs))
    parts += [text for e in call.events if (text := _event(e, flow, lang))]
    outcome = OUTCOMES[lang].get(call.outcome, call.outcome)
    tail = w["outcome"].format(outcome=outcome)
    if call.outcome == "abandoned" and call.state:
        tail += w["hung up in"]
    if call.duration is not None:
        tail += w["lasted"].format(seconds=call.duration)
    parts.append(tail + ".")
    if call.flagged:
        parts.append(w["flagged"].format(why=call.flagged))
    return " ".join(parts)


def label(flow: Flow | None, variable: str) -> str:
    """A variable as the flow's `labels:` name it; the bare name when the flow has none."""
    return flow.labels.get(variable, variable) if flow else variable


def _heard(e: CallEvent, lang: str) -> str:
    """One answer: the key pressed, or the words said, quoted."""
    if e.data.get("digits"):
        return WORDS[lang]["pressed"].format(digits=e.data["digits"])
    return ("«{}»" if lang == "ru" else "\u201c{}\u201d").format(e.text)


def _event(e: CallEvent, flow: Flow | None, lang: str) -> str:  # noqa: PLR0911  one sentence per event kind
    """The sentence one event adds to the note; "" for events a dispatcher need not read."""
    w = WORDS[lang]
    d = e.data
    kind = worded_by(e.kind)
    if kind is not None:  # an event a step records: its kind words it
        return kind.note(e, flow, lang)
    if e.kind == "transcript":
        return w["transcript"].format(text=e.text) if e.text else w["empty voicemail"]
    if e.kind == "quote":
        return sentence(w["quote"].format(text=e.text))
    if e.kind == "email":
        return w["email"].format(to=e.text)
    if e.kind == "email-failed":
        return w["email-failed"]
    if e.kind == "quote-answer":
        return w["quote-answer"].format(answer=QUOTE_ANSWERS[lang].get(e.text, e.text))
    if e.kind == "for-person":
        return _for_person(e, lang)
    if e.kind == "call-recorded":
        return w["call-recorded"]
    if e.kind == "callback":
        result = str(d.get("result") or "")
        what = CALLBACK_RESULTS[lang].get(result) or (e.text if lang == "en" else result)
        return w["callback"].format(id=d.get("callback_id"), what=what)
    if e.kind == "error":
        return w["error"]
    return ""


def _for_person(e: CallEvent, lang: str) -> str:
    """A voicemail handed to a person: a failure as a sentence, never its details; another
    reason (no service asked for, an urgent message) in the words the pipeline wrote."""
    reason = str(e.data.get("reason") or e.text)
    if e.data.get("status") == "for-person" and not failures.is_known(reason):
        return sentence(WORDS[lang]["for-person"].format(why=e.text))
    return WORDS[lang]["for-person"].format(why=failures.sentence(reason, lang))
