"""A call's note in words a dispatcher reads, in English or Russian, from its stored events.

The one home of the note's wording: the journal stores the note in the line's language (for
`voicebot journal`); the desk writes it again in its own language from the same events, so a
Russian dispatcher never reads English, and nobody reads the flow's state ids. What the caller
wanted comes first (what they said, what was noted, under the flow's `labels:`), then what was
done (tickets, SMS, queue, transfer, voicemail), then how the call ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from voicebot.flows.model import Flow
from voicebot.models import Call, CallEvent
from voicebot.voicemail import failures

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "inbound": "{when}: {caller} called {line} ({number}).",
        "outbound": "{when}: we called {number} for {line}.",
        "no line": "a number no flow answers",
        "said": "The caller said: {heard}.",
        "pressed": "pressed {digits}",
        "noted": "Noted: {pairs}.",
        "ticket": "Ticket #{id} opened ({kind}{urgent}): {text}",
        "urgent": ", urgent",
        "sms": "SMS sent to the caller: {text}",
        "notify": "Staff notified ({to}): {text}",
        "nobody": "Nobody was available to take the call.",
        "transfer": "Put through to: {role}.",
        "queue": "The caller waited in the queue {queue}.",
        "recorded": "The caller left a voicemail ({seconds} s).",
        "transcript": "The voicemail says: \u201c{text}\u201d.",
        "empty voicemail": "The voicemail holds no words.",
        "quote": "A quote was sent by SMS: {text}",
        "email": "The voicemail was e-mailed to {to}.",
        "email-failed": "The voicemail could not be e-mailed yet; voicebot tries again.",
        "quote-answer": "The caller {answer} the quote by SMS.",
        "for-person": "The voicemail needs a person. {why}",
        "call-recorded": "The call was recorded.",
        "visit": "Visit #{id}: {status}.",
        "no entry": "Only a child under 14 is at home: the technician must not go in.",
        "adult": "Adult at home: {who}.",
        "booked": "Booked: {text}.",
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
        "ticket": "Создана заявка №{id} ({kind}{urgent}): {text}",
        "urgent": ", срочно",
        "sms": "Абоненту отправлено SMS: {text}",
        "notify": "Сотрудники уведомлены ({to}): {text}",
        "nobody": "Свободных сотрудников не было.",
        "transfer": "Звонок переведён: {role}.",
        "queue": "Абонент ждал в очереди {queue}.",
        "recorded": "Абонент оставил голосовое сообщение ({seconds} с).",
        "transcript": "В сообщении: «{text}».",
        "empty voicemail": "В сообщении нет слов.",
        "quote": "Смета отправлена по SMS: {text}",
        "email": "Сообщение отправлено на почту {to}.",
        "email-failed": "Сообщение пока не удалось отправить на почту; voicebot попробует снова.",
        "quote-answer": "Абонент ответил на смету по SMS: {answer}.",
        "for-person": "Сообщение требует внимания сотрудника. {why}",
        "call-recorded": "Разговор записан.",
        "visit": "Выезд №{id}: {status}.",
        "no entry": "Дома только ребёнок младше 14 лет: мастеру нельзя входить.",
        "adult": "Взрослый дома: {who}.",
        "booked": "Запись: {text}.",
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
        "voicemail": "абонент оставил голосовое сообщение",
        "abandoned": "абонент положил трубку",
        "queued": "абонент ждал в очереди",
        "in-progress": "звонок ещё идёт",
        "unknown-number": "абонент услышал, что номер не обслуживается",
    },
}

TICKET_KINDS: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "ru": {"callback": "перезвон", "question": "вопрос", "message": "сообщение",
           "request": "заявка", "note": "заметка", "disconnect": "отключение"},
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

VISIT_STATUSES: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "ru": {"confirmed": "подтверждён", "canceled": "отменён", "rescheduled": "перенесён",
           "scheduled": "назначен", "not-reached": "не дозвонились"},
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


def role_name(flow: Flow | None, role: str) -> str:
    """A staff role as the flow's `roles:` name it; the role id when the flow has none."""
    return flow.role_names.get(role, role) if flow else role


def _heard(e: CallEvent, lang: str) -> str:
    """One answer: the key pressed, or the words said, quoted."""
    if e.data.get("digits"):
        return WORDS[lang]["pressed"].format(digits=e.data["digits"])
    return ("«{}»" if lang == "ru" else "\u201c{}\u201d").format(e.text)


def _event(e: CallEvent, flow: Flow | None, lang: str) -> str:
    """The sentence one event adds to the note; "" for events a dispatcher need not read."""
    w = WORDS[lang]
    d = e.data
    if e.kind == "ticket":
        kind = str(d.get("ticket_kind"))
        return _sentence(w["ticket"].format(
            id=d.get("ticket_id"), kind=TICKET_KINDS[lang].get(kind, kind),
            urgent=w["urgent"] if d.get("urgent") else "", text=e.text))
    if e.kind == "sms":
        return _sentence(w["sms"].format(text=e.text))
    if e.kind == "notify":
        return _sentence(w["notify"].format(to=role_name(flow, str(d.get("to"))), text=e.text))
    if e.kind == "transfer":
        if e.text == "nobody available":
            return w["nobody"]
        return w["transfer"].format(role=role_name(flow, str(d.get("role") or e.text)))
    if e.kind == "queue":
        return w["queue"].format(queue=e.text)
    if e.kind == "recorded" and d.get("recording_sid"):
        return w["recorded"].format(seconds=e.text.split()[0])
    if e.kind == "transcript":
        return w["transcript"].format(text=e.text) if e.text else w["empty voicemail"]
    if e.kind == "quote":
        return _sentence(w["quote"].format(text=e.text))
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
    if e.kind == "visit":
        parts = [w["visit"].format(id=d.get("visit_id"),
                                   status=VISIT_STATUSES[lang].get(e.text, e.text))]
        if d.get("adult_contact"):
            parts.append(w["adult"].format(who=d["adult_contact"]))
        if d.get("no_entry"):
            parts.append(w["no entry"])
        return " ".join(parts)
    if e.kind == "booked":
        return w["booked"].format(text=e.text)
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
        return _sentence(WORDS[lang]["for-person"].format(why=e.text))
    return WORDS[lang]["for-person"].format(why=failures.sentence(reason, lang))


def _sentence(text: str) -> str:
    return text if text.rstrip().endswith((".", "!", "?", "»", "\u201d")) else text.rstrip() + "."
