"""Russian mechanisms of issue 11's held-out classes, on menus of our own words (not a
flow's): a question about using a thing (HL-3's consultation), the people something is for
(HL-8), and a thing of the caller's said not to work (TS-4)."""

from __future__ import annotations

import pytest

from tests.support.menus import best, menu
from voicebot.language import breakdown
from voicebot.language.lemmas import analyse

DESK = menu({"repair": ["сломался", "ремонт", "не работает"],
             "fitting": ["установка", "монтаж", "подключить"],
             "advice": ["консультация", "как пользоваться", "как настроить", "как включить"],
             "jobs": ["вакансия", "трудоустройство"]},
            {"repair": ["у меня сломалась стиральная машина"]})


@pytest.mark.parametrize("said", ["никак не пойму, как у чайника подсветку убрать",
                                  "можно ли в мультиварке варить варенье",
                                  "нельзя ли в микроволновке греть яйца",
                                  "какой объём у этого холодильника",
                                  "сколько скоростей у миксера",
                                  "чем оттереть накипь в чайнике",
                                  "какой режим нужен для шерстяных вещей"])
def test_a_question_about_using_a_thing_is_advice(said: str) -> None:
    """HL-3: how to use a thing, what it can do, what it has: a consultation, whatever the
    act or the property (none of these words is the menu's)."""
    assert best(DESK, said) == "advice"


@pytest.mark.parametrize("said", ["как починить стиральную машину",
                                  "а какие у вас вакансии есть",
                                  "можно сразу перейти к оплате"])
def test_a_question_about_the_business_or_the_repair_itself_is_not_advice(said: str) -> None:
    """"как починить" asks for the repair's own act; "у вас" asks about the business."""
    assert best(DESK, said) != "advice"


def test_the_people_something_is_for_are_no_trade_asked_for() -> None:
    """HL-8: "места для монтажников" asks about staff, not for a fitting; "нужен
    монтажник" still asks for one."""
    assert best(DESK, "найдутся ли места для монтажников") != "fitting"
    assert best(DESK, "нужен монтажник") == "fitting"


SET_TOP = menu({"outage": ["нет сигнала", "не работает", "пропал"],
                "own_set": ["поломка", "не включается"],
                "equipment": ["тюнер", "пульт", "телевизор"]},
               {"outage": ["картинка на всех каналах замерла", "у соседей тоже нет сигнала"],
                "own_set": ["у приставки экран треснул"]})


@pytest.mark.parametrize("said", ["у меня пульт перестал слушаться, кнопки не нажимаются",
                                  "тюнер после ливня не подаёт признаков жизни, индикатор не горит",
                                  "пульт от телевизора не работает"])
def test_a_thing_of_the_callers_that_does_not_work_is_their_own_breakdown(said: str) -> None:
    """TS-4: the subscriber's own set failing is no outage in the house, nor a question
    about equipment, even in the outage's words ("не работает")."""
    assert best(SET_TOP, said) == "own_set"


@pytest.mark.parametrize("said", ["картинка не двигается", "сигнал у нас не идёт"])
def test_the_service_said_not_to_work_stays_an_outage(said: str) -> None:
    """TS-9: what fails is the picture or the service, which the outage's words name."""
    assert best(SET_TOP, said) in ("outage", None)


@pytest.mark.parametrize("said", ["ответ от мастера так и не пришёл", "деньги нам не вернули",
                                  "договор не могу найти"])
def test_what_did_not_arrive_or_was_not_done_is_no_breakdown(said: str) -> None:
    """A thing that did not come, was not done for the caller, or that the caller cannot do:
    no thing of theirs failing."""
    assert breakdown.failing(analyse(said, "ru")) == []


def test_a_thing_said_not_to_work_is_read_with_its_verb() -> None:
    terms = analyse("у приставки индикатор не загорается", "ru")
    assert [(terms[s].text, terms[v].text) for s, v in breakdown.failing(terms)] == [
        ("индикатор", "загорается")]


def test_a_noun_of_the_other_aspect_is_the_flows_verb() -> None:
    """"оценивание" is made from "оценивать", the other aspect of a flow's "оценить"."""
    rating = menu({"rating": ["оценить"], "repair": ["ремонт"]})
    assert best(rating, "хочу перейти к оцениванию") == "rating"
