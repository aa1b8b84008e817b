"""CS-6: the time a caller asks to be called back, in their own words."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from voicebot.language.spoken_time import named, parse

MSK = ZoneInfo("Europe/Moscow")
MONDAY_11 = dt.datetime(2026, 11, 23, 11, 0, tzinfo=MSK)


@pytest.mark.parametrize(("said", "expected"), [
    ("сегодня после трёх", "Mon 23 15:00"),
    ("после трех", "Mon 23 15:00"),
    ("завтра утром", "Tue 24 09:00"),
    ("завтра после обеда", "Tue 24 14:00"),
    ("через час", "Mon 23 12:00"),
    ("через 20 минут", "Mon 23 11:20"),
    ("через полчаса", "Mon 23 11:30"),
    ("через полчасика", "Mon 23 11:30"),
    ("через пару часиков", "Mon 23 13:00"),
    ("через пару часов", "Mon 23 13:00"),
    ("в пятницу в 10", "Fri 27 10:00"),
    ("в понедельник с десяти", "Mon 30 10:00"),
    ("послезавтра", "Wed 25 09:00"),
    ("вечером", "Mon 23 18:00"),
    ("в 15:30", "Mon 23 15:30"),
    ("в 10", "Tue 24 10:00"),  # ten has passed today: tomorrow
    ("сегодня в 9", "Mon 23 11:00"),  # asked for a time gone by today: as soon as possible
    ("tomorrow at 10:30", "Tue 24 10:30"),
    ("after 3 pm", "Mon 23 15:00"),
    ("in an hour", "Mon 23 12:00"),
    ("in half an hour", "Mon 23 11:30"),
    ("friday morning", "Fri 27 09:00"),
    # Numbers in words, halves and dates (voicebot.language.numbers reads the numbers).
    ("перезвоните минут через двадцать пять, нет, через двадцать пять минут", "Mon 23 11:25"),
    ("через полтора часа", "Mon 23 12:30"),
    ("in forty five minutes", "Mon 23 11:45"),
    ("давайте в половине третьего", "Mon 23 14:30"),
    ("в половине десятого", "Tue 24 09:30"),
    ("в среду в полдесятого", "Wed 25 09:30"),
    ("завтра в десять тридцать", "Tue 24 10:30"),
    ("at three thirty", "Mon 23 15:30"),
    ("послезавтра в пятнадцать ноль ноль", "Wed 25 15:00"),
    ("двадцать пятого ноября", "Wed 25 09:00"),
    ("лучше 26 ноября в 12", "Thu 26 12:00"),
    ("в 10 двадцать пятого", "Wed 25 10:00"),
    ("на двадцать восьмое число после обеда", "Sat 28 14:00"),
    ("пятого декабря утром", "Sat 05 09:00"),
    ("november 27th", "Fri 27 09:00"),
    ("on the 30th at 2 pm", "Mon 30 14:00"),
    ("двадцатого", "Sun 20 09:00"),
    ("через неделю, в любой день после шести", "Mon 30 18:00"),
    ("через два дня утром", "Wed 25 09:00"),
    ("in a week", "Mon 30 09:00"),  # a day gone by this month: next month's
])
def test_cs6_spoken_call_back_times(said: str, expected: str) -> None:
    moment = parse(said, MONDAY_11, "Europe/Moscow")
    assert moment is not None
    assert moment.astimezone(MSK).strftime("%a %d %H:%M") == expected


@pytest.mark.parametrize("said", ["в ближайшее рабочее время", "сам не знаю", "", "как можно скорее",
                                  "whenever", "в третьем подъезде", "после пятого", "may I ask",
                                  "квартира двадцать пять"])
def test_words_that_name_no_time_give_none(said: str) -> None:
    assert parse(said, MONDAY_11, "Europe/Moscow") is None


def test_times_are_in_the_lines_zone() -> None:
    moment = parse("tomorrow at 9", dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC),
                   "America/Los_Angeles")
    assert moment == dt.datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.mark.parametrize(("said", "day", "time"), [
    ("в четверг", True, False),
    ("через неделю", True, False),
    ("после обеда", False, True),
    ("через часик", False, True),
    ("в пятницу к девяти", True, True),
    ("tomorrow morning", True, True),
])
def test_cs9_which_parts_of_a_moment_were_said(said: str, day: bool, time: bool) -> None:
    """A booking that cannot meet "в четверг" misses the day; one that cannot meet "в четверг в
    десять" may only miss the hour: the caller is told which (CS-9)."""
    found = named(said, MONDAY_11, "Europe/Moscow")
    assert found is not None
    assert (found.day, found.time) == (day, time)
