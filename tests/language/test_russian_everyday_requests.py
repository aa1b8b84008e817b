"""Russian mechanisms of issue 11's probes (ru3), on menus of our own words (not a flow's): a
thing said broken in everyday verbs (TS-4, CS-3), a collision (CS-2), another time proposed
(RT-4), a pronoun's role (HL-1), a job asked for with "кем" (HL-8) and an appliance to put in."""

from __future__ import annotations

import pytest

from tests.support.menus import best, menu
from voicebot.language import breakdown, installing, speaker
from voicebot.language.lemmas import analyse


@pytest.mark.parametrize(("said", "pair"), [
    ("тюнер у меня умер", ("тюнер", "умер")),
    ("аккумулятор садится", ("аккумулятор", "садится")),
    ("компрессор похоже накрылся", ("компрессор", "накрылся")),
    ("пульт не работает", ("пульт", "работает")),
    # HL-3: an appliance that trips the fuses is broken.
    ("духовка после включения выбивает автомат", ("шкаф", "выбивает")),  # "духовой шкаф"
])
def test_a_thing_fails_in_everyday_verbs_without_a_negation(said: str,
                                                            pair: tuple[str, str]) -> None:
    terms = analyse(said, "ru")
    assert [(terms[s].text, terms[v].text) for s, v in breakdown.failing(terms)] == [pair]


@pytest.mark.parametrize("said", ["приставка не сломалась, просто нет сигнала",
                                  "я сел и жду", "ничего не сгорело",
                                  # TS-8: what is not enough or not liked is a reason.
                                  "пенсии не хватает отключайте", "цена не устраивает"])
def test_a_failing_verb_negated_or_said_of_a_person_is_no_breakdown(said: str) -> None:
    assert breakdown.failing(analyse(said, "ru")) == []


SET_TOP = menu({"outage": ["нет сигнала", "не работает", "пропал"],
                "own_set": ["поломка", "не включается"],
                "equipment": ["тюнер", "пульт", "телевизор"]},
               {"outage": ["картинка на всех каналах замерла", "у соседей тоже нет сигнала"],
                "own_set": ["у приставки экран треснул"]})


@pytest.mark.parametrize("said", ["тюнер сдох", "пульт гикнулся окончательно",
                                  "у меня тюнер барахлит"])
def test_the_callers_set_dead_in_slang_is_their_own_breakdown(said: str) -> None:
    """TS-4: none of these verbs is the menu's; the set is the equipment's word."""
    assert best(SET_TOP, said) == "own_set"


GARAGE = menu({"body": ["кузов", "дтп", "бампер", "дверь"],
               "repair": ["неисправность", "ремонт"]})


@pytest.mark.parametrize("said", ["после аварии дверь не открывается",
                                  "в меня врезались, бампер не держится"])
def test_a_part_failing_after_a_collision_is_body_work(said: str) -> None:
    """CS-2: the collision is the matter, not a breakdown ("авария" of the class "collision")."""
    assert best(GARAGE, said) == "body"


def test_a_part_failing_with_no_collision_is_still_a_breakdown() -> None:
    assert best(GARAGE, "дверь не открывается") == "repair"


VISIT = menu({"away": ["не будет", "не успею", "не дома"],
              "move": ["перенести", "другое время"],
              "home": ["буду дома"]},
             {"away": ["я не успею вернуться к этому времени"],
              "move": ["давайте поменяем время"]})


@pytest.mark.parametrize("said", ["я не успею к этому времени, давайте попозже",
                                  "меня не будет, приходите в пятницу",
                                  "я на работе, давайте в другой раз"])
def test_another_time_proposed_outweighs_the_reason(said: str) -> None:
    """RT-4: a caller who proposes another time asks to move the visit."""
    assert best(VISIT, said) == "move"


def test_a_reason_alone_is_no_proposal() -> None:
    assert speaker.proposed(analyse("меня не будет до вечера", "ru")) == frozenset()


DESK = menu({"name": ["кто вы", "как вас зовут"],
             "jobs": ["вакансия", "трудоустройство"],
             "fitting": ["установка", "монтаж"],
             "advice": ["консультация", "как пользоваться", "как настроить", "как включить"]})


@pytest.mark.parametrize("said", ["кем можно к вам устроиться", "кем у вас работать",
                                  "а кем вы берёте"])
def test_kem_about_work_asks_for_a_job_not_the_name(said: str) -> None:
    """HL-8, HL-1: "кем" is "as whom", and "вам"/"у вас" are no subject of "кто вы"."""
    assert best(DESK, said) == "jobs"


def test_who_you_are_is_still_asked() -> None:
    assert best(DESK, "а вы кто") == "name"


@pytest.mark.parametrize("said", ["нужно поставить посудомойку", "кто у вас вешает кондиционеры",
                                  "хотим встроить духовку"])
def test_an_appliance_to_put_in_is_an_installation(said: str) -> None:
    assert best(DESK, said) == "fitting"


@pytest.mark.parametrize("said", ["как поставить таймер на плите", "поставить в очередь",
                                  "не надо ставить холодильник"])
def test_putting_without_an_appliance_or_asked_how_is_no_installation(said: str) -> None:
    assert not installing.asked(analyse(said, "ru"))


WORKSHOP = menu({"booking": ["поломка", "записаться"],
                 "engineer": ["технический вопрос", "электрика", "инженер"],
                 "body": ["покраска", "кузов", "капот"],
                 "price": ["стоимость", "сколько стоит"]},
                {"body": ["сколько стоит покрасить крыло"]})


@pytest.mark.parametrize("said", ["вопрос по электрике: почему генератор не заряжает",
                                  "технический вопрос, отчего стартер не крутит"])
def test_cs4_a_fault_asked_why_is_a_question_not_a_breakdown_to_book(said: str) -> None:
    """CS-4: "почему ... не заряжает" asks for an explanation (the engineer), where the same
    fault told ("генератор не заряжает") is a breakdown to book (CS-3)."""
    assert best(WORKSHOP, said) == "engineer"
    assert best(WORKSHOP, "генератор не заряжает, электрика барахлит") == "booking"


def test_cs2_a_price_asked_of_what_a_choice_examples_price_is_that_choice() -> None:
    """CS-2: body work's own example asks its price, so the price of painting is for the body
    master; the price of anything else is the price's."""
    assert best(WORKSHOP, "во что обойдётся покраска капота") == "body"
    assert best(WORKSHOP, "во что обойдётся замена ремня") == "price"
    without = menu({"body": ["покраска", "кузов", "капот"],
                    "price": ["стоимость", "сколько стоит"]})
    assert best(without, "во что обойдётся покраска капота") == "price"


@pytest.mark.parametrize("said", ["картинка пропала, а у соседей всё показывает",
                                  "сигнала нет, хотя у соседки нормально"])
def test_ts4_ts9_a_fault_the_neighbours_do_not_share_is_no_outage(said: str) -> None:
    """TS-9 alarms the director about a house without signal; a caller whose neighbours'
    sets work has a fault of their own (TS-4), whatever outage words they use."""
    assert best(SET_TOP, said) == "own_set"
    assert best(SET_TOP, "картинка пропала, и у соседей тоже не показывает") == "outage"
