"""When a caller says to call them back or when to come: "сегодня после трёх", "завтра
утром", "через двадцать пять минут", "в половине третьего", "двадцать пятого ноября в десять
тридцать", "tomorrow at 10:30", "November 25th" -> a moment in the line's time zone (CS-6).

Only what people say on the phone about a time is understood: a day (today, tomorrow, the
day after, a weekday, a date) and/or a time (a clock time in digits or words, "after three",
"half past two", a part of the day), or a delay ("in an hour"). Anything else gives None,
and the caller's words stay for a person. An hour said without am/pm is taken within the
working day: "после трёх" is 15:00. Numbers are read by `voicebot.language.numbers`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from voicebot.language import numbers

_CLOCK_WORDS = {"час": 1, "часа": 1, "noon": 12, "полдень": 12, "полудня": 12, "midday": 12}
"""Hours said without a number: "в час", "после часа", "к полудню" is not one, "at noon"."""
_PARTS = {
    "утром": 9, "утра": 9, "morning": 9, "днём": 13, "днем": 13, "обеда": 14, "обед": 14,
    "afternoon": 14, "lunch": 13, "вечером": 18, "вечера": 18, "evening": 18, "tonight": 18,
}
_MONTHS = {
    **{m: i for i, m in enumerate(("января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                                   "августа", "сентября", "октября", "ноября", "декабря"), 1)},
    **{m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june",
                                   "july", "august", "september", "october", "november",
                                   "december"), 1)},
}
_HALF = frozenset({"половине", "половина", "пол"})
""""в половине третьего" is 2:30 (a half into the third hour)."""
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
_HOURS = re.compile(r"^(час|часа|часов|часик|часика|часиков|hour|hours)$")
"""With the diminutives callers use: "через часик", "через пару часиков"."""
_DAYS_UNIT = re.compile(r"^(день|дня|дней|сутки|day|days)$")
_WEEKS = re.compile(r"^(неделю|недели|недель|неделька|week|weeks)$")
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")
WORKDAY_START, WORKDAY_END = 8, 20


def _delay(tokens: Sequence[str], at: int) -> dt.timedelta | None:  # noqa: PLR0911  one return per form of delay
    """'через час', 'через двадцать пять минут', 'через полтора часа', 'через полчаса',
    'in an hour', 'in forty five minutes', 'in half an hour'."""
    rest = tokens[at + 1 : at + 6]
    if not rest:
        return None
    if rest[0] in ("полчаса", "полчасика") or tuple(rest[:3]) == ("half", "an", "hour"):
        return dt.timedelta(minutes=30)
    if _HOURS.match(rest[0]):
        return dt.timedelta(hours=1)
    if _WEEKS.match(rest[0]):
        return dt.timedelta(weeks=1)
    amount: float | None = None
    unit_at = 1
    if rest[0] in ("пару", "couple") or tuple(rest[:3]) == ("a", "couple", "of"):
        amount, unit_at = 2, 3 if rest[0] == "a" else (2 if rest[0] == "couple" else 1)
    elif rest[0] in ("a", "an"):
        amount = 1
    else:
        said = numbers.spoken_numbers(rest)
        if said and said[0].start == 0:
            amount, unit_at = said[0].value, said[0].end
    unit = rest[unit_at] if unit_at < len(rest) else ""
    if amount is None:
        return None
    if _MINUTES.match(unit):
        return dt.timedelta(minutes=amount)
    if _HOURS.match(unit):
        return dt.timedelta(hours=amount)
    if _DAYS_UNIT.match(unit):
        return dt.timedelta(days=amount)
    if _WEEKS.match(unit):
        return dt.timedelta(weeks=amount)
    return None


def _hour_after(tokens: Sequence[str], at: int) -> tuple[int, int] | None:
    """'после трёх', 'в 15:30', 'в десять тридцать', 'at 3 pm', 'к пяти часам', 'в половине
    третьего' -> (hour, minute)."""
    if at + 1 >= len(tokens):
        return None
    token = tokens[at + 1]
    clock = _CLOCK.match(token)
    if clock:
        return int(clock[1]), int(clock[2])
    minute = 0
    if token.startswith("пол") and token != "пол" and numbers.ordinal(token[3:]) is not None:
        tokens = [*tokens[: at + 1], "пол", token[3:], *tokens[at + 2 :]]  # "полдесятого"
        token = "пол"
    if token in _HALF and at + 2 < len(tokens):
        third = numbers.ordinal(tokens[at + 2])
        if third is None or not 1 <= third <= 12:
            return None
        hour, minute, after = third - 1, 30, at + 3
    else:
        hour_word = _CLOCK_WORDS.get(token)
        if hour_word is None:
            said = numbers.spoken_numbers(tokens[at + 1 : at + 3])
            hour_word = int(said[0].value) if said and said[0].start == 0 else None
        if hour_word is None or not 0 <= hour_word <= 23:
            return None
        hour, after = hour_word, at + 2
        # "в десять тридцать", "at three fifteen", "в пятнадцать ноль ноль": minutes follow.
        said = numbers.spoken_numbers(tokens[after : after + 3])
        if said and said[0].start == 0 and said[0].value == int(said[0].value) \
                and (len(said[0].digits) == 2 or said[0].value >= 10) and said[0].value < 60:
            minute, after = int(said[0].value), after + said[0].end
    following = tokens[after : after + 2]
    if any(t in ("pm", "вечера", "дня") for t in following) and hour < 12:
        hour += 12
    elif not any(t in ("am", "утра") for t in following) and hour < WORKDAY_START:
        hour += 12  # "после трёх" during a working day is 15:00
    return hour, minute


