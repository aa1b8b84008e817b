"""The Russian mechanisms of issue 11's later round, each on menus of our own words (not a
flow's): who is blamed, what is asked after a job in hand, hedged yes/no answers, a word's
family and clipped words, a seller, a request over its reason, and a grown-up beside a child
(CS-4, HL-2, HL-5, RT-2, TS-4)."""

from __future__ import annotations

import pytest

from tests.support.menus import best, menu
from voicebot.language import entities, places, polarity

WORKSHOP = menu({"body": ["кузов", "крыло", "бампер", "поцарапать"],
                 "booking": ["записаться", "ремонт", "не заводится"],
                 "status": ["когда будет готова", "стоимость"],
                 "complaint": ["жалоба", "претензия"]})


@pytest.mark.parametrize("said", ["ваш механик поцарапал мне бампер",
                                  "вы мне крыло помяли, пока машина стояла у вас",
                                  "меня у вас обсчитали"])
def test_harm_the_business_did_is_a_complaint_whatever_part_it_names(said: str) -> None:
    """CS-4: the part named is what the complaint is about, not body work to book."""
    assert best(WORKSHOP, said) == "complaint"


@pytest.mark.parametrize("said", ["мне на парковке поцарапали бампер",
                                  "вы сможете выправить крыло?"])
def test_harm_nobody_blames_the_business_for_is_the_job(said: str) -> None:
    assert best(WORKSHOP, said) == "body"


@pytest.mark.parametrize("said", ["долго ещё ремонт будет идти", "сколько ещё ждать ремонта",
                                  "когда уже доделаете ремонт", "скоро ли закончите ремонт"])
def test_how_much_longer_asks_after_the_job_in_hand(said: str) -> None:
    """CS-4: "how much longer" is the status question, though it names a repair."""
    assert best(WORKSHOP, said) == "status"


def test_a_booking_that_asks_when_stays_a_booking() -> None:
    assert best(WORKSHOP, "хочу записаться на ремонт, когда уже можно приехать") == "booking"


@pytest.mark.parametrize("said", ["точно не скажу", "даже не знаю", "не уверена",
                                  "наверное", "затрудняюсь ответить", "сложно сказать",
                                  "вряд ли"])
def test_a_hedge_is_neither_yes_nor_no(said: str) -> None:
    """HL-2: "точно не скажу" is no yes because it says "точно"."""
    assert polarity.answer(said, "ru") is None


@pytest.mark.parametrize(("said", "meant"), [("так что наверное да", "yes"),
                                             ("да нет, наверное, не надо", "no"),
                                             ("да, мне трудно прийти", "yes"),
                                             ("да, пожалуй", "yes")])
def test_a_hedge_beside_a_plain_answer_leans_that_way(said: str, meant: str) -> None:
    assert polarity.answer(said, "ru") == meant


FAMILY = menu({"consult": ["консультация"], "complain": ["пожаловаться"],
               "service": ["техобслуживание"], "other": ["адрес"]})


@pytest.mark.parametrize(("said", "meant"), [("хочу проконсультироваться", "consult"),
                                             ("мне бы проконсультироватся", "consult"),
                                             ("буду жаловаться", "complain"),
                                             ("пора на техобслужку", "service")])
def test_a_word_of_the_same_family_or_clipped_is_heard(said: str, meant: str) -> None:
    assert best(FAMILY, said) == meant


SUPPLY = menu({"spam": ["реклама", "рекламный"], "supplier": ["поставщик"],
               "wrong_number": ["не туда"]})


def test_a_firm_that_offers_goods_is_a_supplier_whatever_goods_it_names() -> None:
    """A voicemail's reasons outrank its services: a firm selling oils gets no oil quote."""
    assert best(SUPPLY, "мы предлагаем масла и фильтры по хорошим ценам") == "supplier"
    assert best(SUPPLY, "хотим предложить вам рекламу на радио") == "spam"


LEAVING = menu({"disconnect": ["отключить", "расторгнуть"], "payment": ["платить", "оплата"]})


@pytest.mark.parametrize("said", [
    "надоело платить за то, что не смотрю, хочу отключиться",
    # A reason said just before the request, in the clause before it.
    "с деньгами туго, нет возможности платить, отключайте",
    # The other aspect of the flow's verb ("расторгать" for "расторгнуть").
    "платить нечем, расторгайте договор",
])
def test_what_is_asked_for_outranks_why(said: str) -> None:
    """TS-8: the reason ("платить") is context beside the request ("хочу отключиться")."""
    assert best(LEAVING, said) == "disconnect"
    assert best(LEAVING, "где платить за прошлый месяц") == "payment"


PRICED = menu({"disconnect": ["отключить"], "prices": ["цена", "стоимость", "сколько стоит"]})


