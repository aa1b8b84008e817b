"""Business hours in the flow's time zone, and how to say them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from voicebot.flows.model import Hours, TimeRange
from voicebot.language import inflect
from voicebot.language.tags import language_family

_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_DAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "ru": ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"],
}


def local(hours: Hours, now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(hours.timezone))


def is_open(hours: Hours, now: dt.datetime) -> bool:
    here = local(hours, now)
    if here.date() in hours.holidays:
        return False
    t = here.time()
    return any(r.start <= t < r.end for r in hours.week.get(here.weekday(), ()))


def spoken_time(moment: dt.time, language: str) -> str:
    """A clock time as the language says it: '14:30' in Russian; '2:30 PM', '8 AM', 'noon'
    in English, where a 24-hour '14:30' is read out digit by digit and sounds like a code."""
    if language_family(language) == "ru":
        return moment.strftime("%H:%M")
    if (moment.hour, moment.minute) == (12, 0):
        return "noon"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'AM' if moment.hour < 12 else 'PM'}"


def _span(r: TimeRange, lang: str) -> str:
    start, end = spoken_time(r.start, lang), spoken_time(r.end, lang)
    return f"с {start} до {end}" if lang == "ru" else f"from {start} to {end}"


def today(hours: Hours, now: dt.datetime, language: str) -> str:
    """'from 8 AM to 2:30 PM' (Russian 'с 08:00 до 14:30') or 'closed', for today in the
    flow's zone."""
    lang = language_family(language)
    here = local(hours, now)
    ranges = () if here.date() in hours.holidays else hours.week.get(here.weekday(), ())
    if not ranges:
        return "сегодня выходной" if lang == "ru" else "closed today"
    joined = (" и " if lang == "ru" else " and ").join(_span(r, lang) for r in ranges)
    return f"сегодня {joined}" if lang == "ru" else f"today {joined}"


def week(hours: Hours, language: str) -> str:
    """The weekly schedule, grouping consecutive days with the same hours:
    'Monday to Friday from 10 AM to 7 PM, Saturday from 11 AM to 6 PM', or in Russian as
    it is said after "мы работаем": 'с понедельника по пятницу с 10:00 до 19:00, в субботу с
    11:00 до 18:00'."""
    lang = language_family(language)
    names = _DAYS[lang]
    groups: list[tuple[int, int, tuple[TimeRange, ...]]] = []
    for day in range(7):
        ranges = hours.week.get(day, ())
        if groups and groups[-1][2] == ranges and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    parts = []
    for first, last, ranges in groups:
        if not ranges:
            continue
        if lang == "ru":
            days = _days_ru(first, last)
        else:
            days = names[first] if first == last else f"{names[first]} to {names[last]}"
        spans = (" и " if lang == "ru" else " and ").join(_span(r, lang) for r in ranges)
        parts.append(f"{days} {spans}")
    return ", ".join(parts)


def _days_ru(first: int, last: int) -> str:
    """'в субботу', 'во вторник', 'в субботу и воскресенье', 'с понедельника по пятницу',
    'со среды по пятницу'."""
    names = _DAYS["ru"]

    def on(day: int) -> str:
        return inflect.phrase(names[day], "accs")

    if (first, last) == (0, 6):
        return "ежедневно"
    if first == last:
        return f"{'во' if first == 1 else 'в'} {on(first)}"
    if last == first + 1:
        return f"{'во' if first == 1 else 'в'} {on(first)} и {on(last)}"
    since = inflect.phrase(names[first], "gent")
    return f"{'со' if first in (1, 2) else 'с'} {since} по {on(last)}"


def next_open(hours: Hours, now: dt.datetime, *, horizon_days: int = 21) -> dt.datetime | None:
    """The first moment at or after `now` within the hours; None if closed for `horizon_days`
    (a week of holidays is possible, a line closed for three weeks is a configuration)."""
    zone = ZoneInfo(hours.timezone)
    here = now.astimezone(zone)
    for offset in range(horizon_days + 1):
        day = here.date() + dt.timedelta(days=offset)
        if day in hours.holidays:
            continue
        for r in hours.week.get(day.weekday(), ()):
            start = dt.datetime.combine(day, r.start, zone)
            end = dt.datetime.combine(day, r.end, zone)
            candidate = max(start, here)
            if candidate < end:
                return candidate.astimezone(dt.UTC)
    return None


def is_business_day(hours: Hours, day: dt.date) -> bool:
    return day not in hours.holidays and bool(hours.week.get(day.weekday()))


def after_business_days(hours: Hours, now: dt.datetime, count: int) -> dt.date:
    """The date `count` business days after today in the flow's zone (OM-5): days the line
    is open, holidays skipped."""
    day = local(hours, now).date()
    left = count
    for _ in range(count * 7 + 60):  # a closed week or a run of holidays is fine; never is not
        if left == 0:
            return day
        day += dt.timedelta(days=1)
        if is_business_day(hours, day):
            left -= 1
    return day


def spoken_date(day: dt.date, language: str) -> str:
    """'Friday, November 27' or 'пятница, 27 ноября'."""
    if language_family(language) == "ru":
        return f"{_DAYS['ru'][day.weekday()]}, {day.day} {_MONTHS_RU[day.month - 1]}"
    return f"{_DAYS['en'][day.weekday()]}, {day.strftime('%B')} {day.day}"