def _day_of_month(tokens: Sequence[str], at: int) -> tuple[int, int | None, int] | None:
    """'25 ноября', 'двадцать пятого ноября', 'двадцать пятого числа', 'november 25th', 'the
    25th' from `at` -> (day, month or None, index after)."""
    if at < len(tokens) and tokens[at] in _MONTHS and tokens[at] != "may":
        day = _day_number(tokens, at + 1)
        if day is not None:
            return day[0], _MONTHS[tokens[at]], day[1]
        return None
    day = _day_number(tokens, at)
    if day is None:
        return None
    value, end = day
    if end < len(tokens) and tokens[end] in _MONTHS:
        return value, _MONTHS[tokens[end]], end + 1
    if end < len(tokens) and tokens[end] in ("числа", "число"):
        return value, None, end + 1
    if at > 0 and tokens[at - 1] == "the" and not tokens[at].isdigit():
        return value, None, end  # "the 25th", "the twenty fifth"
    if not tokens[at].isdigit() and (end - at == 2 or value >= 10) \
            and not (at > 0 and tokens[at - 1] in _HALF):
        return value, None, end  # "двадцать пятого", "двадцатого": too late in a day for an hour
    return None


def _day_number(tokens: Sequence[str], at: int) -> tuple[int, int] | None:
    """A day of the month said from `at`: '25', '25th', 'пятого', 'двадцать пятого', 'twenty
    fifth' -> (day, index after)."""
    if at >= len(tokens):
        return None
    token = tokens[at]
    if token.isdigit() and 1 <= int(token) <= 31:
        after = at + 1
        if after < len(tokens) and tokens[after] in ("го", "е", "th", "st", "nd", "rd"):
            after += 1
        return int(token), after
    if token in numbers.TENS and at + 1 < len(tokens):
        unit = numbers.ordinal(tokens[at + 1])
        if unit is not None and unit < 10 and numbers.TENS[token] + unit <= 31:
            return numbers.TENS[token] + unit, at + 2
    day = numbers.ordinal(token)
    return (day, at + 1) if day is not None and 1 <= day <= 31 else None


def _date(day: int, month: int | None, today: dt.date) -> dt.date | None:
    """The next date with that day (and month): past dates are next month's or next year's."""
    year, month_ = today.year, month or today.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month_, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        if month is not None:
            year += 1
        else:
            month_ = month_ % 12 + 1
            year += month_ == 1
    return None