@pytest.mark.parametrize("said", ["цены у вас высокие, отключайте нас",
                                  "у вас цены конские, хочу отключиться",
                                  "цену опять подняли, отключите меня"])
def test_ts8_a_price_judged_beside_a_request_is_its_reason(said: str) -> None:
    """TS-8: "цены высокие" says why the caller leaves; it asks no price."""
    assert best(PRICED, said) == "disconnect"


@pytest.mark.parametrize("said", ["какие у вас цены", "почему цены выросли", "цены",
                                  "сколько стоит отключить второй телевизор"])
def test_a_price_asked_is_still_asked(said: str) -> None:
    assert best(PRICED, said) == "prices"


HELP = menu({"consultation": ["настройка", "режим"], "repair": ["не работает"]})


def test_not_coping_with_a_thing_asks_about_it() -> None:
    """"не могу разобраться с настройками": the settings are affirmed, not denied."""
    assert best(HELP, "не могу разобраться с настройками") == "consultation"


@pytest.mark.parametrize(("said", "town"), [("мы в Ногинске живём", "Ногинск"),
                                            ("из Сергиева Посада", "Сергиев Посад"),
                                            ("живу в Щёлкове", "Щёлково"),
                                            ("из Орехово-Зуево", "Орехово-Зуево"),
                                            # A case form GeoNames lists as a name.
                                            ("в Балашихе живём", "Балашиха"),
                                            ("в Ростове-на-Дону", "Ростов-на-Дону"),
                                            ("в Набережных Челнах", "Набережные Челны"),
                                            ("в Великих Луках", "Великие Луки"),
                                            ("живём в деревне у леса", None)])
def test_the_town_named_is_kept_in_the_nominative(said: str, town: str | None) -> None:
    """HL-5: the ticket records the caller's town, not the centre's city."""
    assert places.town_said(said, "ru") == town


@pytest.mark.parametrize(("said", "adult"), [("с дочкой семи лет останется дедушка", True),
                                             ("будет няня с ребёнком", True),
                                             ("бабушки не будет, только сын, ему девять", False),
                                             ("только дочка, ей восемь", False)])
def test_a_grown_up_named_beside_a_child(said: str, adult: bool) -> None:
    """RT-2: a grown-up named without an age still means someone over 14 is home."""
    assert entities.names_an_adult(said) is adult


CABLE = menu({"disconnect": ["отказаться", "отключить"], "connect": ["подключиться"],
              "booking": ["записаться"]})


@pytest.mark.parametrize(("said", "meant"), [("мы отказываемся от кабельного", "disconnect"),
                                             ("отключаем, больше не смотрим", "disconnect"),
                                             ("подключаемся к вам с нового года", "connect"),
                                             ("записываюсь к вам на среду", "booking")])
def test_a_verb_in_its_other_aspect_is_the_same_request(said: str, meant: str) -> None:
    """TS-8: "отказываемся" (imperfective) is the flow's "отказаться" (perfective)."""
    assert best(CABLE, said) == meant


def test_an_irregular_aspect_pair_is_not_made_up() -> None:
    # "спрашивать"/"спросить" is no -ать/-ить pair: nothing invents "спрашить".
    assert best(menu({"ask": ["спросить"]}), "я спрашиваю") is None


@pytest.mark.parametrize(("said", "meant"), [("не, этот служебный, давайте другой", "no"),
                                             ("не, не надо", "no"),
                                             ("да, звоните на него", "yes"),
                                             ("нет, лучше на рабочий", "no")])
def test_a_plain_answer_said_first_on_its_own_decides(said: str, meant: str) -> None:
    """A leading "не"/"нет"/"да" is the answer; "давайте другой" after it explains the no."""
    assert polarity.answer(said, "ru") == meant


def test_a_lone_ne_is_the_colloquial_no_in_a_menu() -> None:
    done = menu({"done": ["нет", "это всё"], "more": ["да", "ещё вопрос"]})
    assert best(done, "не, всё понятно") == "done"
    # A "не" that negates a word of its clause stays a negation.
    assert best(done, "не всё понятно, ещё вопрос") == "more"


@pytest.mark.parametrize(("said", "meant"), [("да не, не надо", "no"), ("да нет, не нужно", "no"),
                                             ("да нет же", "no"),
                                             ("да кто ж его знает", None),
                                             ("да, приезжайте", "yes")])
def test_a_da_said_straight_into_a_no_or_an_exclamation_is_no_yes(said: str,
                                                                   meant: str | None) -> None:
    """HL-3 (the warranty question): "да нет" and "да не" are the colloquial no, "да кто ж
    его знает" does not know; only a "да" on its own or before other words says yes."""
    assert polarity.answer(said, "ru") == meant


