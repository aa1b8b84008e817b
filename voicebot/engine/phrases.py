"""The few sentences voicebot itself speaks, outside any flow's words."""

from __future__ import annotations

from voicebot.language.tags import language_family

PHRASES: dict[str, dict[str, str]] = {
    "queue_position": {
        "en": "You are number {position} in line.",
        "ru": "Ваш номер в очереди: {position}.",
    },
    # The wait loop's estimate, from how fast the queue moved recently ("about 3 minutes").
    "queue_estimate": {
        "en": "The wait is about {minutes}.",
        "ru": "Ждать примерно {minutes}.",
    },
    "queue_message_key": {
        "en": "To leave a message instead, press {digit} at any time.",
        "ru": "Чтобы не ждать и оставить сообщение, нажмите {digit} в любой момент.",
    },
    # A queue step's `keep_place` (issue 18): the offer in the wait loop and its answers.
    "kept_offer": {
        "en": "To keep your place in line and have us call you back, press {digit}.",
        "ru": "Чтобы сохранить место в очереди и дождаться нашего звонка, нажмите {digit}.",
    },
    "kept_withheld": {
        "en": "Sorry, your number is withheld, so we cannot call you back. Please stay on the "
              "line.",
        "ru": "Извините, ваш номер скрыт, поэтому мы не сможем вам перезвонить. Пожалуйста, "
              "оставайтесь на линии.",
    },
    "kept_confirm": {
        "en": "Thank you. You keep your place in line, and we will call you back at {number} "
              "when your turn comes. Goodbye.",
        "ru": "Спасибо. Ваше место в очереди сохранено, и мы перезвоним вам по номеру "
              "{number}, когда подойдёт ваша очередь. До свидания.",
    },
    "kept_hello": {
        "en": "Hello, this is {name} calling you back. You kept your place in line, and it "
              "is your turn now. Please hold while I put you through.",
        "ru": "Здравствуйте, это {name}, мы вам перезваниваем. Вы сохраняли место в очереди, "
              "и ваша очередь подошла. Пожалуйста, не кладите трубку, я соединяю вас с "
              "сотрудником.",
    },
    "kept_staff_gone": {
        "en": "Sorry, the person who was free a moment ago has just been taken. You keep your "
              "place, and we will call you again. Goodbye.",
        "ru": "Извините, сотрудник, который только что освободился, уже занят. Ваше место "
              "сохранено, и мы перезвоним вам ещё раз. До свидания.",
    },
    # The staff member who takes a kept place from the queue (`answer_queue`).
    "kept_staff_hold": {
        "en": "The next caller kept their place in line. We are calling them back at {number} "
              "now; please hold, and you will be put through when they answer.",
        "ru": "Следующий абонент сохранил место в очереди. Мы перезваниваем ему по номеру "
              "{number}; пожалуйста, не кладите трубку, соединим, как только он ответит.",
    },
    "kept_staff_retry": {
        "en": "They did not answer. We will try again after {when}.",
        "ru": "Абонент не ответил. Следующая попытка: {when}.",
    },
    "kept_staff_hung_up": {
        "en": "They answered, but hung up before you were put through.",
        "ru": "Абонент ответил, но положил трубку до соединения с вами.",
    },
    "kept_staff_ticket": {
        "en": "They did not answer, so there is now a ticket on the desk to call them back.",
        "ru": "Абонент не ответил; на пульте создана заявка, чтобы ему перезвонили.",
    },
    "start_over": {
        "en": "Sorry, we lost track of your call. Let's start again.",
        "ru": "Извините, мы потеряли ход разговора. Давайте начнём сначала.",
    },
    "unknown_number": {
        "en": "Sorry, this number is not in service. Goodbye.",
        "ru": "Извините, этот номер не обслуживается. До свидания.",
    },
    # The understanding layer's check on a guess: about a choice's `label`, then how to answer.
    "confirm_label": {
        "en": "Are you calling about {label}?",
        "ru": "Правильно ли я понимаю: {label}?",
    },
    "confirm_keys": {
        "en": "Please say yes or no, or press 1 for yes and 2 for no.",
        "ru": "Скажите «да» или «нет», или нажмите 1 — да, 2 — нет.",
    },
    "confirm_say": {
        "en": "Please say yes or no.",
        "ru": "Скажите, пожалуйста, «да» или «нет».",
    },
    "unavailable": {
        "en": "We are sorry, we cannot take your call right now. Please call again later.",
        "ru": "Извините, сейчас мы не можем принять ваш звонок. Пожалуйста, перезвоните позже.",
    },
    # Said before a transfer's or queue's fallback (usually the voicemail), so the caller
    # knows why they are asked to leave a message; a step's `unanswered:` overrides it.
    "unanswered": {
        "en": "Sorry, nobody is free to take your call right now.",
        "ru": "Извините, сейчас никто не может ответить на ваш звонок.",
    },
    # A transfer with a whisper: the caller, when the member who answered passed the call on.
    "still_trying": {
        "en": "Please hold, I am trying someone else.",
        "ru": "Пожалуйста, не кладите трубку: я соединяю вас с другим сотрудником.",
    },
    # The staff member who answered a transfer with a whisper, after the flow's `whisper:`.
    "whisper_keys": {
        "en": "Press 1 to take the call, or 2 to pass it on.",
        "ru": "Нажмите 1, чтобы принять звонок, или 2, чтобы передать его дальше.",
    },
    "whisper_passed": {
        "en": "Passing the call on. Goodbye.",
        "ru": "Передаю звонок дальше. До свидания.",
    },
    # A retry of a question the flow gives no `reprompt:` for.
    "not_caught": {
        "en": "Sorry, I didn't catch that.",
        "ru": "Извините, я вас не расслышала.",
    },
    # A `book` step's offer that is not the slot the client asked for says why, first.
    "slot_far": {
        "en": "We don't book that far ahead.",
        "ru": "Так далеко вперёд мы пока не записываем.",
    },
    "slot_soon": {
        "en": "That's too soon for us to get ready.",
        "ru": "Так скоро мы не успеем подготовиться.",
    },
    "slot_closed": {
        "en": "We're closed at that time.",
        "ru": "В это время мы не работаем.",
    },
    "slot_day_closed": {
        "en": "We're closed that day.",
        "ru": "В этот день мы не работаем.",
    },
    "slot_day_full": {
        "en": "That day is fully booked.",
        "ru": "На этот день свободного времени уже нет.",
    },
    "slot_taken": {
        "en": "That time is already taken.",
        "ru": "Это время уже занято.",
    },
    "choices": {"en": "You can {options}.", "ru": "Можно {options}."},
    "choice_say": {"en": "say {words}", "ru": "сказать {words}"},
    "choice_word": {"en": "{word}", "ru": "«{word}»"},
    "choice_press": {"en": "press {digits}", "ru": "нажать {digits}"},
    "or": {"en": " or ", "ru": " или "},
    "or_last": {"en": ", or ", "ru": " или "},
}


def phrase(key: str, language: str, **values: object) -> str:
    return PHRASES[key][language_family(language)].format(**values)
