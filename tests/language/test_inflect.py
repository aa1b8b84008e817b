"""Generated Russian is grammatical: slot values take the case their template needs.

A real call that hears "Могу записать вас на среду, 25 ноября, в 10:00" is in
tests/test_seed_car_service.py; here the phrases a flow puts into templates (weekdays,
months, services, staff titles and names) are checked case by case."""

from __future__ import annotations

import pytest

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
