"""The desk's interface in English and Russian: by the browser's language, or the switch.

Strings are written in English in the templates and code (`_("Open tickets")`) and looked up
here; a dictionary, because a desk of a few pages needs no message catalogues to compile.
tests/desk/test_desk.py checks that every string the desk uses has its Russian form.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, request, session
from flask.typing import ResponseReturnValue

LANGUAGES = ("en", "ru")


def language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def switch_language() -> ResponseReturnValue | None:
    """`?lang=ru` on any desk URL: remembered in the session, then dropped from the URL."""
    wanted = request.args.get("lang")
    if wanted is None or request.method != "GET":
        return None
    if wanted in LANGUAGES:
        session["lang"] = wanted
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""))


def switch_url() -> str:
    """This page in the other language."""
    other = "ru" if language() == "en" else "en"
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*rest, ("lang", other)])


def gettext(text: str, **values: object) -> str:
    shown = RU.get(text, text) if language() == "ru" else text
    return shown.format(**values) if values else shown


RU: dict[str, str] = {
    # layout
    "Dispatcher's desk": "Пульт диспетчера",
    "Hand-off": "Передача смены",
    "Tickets": "Заявки",
    "Callbacks": "Перезвоны",
    "Flows": "Сценарии",
    "Log out": "Выйти",
    "Signed in as {name}": "Вы вошли как {name}",
    "English": "English",
    "Russian": "Русский",
    "Times in {zone}": "Время: {zone}",
    # login
    "Log in": "Войти",
    "Your name": "Ваше имя",
    "Password": "Пароль",
    "The desk is closed: no password is set.": "Пульт закрыт: пароль не задан.",
    "Make a password hash with {command} and set it as {setting}, then restart voicebot.":
        "Создайте хеш пароля командой {command}, задайте его в {setting} и перезапустите voicebot.",
    "Wrong password.": "Неверный пароль.",
    "Give your name: it is written on the tickets you touch.":
        "Укажите имя: оно записывается в заявки, которые вы меняете.",
    "Too many wrong passwords. Try again in a few minutes.":
        "Слишком много неверных паролей. Попробуйте через несколько минут.",
    "The form has expired or was not sent by this desk. Reload the page and try again.":
        "Форма устарела или отправлена не с этого пульта. Обновите страницу и попробуйте снова.",
    "Back": "Назад",
    "Not found.": "Не найдено.",
    # hand-off
    "What happened since {since}": "Что произошло с {since}",
    "Whole history of {number}": "Вся история номера {number}",
    "Since": "С",
    "Last {hours} h": "{hours} ч",
    "Line": "Линия",
    "all lines": "все линии",
    "Outcome": "Итог",
    "all outcomes": "все итоги",
    "Phone number": "Номер телефона",
    "Show": "Показать",
    "Clear": "Сбросить",
    "That time was not understood; showing the last 24 hours.":
        "Время не распознано; показаны последние 24 часа.",
    "{typed} is not a phone number; give it with the country code, e.g. +15035550100.":
        "{typed} не номер телефона; укажите его с кодом страны, например +375295550100.",
    "Calls": "Звонки",
    "No calls.": "Звонков нет.",
    "Older calls": "Более ранние звонки",
    "Newest": "Самые новые",
    "Open tickets": "Открытые заявки",
    "All tickets": "Все заявки",
    "No open tickets.": "Открытых заявок нет.",
    "No tickets.": "Заявок нет.",
    "Promised call backs": "Обещанные перезвоны",
    "No call backs are waiting.": "Ожидающих перезвонов нет.",
    "Voicemails": "Голосовые сообщения",
    "No voicemails.": "Голосовых сообщений нет.",
    "SMS": "SMS",
    "No SMS.": "SMS нет.",
    "Visits": "Выезды",
    "from": "от",
    "to": "кому",
    "in": "входящее",
    "out": "исходящее",
    "Transcript": "Расшифровка",
    "no transcript yet": "расшифровки пока нет",
    "Quote": "Смета",
    "no quote": "сметы нет",
    "Recording not fetched yet.": "Запись ещё не загружена.",
    "Your browser cannot play this recording.": "Ваш браузер не может воспроизвести запись.",
    "Download": "Скачать",
    "Needs a person": "Нужен человек",
    "Path": "Путь",
    "Flagged": "Отмечено",
    "due {when}": "срок {when}",
    "overdue": "просрочено",
    "owner": "ответственный",
    "nobody yet": "пока никто",
    "voicebot, automatically": "voicebot, автоматически",
    "next try {when}": "следующая попытка {when}",
    "attempt {n} of {of}": "попытка {n} из {of}",
    "history": "история",
    "Kept places in the queue": "Сохранённые места в очереди",
    "Callback rules": "Перезвоны по правилам",
    "place kept": "место сохранено",
    "calling back": "перезваниваем",
    "putting through": "соединяем",
    "called back, put through": "перезвонили и соединили",
    "not reached: ticket": "не дозвонились: заявка",
    "dry run: not called": "пробный режим: не звонили",
    "number {n} in line ({queue})": "номер {n} в очереди ({queue})",
    "kept at {when}": "место сохранено {when}",
    "calls made: {n} of {of}": "звонков: {n} из {of}",
    "ended {when}": "завершено {when}",
    "{n} s": "{n} с",
    # outcomes
    "completed": "завершён",
    "transferred": "соединён с сотрудником",
    "served": "обслужен из очереди",
    "kept-place": "сохранил место в очереди",
    "voicemail": "голосовое сообщение",
    "abandoned": "абонент положил трубку",
    "queued": "в очереди",
    "in-progress": "идёт",
    "unknown-number": "номер не обслуживается",
    # tickets
    "New ticket": "Новая заявка",
    "Ticket #{id}": "Заявка №{id}",
    "open": "открыта",
    "closed": "закрыта",
    "answered": "ответ получен",
    "all": "все",
    "Status": "Статус",
    "Kind": "Тип",
    "Text": "Текст",
    "Caller's phone": "Телефон абонента",
    "Urgent": "Срочно",
    "Official (from a state body)": "Официальное, от госоргана",
    "URGENT": "СРОЧНО",
    "OFFICIAL": "ОФИЦИАЛЬНО",
    "Role": "Роль",
    "Assigned to": "Исполнитель",
    "Due": "Срок",
    "Create": "Создать",
    "Assign": "Назначить",
    "Assign to me": "Взять себе",
    "Comment": "Комментарий",
    "Add comment": "Добавить комментарий",
    "Answer for the caller": "Ответ для абонента",
    "Save answer": "Сохранить ответ",
    "answered {when}": "ответ дан {when}",
    "Close ticket": "Закрыть заявку",
    "Reopen": "Открыть снова",
    "Closed": "Закрыта",
    "Created": "Создана",
    "From call": "Из звонка",
    "Fields": "Поля",
    "Comments": "Комментарии",
    "No comments.": "Комментариев нет.",
    "Save my corrected text": "Сохранить исправленный текст",
    "Save the suggested wording": "Сохранить в предложенной редакции",
    "Tickets are written in dry official language, so this was not saved:":
        "Заявки пишутся сухим официальным языком, поэтому текст не сохранён:",
    "Suggested wording:": "Предлагаемая редакция:",
    "brackets {found}": "скобки {found}",
    "exclamation marks {found}": "восклицательные знаки {found}",
    "emoticons {found}": "смайлики {found}",
    "repeated punctuation {found}": "повторы знаков {found}",
    "Write the text.": "Напишите текст.",
    "Choose a line.": "Выберите линию.",
    "The due time was not understood.": "Срок не распознан.",
    "Saved.": "Сохранено.",
    "Ticket closed.": "Заявка закрыта.",
    "Ticket reopened.": "Заявка снова открыта.",
    "callback": "перезвон",
    "question": "вопрос",
    "message": "сообщение",
    "request": "заявка",
    "note": "заметка",
    "disconnect": "отключение",
    # jobs
    "Jobs": "Задания",
    "Queue": "Очередь",
    "calls and SMS": "звонки и SMS",
    "transcription": "расшифровка",
    "No jobs.": "Заданий нет.",
    "tried {n} times": "попыток: {n}",
    "Retry": "Повторить",
    "The job is queued again.": "Задание снова в очереди.",
    "That job cannot be queued again.": "Это задание нельзя поставить в очередь снова.",
    "Voicemail": "Голосовое сообщение",
    "Voicemail e-mail": "Письмо о голосовом сообщении",
    "Recovery sweep": "Проверка незавершённого",
    # callbacks
    "Pending": "Ожидают",
    "Finished": "Завершены",
    "Nothing here.": "Здесь пусто.",
    "Attempts": "Попытки",
    "no attempts yet": "попыток ещё не было",
    "Cancel": "Отменить",
    "Run now": "Выполнить сейчас",
    "Callback canceled.": "Перезвон отменён.",
    "Callback started.": "Перезвон запущен.",
    "That callback cannot be canceled any more.": "Этот перезвон уже нельзя отменить.",
    "That callback cannot run now.": "Этот перезвон сейчас нельзя выполнить.",
    "rule": "правило",
    "action": "действие",
    "scheduled": "запланирован",
    "running": "выполняется",
    "waiting": "ждёт ответа",
    "done": "выполнен",
    "not-reached": "не дозвонились",
    "skipped": "пропущен",
    "replaced": "заменён заявкой",
    "canceled": "отменён",
    # flows
    "Numbers": "Номера",
    "outbound only": "только исходящие",
    "Language": "Язык",
    "Time zone": "Часовой пояс",
    "OK": "OK",
    "Broken": "Ошибка",
    "Problems": "Проблемы",
    "Picture": "Схема",
    "Scripted calls": "Тестовые звонки",
    "passed": "пройден",
    "failed": "ошибка",
    "{passed} of {total} passed": "пройдено {passed} из {total}",
    "No scripted calls for this flow.": "Для этого сценария нет тестовых звонков.",
    "Run again": "Запустить снова",
    "Run {when}, took {seconds} s.": "Запуск {when}, заняло {seconds} с.",
    "Files that do not load": "Файлы, которые не загружаются",
    "The picture is drawn by Graphviz, which is not installed on this server. Install it "
    "(Debian or Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz) and "
    "reload this page. Until then, here is the flow as Mermaid text; any Mermaid viewer "
    "draws it:":
        "Схему рисует Graphviz, а на этом сервере он не установлен. Установите его (Debian или "
        "Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz) и обновите "
        "страницу. Пока что схема показана текстом Mermaid; его нарисует любой просмотрщик "
        "Mermaid:",
    "Transcript of the call": "Ход звонка",
    "states": "состояний",
    # reports
    "Reports": "Отчёты",
    "From": "С",
    "To": "По",
    "By": "Шаг",
    "day": "день",
    "hour": "час",
    "Download CSV": "Скачать CSV",
    "That date was not understood; showing the last 7 days.":
        "Дата не распознана; показаны последние 7 дней.",
    "A report covers a year at most; showing the year up to the last day chosen.":
        "Отчёт охватывает не больше года; показан год до выбранного последнего дня.",
    "By the hour, a report covers a week at most; showing it by the day.":
        "По часам отчёт охватывает не больше недели; показан по дням.",
    "Answered by a person": "Принято сотрудником",
    "Abandoned in the queue": "Сброшено в очереди",
    "after {n} s on average": "в среднем через {n} с",
    "Average wait": "Среднее ожидание",
    "90% waited at most": "90% ждали не дольше",
    "s": "с",
    "Service level ({n} s)": "Уровень обслуживания ({n} с)",
    "Quotes sent / approved": "Расценки отправлено / одобрено",
    "Callbacks made / reached": "Перезвонов сделано / дозвонились",
    "Places kept for a call back: offered / kept / reached / not reached, ticket":
        "Место в очереди с обратным звонком: предложено / сохранили / дозвонились / "
        "не дозвонились, заявка",
    "place kept: offered": "место в очереди: предложено",
    "kept": "сохранили",
    "not reached, ticket": "не дозвонились, заявка",
    "No calls in this period.": "За этот период звонков нет.",
    "Calls per period": "Звонки по периодам",
    "Period": "Период",
    "picked up": "приняты",
    "hung up waiting": "сброшены в очереди",
    "hung up after, s": "сброшены через, с",
    "other": "прочие",
    "Waiting in the queue": "Ожидание в очереди",
    "Service level": "Уровень обслуживания",
    "service level": "уровень обслуживания",
    "Service level: answered within {n} s of all callers who queued.":
        "Уровень обслуживания: доля принятых в течение {n} с среди всех, кто ждал в очереди.",
    "Share of queued callers answered within {n} seconds, per period.":
        "Доля ждавших в очереди, принятых в течение {n} секунд, по периодам.",
    "joined the queue": "ждали в очереди",
    "average wait, s": "среднее ожидание, с",
    "90% within, s": "90% не дольше, с",
    "Voicemails, quotes and callbacks": "Сообщения, расценки и перезвоны",
    "Voicemails, quotes sent and approved, callbacks made and reached.":
        "Голосовые сообщения, отправленные и одобренные расценки, сделанные и удачные перезвоны.",
    "voicemails": "сообщения",
    "quotes sent": "расценки",
    "approved": "одобрено",
    "callbacks": "перезвоны",
    "reached": "дозвонились",
    "Per line": "По линиям",
    "Inbound calls per period: picked up by a person, hung up waiting, the rest.":
        "Входящие звонки по периодам: принятые сотрудником, сброшенные в очереди, прочие.",
    # voicemail states
    "received": "получено",
    "fetched": "запись загружена",
    "transcribed": "расшифровано",
    "quoted": "смета отправлена",
    "for-person": "нужен человек",
    "needs-transcription": "нужна расшифровка",
    "unusable": "запись не разобрать",
    # quotes and SMS
    "sent": "отправлено",
    "declined": "отклонено",
    "pending": "ожидает отправки",
    "sending": "отправляется",
    "accepted": "принято Twilio",
    "delivered": "доставлено",
    "undelivered": "не доставлено",
    "read": "прочитано",
    "dry-run": "пробный режим, не отправлено",
    "Not delivered.": "Не доставлено.",
    # visits
    "planned": "запланирован",
    "confirmed": "подтверждён",
    "moved": "перенесён",
    "time-open": "время уточняется",
    "no-contact": "не дозвонились",
    # callback actions and attempts
    "call": "звонок",
    "sms": "SMS",
    "notify": "уведомление сотрудникам",
    "ticket": "заявка",
    "busy": "занято",
    "no-answer": "нет ответа",
    "waiting for business hours": "ждёт рабочего времени",
    # ticket fields voicebot writes
    "Recording": "Запись",
    # voicemail e-mails
    "E-mailed to {to} at {when}": "Отправлено на почту {to} в {when}",
    "Not e-mailed yet ({to})": "Ещё не отправлено на почту ({to})",
    # texts (SMS conversations)
    "Texts": "SMS",
    "waiting for a reply": "ждёт ответа",
    "replied": "отвечено",
    "Texts with {phone}": "Переписка с {phone}",
    "Open conversations": "Открытые",
    "Closed conversations": "Закрытые",
    "All conversations": "Все",
    "No conversation waits for staff.": "Нет переписки, которая ждёт сотрудника.",
    "No conversations.": "Переписки нет.",
    "Mark done": "Завершить",
    "Conversation marked done.": "Переписка завершена.",
    "Conversation reopened.": "Переписка снова открыта.",
    "{n} new": "новых: {n}",
    "opted out": "отказался от SMS",
    "asked for no more texts": "отказ от SMS",
    "takes texts again": "снова принимает SMS",
    "from the caller": "от абонента",
    "reply by {name}": "ответ: {name}",
    "quote": "расчёт",
    "automatic answer": "автоответ",
    "sent by the line": "отправлено линией",
    "{n} SMS": "{n} SMS",
    "on {line}": "на номер {line}",
    "marked done by {name} at {when}": "завершил(а) {name}, {when}",
    "Whole history": "Вся история",
    "Reply": "Ответ",
    "Reply by SMS": "Ответить по SMS",
    "SMS to {phone}, from {line}": "SMS для {phone} с номера {line}",
    "One SMS holds 160 Latin characters, or 70 when the text has Cyrillic or emoji; a longer "
    "reply goes as several, each billed.":
        "В одно SMS помещается 160 латинских символов или 70, если в тексте есть кириллица или "
        "эмодзи; более длинный ответ уходит несколькими SMS, и каждое оплачивается.",
    "Send SMS": "Отправить SMS",
    "Count SMS": "Посчитать SMS",
    "Fits in one SMS.": "Помещается в одно SMS.",
    "Goes as {n} SMS, each billed.": "Уйдёт {n} SMS, каждое оплачивается отдельно.",
    "Reply queued from {line}: {note}": "Ответ будет отправлен с номера {line}. {note}",
    "New text": "Новое SMS",
    "From our line": "С нашего номера",
    "To number": "На номер",
    "Message": "Текст",
    "Type the number as it is written in the line's country, or with the country code.":
        "Наберите номер так, как его пишут в стране линии, или с кодом страны.",
    "Choose the line the SMS goes from.": "Выберите номер, с которого уйдёт SMS.",
    "{typed} is not a phone number: type it as numbers are written where {line} is, or with "
    "the country code (+...).":
        "{typed} — не номер телефона: наберите его так, как пишут номера в стране линии "
        "{line}, или с кодом страны (+...).",
    "SMS to {phone} queued from {line}: {note}":
        "SMS на номер {phone} будет отправлено с номера {line}. {note}",
    "Send again": "Отправить снова",
    "Sent again below.": "Отправлено повторно, см. ниже.",
    "The SMS is queued to be sent again.": "SMS поставлено в очередь на повторную отправку.",
    "That SMS has already been sent again.": "Это SMS уже отправлено повторно.",
    "Only an SMS that failed can be sent again.":
        "Повторно можно отправить только SMS, которое не дошло.",
    "Write the reply first: an empty SMS is not sent.":
        "Сначала напишите ответ: пустое SMS не отправляется.",
    "The reply has {n} characters; an SMS can carry at most {max}. Shorten it or send it in "
    "two replies.":
        "В ответе {n} символов, а в SMS помещается не больше {max}. Сократите его или "
        "отправьте двумя ответами.",
    "The line {line} is no longer loaded, so there is no number to reply from.":
        "Линия {line} больше не загружена, поэтому ответить не с какого номера.",
    "{phone} asked for no more texts from {line} ({when}): nothing can be sent until they "
    "text START. Call them instead.":
        "Абонент {phone} отказался от SMS с номера {line} ({when}): отправить ничего нельзя, "
        "пока он не пришлёт START или СТАРТ. Позвоните ему.",
    "Twilio error {code}": "ошибка Twilio {code}",
    "Not sent: the caller asked for no more texts from this number.":
        "Не отправлено: абонент отказался от SMS с этого номера.",
    "The caller has opted out of texts from this number (they texted STOP).":
        "Абонент отказался от SMS с этого номера (прислал STOP).",
    "The number is not a valid phone number.": "Такого телефонного номера не бывает.",
    "The number is not a mobile number.": "Это не мобильный номер.",
    "This account may not text that country.": "С этого аккаунта нельзя отправлять SMS в эту страну.",
    "The phone was off or out of reach.": "Телефон был выключен или вне сети.",
    "The number does not exist or is no longer in service.":
        "Номер не существует или больше не обслуживается.",
    "The number is a landline or its carrier takes no texts.":
        "Это городской номер, или оператор не принимает SMS.",
    "The carrier filtered the text as spam.": "Оператор отфильтровал SMS как спам.",
    "The carrier did not say why.": "Оператор не сообщил причину.",
}
