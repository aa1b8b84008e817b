"""When a caller says to call them back: "сегодня после трёх", "завтра утром", "через час",
"tomorrow at 10:30", "in 20 minutes" -> a moment in the line's time zone (CS-6).

Only what people say on the phone about a call back is understood: a day (today, tomorrow,
the day after, a weekday) and/or a time (a clock time, "after three", a part of the day), or
a delay ("in an hour"). Anything else gives None, and the caller's words stay for a person.
An hour said without am/pm is taken within the working day: "после трёх" is 15:00.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_HOUR_WORDS = {
    # Nominative and genitive forms: "в три", "после трёх", "к пяти".
    "один": 1, "одного": 1, "час": 1, "часа": 1, "два": 2, "двух": 2, "три": 3, "трёх": 3,
    "трех": 3, "четыре": 4, "четырёх": 4, "четырех": 4, "пять": 5, "пяти": 5, "шесть": 6,
    "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
    "десять": 10, "десяти": 10, "одиннадцать": 11, "одиннадцати": 11, "двенадцать": 12,
    "двенадцати": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "noon": 12,
}
_AMOUNT_WORDS = {**_HOUR_WORDS, "пару": 2, "полчаса": 0, "a": 1, "an": 1, "couple": 2,
                 "пятнадцать": 15, "двадцать": 20, "тридцать": 30, "сорок": 40, "fifteen": 15,
                 "twenty": 20, "thirty": 30, "forty": 40, "half": 0}
_PARTS = {
    "утром": 9, "утра": 9, "morning": 9, "днём": 13, "днем": 13, "обеда": 14, "обед": 14,
    "afternoon": 14, "lunch": 13, "вечером": 18, "вечера": 18, "evening": 18, "tonight": 18,
}
_DAYS = {
    "сегодня": 0, "today": 0, "завтра": 1, "tomorrow": 1, "послезавтра": 2,
}
_WEEKDAYS = {
    "понедельник": 0, "вторник": 1, "среду": 2, "среда": 2, "четверг": 3, "пятницу": 4,
    "пятница": 4, "субботу": 5, "суббота": 5, "воскресенье": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
_AFTER = {"после", "after", "к", "by", "около", "around", "в", "at", "на", "с", "from"}
_IN = {"через", "in"}
_MINUTES = re.compile(r"^(минут|минуты|минуту|мин|minute|minutes|min|mins)$")
_HOURS = re.compile(r"^(час|часа|часов|hour|hours)$")
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")
WORKDAY_START, WORKDAY_END = 8, 20


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _AMOUNT_WORDS.get(token)


def _delay(tokens: list[str], at: int) -> dt.timedelta | None:
    """'через час', 'через 20 минут', 'через полчаса', 'in an hour', 'in half an hour'."""
    rest = tokens[at + 1 : at + 4]
    if not rest:
        return None
    if rest[0] == "полчаса" or rest[:3] == ["half", "an", "hour"]:
        return dt.timedelta(minutes=30)
    if _HOURS.match(rest[0]):
        return dt.timedelta(hours=1)
    amount = _number(rest[0])
    unit = rest[1] if len(rest) > 1 else ""
    if amount is None and rest[0] == "пару":
        amount = 2
    if amount is None:
        return None
    if _MINUTES.match(unit):
        return dt.timedelta(minutes=amount)
    if _HOURS.match(unit):
        return dt.timedelta(hours=amount)
    return None


def _hour_after(tokens: list[str], at: int) -> tuple[int, int] | None:
    """'после трёх', 'в 15:30', 'at 3 pm', 'к пяти часам' -> (hour, minute)."""
    if at + 1 >= len(tokens):
        return None
    token = tokens[at + 1]
    clock = _CLOCK.match(token)
    if clock:
        return int(clock[1]), int(clock[2])
    hour = _HOUR_WORDS.get(token) if not token.isdigit() else int(token)
    if hour is None or not 0 <= hour <= 23:
        return None
    following = tokens[at + 2 : at + 4]
    if any(t in ("pm", "вечера", "дня") for t in following) and hour < 12:
        hour += 12
    elif not any(t in ("am", "утра") for t in following) and hour < WORKDAY_START:
        hour += 12  # "после трёх" during a working day is 15:00
    return hour, 0


def parse(said: str, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """The moment `said` names, in `timezone`, or None when it names none."""
    tokens = re.findall(r"\d{1,2}[:.]\d{2}|\w+", said.lower())
    if not tokens:
        return None
    zone = ZoneInfo(timezone)
    here = now.astimezone(zone)
    for i, token in enumerate(tokens):
        if token in _IN:
            delay = _delay(tokens, i)
            if delay is not None:
                return (here + delay).astimezone(dt.UTC)
    day: dt.date | None = None
    for token in tokens:
        if token in _DAYS:
            day = here.date() + dt.timedelta(days=_DAYS[token])
        elif token in _WEEKDAYS:
            ahead = (_WEEKDAYS[token] - here.weekday()) % 7 or 7
            day = here.date() + dt.timedelta(days=ahead)
    time: tuple[int, int] | None = None
    for i, token in enumerate(tokens):
        if token in _AFTER:
            time = _hour_after(tokens, i) or time
        elif _CLOCK.match(token) and time is None:
            clock = _CLOCK.match(token)
            assert clock is not None
            time = int(clock[1]), int(clock[2])
    if time is None:
        part = next((_PARTS[t] for t in tokens if t in _PARTS), None)
        if part is not None:
            time = part, 0
    if day is None and time is None:
        return None
    if time is None:
        time = WORKDAY_START + 1, 0  # a day alone: first thing in the morning
    hour, minute = time
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    moment = dt.datetime.combine(day or here.date(), dt.time(hour, minute), zone)
    if day is None and moment <= here:
        moment += dt.timedelta(days=1)  # "after three" said at five means tomorrow
    return max(moment, here).astimezone(dt.UTC)