def test_da_before_a_no_in_a_menu_closes() -> None:
    done = menu({"done": ["нет", "это всё"], "more": ["да", "ещё вопрос"]})
    assert best(done, "да не, всё") == "done"
    assert best(done, "да, ещё вопрос") == "more"


DEPARTMENTS = menu({"any": ["вопрос", "специалист"],
                    "engineer": ["электрика", "двигатель"],
                    "consultant": ["стоимость", "почём", "сроки"]})


@pytest.mark.parametrize(("said", "expected"), [
    ("у меня вопрос по проводке и электрике", "engineer"),
    ("вопросик насчёт стоимости замены", "consultant"),
    # A question without its topic is still the choice for any question.
    ("у меня вопрос, соедините со специалистом", "any"),
])
def test_a_question_with_its_topic_is_about_the_topic(said: str, expected: str) -> None:
    """CS-3: "вопрос по ..." asks the specialist of what follows, not any specialist."""
    assert best(DEPARTMENTS, said) == expected


def test_why_is_not_how_much() -> None:
    """"почему" and "почём" share a stem by spelling only: a question word is heard as
    itself, so asking why the battery dies is no price question."""
    assert best(DEPARTMENTS, "почему двигатель глохнет") == "engineer"
    assert best(menu({"price": ["почём"], "other": ["когда"]}), "почему так") is None


SIGNAL = menu({"outage": ["нет сигнала", "у соседей", "весь дом"],
              "leave": ["отключить", "уходим"],
              "channels": ["каналы"]})


@pytest.mark.parametrize("said", ["сигнала нету ни у нас, ни у соседей",
                                  "ни у меня ни у соседей ничего нет"])
def test_neither_mine_nor_the_neighbours_names_where_it_is_missing(said: str) -> None:
    """TS-9: "ни у соседей" beside the clause's own negation stresses it; the neighbours
    have no signal either, which is an outage, not a denial of the neighbours."""
    assert best(SIGNAL, said) == "outage"


@pytest.mark.parametrize("said", ["всё, мы от вас уйдём", "решили уйти к другому провайдеру"])
def test_a_verb_of_going_is_heard_in_either_aspect(said: str) -> None:
    """TS-8: "уйти" is the other aspect of the flow's "уходим" (their roots differ)."""
    assert best(SIGNAL, said) == "leave"


@pytest.mark.parametrize(("said", "expected"), [
    ("куда можно вносить оплату", "pay"),           # "внести оплату" listed
    ("можно переносить визит", "move"),             # "перенести" listed
])
def test_a_verb_of_carrying_is_heard_in_either_aspect(said: str, expected: str) -> None:
    """TS-2, RT-1: "вносить" / "внести", "переносить" / "перенести" differ in root."""
    carrying = menu({"pay": ["внести оплату"], "move": ["перенести"], "other": ["договор"]})
    assert best(carrying, said) == expected


VISIT = menu({"waiting": ["буду", "дома"], "other_time": ["другое время", "перенести"],
              "away": ["не буду", "на работе"]})


@pytest.mark.parametrize("said", ["да я сегодня целый день дома", "сегодня весь день буду"])
def test_a_span_that_holds_any_window_is_no_other_time(said: str) -> None:
    """RT-1: "весь день", "в любое время" hold the window offered: no reschedule."""
    assert best(VISIT, said) == "waiting"


def test_a_day_named_is_still_another_time() -> None:
    assert best(VISIT, "а можно в пятницу") == "other_time"


@pytest.mark.parametrize(("said", "meant"), [
    ("гарантия ещё есть, брали этой весной", "yes"),
    ("на гарантии, покупали в январе", "yes"),
    ("гарантии больше нет, брали давно", "no"),
    # One clause telling its own story stays unanswered.
    ("гарантия была на два года, брали три года назад", None),
])
def test_hl3_a_clause_that_echoes_the_question_answers_it_beside_a_reason(
        said: str, meant: str | None) -> None:
    """HL-3: "Техника ещё на гарантии?" answered with the question's words in one clause and
    the why in another is that answer."""
    assert polarity.answer(said, "ru", "Техника ещё на гарантии?") == meant


@pytest.mark.parametrize(("said", "meant"), [
    ("нет, лучше на мобильный мужа", "no"),
    ("на номер дочери", "no"),
    ("да, на этот самый", "yes"),
    ("на мой номер", "yes"),
])
def test_cs6_another_number_named_beside_the_one_asked_is_a_no(said: str, meant: str) -> None:
    """CS-6: "Перезвонить вам на номер, с которого вы звоните?" - "на номер мужа" names
    another number than the one asked about: the flow asks for it instead of calling this one."""
    question = "Перезвонить вам на номер, с которого вы звоните?"
    assert polarity.answer(said, "ru", question) == meant
