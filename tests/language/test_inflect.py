"""Generated Russian is grammatical: slot values take the case their template needs.

A real call that hears "Могу записать вас на среду, 25 ноября, в 10:00" is in
tests/seeds/test_seed_car_service.py; here the phrases a flow puts into templates (weekdays,
months, services, staff titles and names) are checked case by case."""

from __future__ import annotations

import datetime as dt

import pytest

from voicebot.flows import hours
from voicebot.flows.model import Hours, TimeRange
from voicebot.language import inflect


@pytest.mark.parametrize(("value", "case", "said"), [
    # Weekdays and dates as the booking step speaks them.
    ("среда, 25 ноября, в 10:00", "вин", "среду, 25 ноября, в 10:00"),
    ("пятница, 27 ноября, в 16:00", "accs", "пятницу, 27 ноября, в 16:00"),
    ("суббота, 28 ноября", "вин", "субботу, 28 ноября"),
    ("понедельник, 30 ноября", "вин", "понедельник, 30 ноября"),
    ("воскресенье", "вин", "воскресенье"),
    ("среда", "пред", "среде"),
    ("ноябрь", "пред", "ноябре"),
    ("Среда, 2 декабря", "вин", "Среду, 2 декабря"),
    # Services: the head noun changes, what depends on it stays.
    ("замена масла", "вин", "замену масла"),
    ("диагностика ходовой части", "род", "диагностики ходовой части"),
    ("кузовной ремонт", "пред", "кузовном ремонте"),
    ("кузовной ремонт", "вин", "кузовной ремонт"),
    ("шиномонтаж", "твор", "шиномонтажом"),
    ("зимние шины", "род", "зимних шин"),
    # Staff: titles and names in apposition agree.
    ("мастер-консультант Иван", "дат", "мастеру-консультанту Ивану"),
    ("мастер-консультант Иван", "вин", "мастера-консультанта Ивана"),
    ("сервис-менеджер Дмитрий Орлов", "дат", "сервис-менеджеру Дмитрию Орлову"),
    ("Ольга Викторовна", "дат", "Ольге Викторовне"),
    ("новый мастер", "вин", "нового мастера"),
    ("инженер цеха", "твор", "инженером цеха"),
    # Nothing to inflect: numbers first, Latin text, the nominative, an empty value.
    ("25 ноября", "вин", "25 ноября"),
    ("John Smith", "дат", "John Smith"),
    ("среда", "им", "среда"),
    ("", "вин", ""),
])
def test_a_phrase_takes_the_case(value: str, case: str, said: str) -> None:
    assert inflect.phrase(value, case) == said


def test_a_template_says_the_case_after_the_colon() -> None:
    said = inflect.render("Могу записать вас на {slot:вин}. Вас примет {master}, позвоните {master:дат}.",
                          {"slot": "четверг, 26 ноября, в 12:00", "master": "мастер Пётр"})
    assert said == ("Могу записать вас на четверг, 26 ноября, в 12:00. Вас примет мастер Пётр, "
                    "позвоните мастеру Петру.")


def test_every_case_name_is_known_in_both_spellings() -> None:
    russian = ("им", "род", "дат", "вин", "твор", "пред")
    codes = ("nomn", "gent", "datv", "accs", "ablt", "loct")
    assert [inflect.case_code(n) for n in russian] == list(codes)
    assert [inflect.case_code(n) for n in codes] == list(codes)
    assert inflect.case_code("винительный") is None


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def load_hours(week: dict[str, str]) -> Hours:
    """`{"mon-fri": "10:00-19:00"}` as the flow loader reads it."""
    days: dict[int, tuple[TimeRange, ...]] = {}
    for span, times in week.items():
        first, _, last = span.partition("-")
        start, end = (dt.time.fromisoformat(t) for t in times.split("-"))
        for day in range(DAYS.index(first), DAYS.index(last or first) + 1):
            days[day] = (TimeRange(start, end),)
    return Hours("Europe/Moscow", days)


@pytest.mark.parametrize(("week", "said"), [
    ({"mon-fri": "10:00-19:00", "sat": "11:00-18:00"},
     "с понедельника по пятницу с 10:00 до 19:00, в субботу с 11:00 до 18:00"),
    ({"mon-fri": "08:00-20:00", "sat-sun": "09:00-18:00"},
     "с понедельника по пятницу с 08:00 до 20:00, в субботу и воскресенье с 09:00 до 18:00"),
    ({"tue": "09:00-13:00", "wed-fri": "09:00-18:00"},
     "во вторник с 09:00 до 13:00, со среды по пятницу с 09:00 до 18:00"),
    ({"tue-wed": "10:00-16:00"}, "во вторник и среду с 10:00 до 16:00"),
    ({"mon-sun": "08:00-21:00"}, "ежедневно с 08:00 до 21:00"),
])
def test_russian_hours_are_said_as_after_we_work(week: dict[str, str], said: str) -> None:
    """"Мы работаем {hours}" says "с понедельника по пятницу", "в субботу", not "понедельник —
    пятница, суббота"."""
    assert hours.week(load_hours(week), "ru-RU") == said


def test_english_hours_are_said_as_english_speakers_say_them() -> None:
    """Issue 17: "from 08:00 to 14:30" is read out as a code; an English line says the time."""
    assert hours.week(load_hours({"mon-fri": "08:00-14:30"}), "en-US") == \
        "Monday to Friday from 8 AM to 2:30 PM"
    assert hours.week(load_hours({"sat": "00:00-12:00"}), "en-US") == \
        "Saturday from midnight to noon"