@dataclass(frozen=True)
class Named:
    """A moment a caller named, and which of its parts they said: a booking that cannot meet
    "в четверг" differs from one that cannot meet "в четверг в десять" (the day, or the hour)."""

    moment: dt.datetime
    """In UTC; never before the time it was said."""
    day: bool
    """A day was said ("завтра", "в пятницу", "через неделю")."""
    time: bool
    """A time of day was said ("после трёх", "утром", "через час")."""


def parse(said: str, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """The moment `said` names, in `timezone`, or None when it names none."""
    found = named(said, now, timezone)
    return found.moment if found is not None else None


def named(said: str, now: dt.datetime, timezone: str) -> Named | None:
    """`parse`, keeping which parts of the moment were said."""
    tokens = re.findall(r"\d{1,2}[:.]\d{2}|\w+", said.lower().replace("ё", "е"))
    if not tokens:
        return None
    zone = ZoneInfo(timezone)
    here = now.astimezone(zone)
    soon, day = _after_a_while(tokens, here)
    if soon is not None:
        return Named(soon.astimezone(dt.UTC), day=False, time=True)
    day, in_date = _day_named(tokens, here, day)
    time = _time_named(tokens, in_date)
    if day is None and time is None:
        return None
    time_said = time is not None
    if time is None:
        time = WORKDAY_START + 1, 0  # a day alone: first thing in the morning
    hour, minute = time
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    moment = dt.datetime.combine(day or here.date(), dt.time(hour, minute), zone)
    if day is None and moment <= here:
        moment += dt.timedelta(days=1)  # "after three" said at five means tomorrow
    return Named(max(moment, here).astimezone(dt.UTC), day=day is not None, time=time_said)


def _after_a_while(tokens: list[str],
                   here: dt.datetime) -> tuple[dt.datetime | None, dt.date | None]:
    """"через 20 минут": the moment itself; "через неделю": only its day (a time of that day
    may be said apart, "через неделю, после шести")."""
    for i, token in enumerate(tokens):
        if token in _IN:
            delay = _delay(tokens, i)
            if delay is not None and delay < dt.timedelta(days=1):
                return here + delay, None
            if delay is not None:
                return None, (here + delay).date()
    return None, None


def _day_named(tokens: list[str], here: dt.datetime,
               day: dt.date | None) -> tuple[dt.date | None, set[int]]:
    """The day said ("завтра", "в пятницу", "двадцать пятого"), and which tokens a date took."""
    in_date: set[int] = set()
    for i, token in enumerate(tokens):
        if token in _DAYS:
            day = here.date() + dt.timedelta(days=_DAYS[token])
        elif token in _WEEKDAYS:
            ahead = (_WEEKDAYS[token] - here.weekday()) % 7 or 7
            day = here.date() + dt.timedelta(days=ahead)
        elif i not in in_date:
            named = _day_of_month(tokens, i)
            if named is not None:
                day = _date(named[0], named[1], here.date()) or day
                in_date.update(range(i, named[2]))
    return day, in_date


def _time_named(tokens: list[str], in_date: set[int]) -> tuple[int, int] | None:
    """The hour and minute said ("после трёх", "10:30"), else a part of the day ("утром")."""
    time: tuple[int, int] | None = None
    for i, token in enumerate(tokens):
        if i in in_date:
            continue
        if token in _AFTER:
            # A time never runs on into a date said after it: "в 10 двадцать пятого".
            limit = min((j for j in in_date if j > i), default=len(tokens))
            time = _hour_after(tokens[:limit], i) or time
        elif _CLOCK.match(token) and time is None:
            clock = _CLOCK.match(token)
            assert clock is not None
            time = int(clock[1]), int(clock[2])
    if time is None:
        part = next((_PARTS[t] for t in tokens if t in _PARTS), None)
        if part is not None:
            time = part, 0
    return time
