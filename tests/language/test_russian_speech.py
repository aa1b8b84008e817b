"""Russian as callers speak it: everyday words for a flow's standard ones, fixed formulas of
conversation, and examples that negate a word (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.menus import best, menu
from voicebot.compiler.loader import load_flow
from voicebot.engine import answers
from voicebot.language import negation, polarity
from voicebot.language.lemmas import analyse

HOTLINE = menu({"repair": ["стиральная машина", "посудомоечная машина", "кондиционер"],
                "consultation": ["инструкция"]})


@pytest.mark.parametrize("said", ["стиралка не отжимает", "у посудомойки горит лампочка",
                                  "кондей капает"])
def test_an_everyday_word_is_the_flows_standard_one(said: str) -> None:
    """HL-3: callers name the appliance as they do at home, the flow as the catalogue does."""
    assert best(HOTLINE, said) == "repair"


def test_a_word_that_is_not_colloquial_is_left_alone() -> None:
    assert [t.text for t in analyse("стиральная машина", "ru")] == ["стиральная", "машина"]
    assert [t.lemma for t in analyse("стиралку", "ru")] == ["стиральный", "машина"]
    assert [t.lemma for t in analyse("телик", "ru")] == ["телевизор"]


FAREWELL = menu({"goodbye": ["до свидания"], "more": ["вопрос"]})
NOT_KNOWN = menu({"unsure": ["не знаю"]})
WHO = menu({"agent_name": ["с кем я говорю"], "repair": ["ремонт"]})


@pytest.mark.parametrize("said", ["договорились, всего доброго", "ну всё, счастливо",
                                  "спасибо, всех благ", "всего вам наилучшего"])
def test_any_formula_of_leave_taking_closes_the_call(said: str) -> None:
    """HL-7: the caller closes the conversation in words of their own."""
    assert best(FAREWELL, said) == "goodbye"


def test_a_formula_of_not_knowing_is_not_knowing() -> None:
    assert best(NOT_KNOWN, "да бог его знает") == "unsure"
    assert best(NOT_KNOWN, "хз, не смотрел") == "unsure"
    assert best(NOT_KNOWN, "знает мастер, его спросите") is None


@pytest.mark.parametrize(("said", "expected"), [
    ("холодильнику лет десять, какая уж тут гарантия", "no"),
    ("ну какой ремонт, проще новый купить", "no"),
    ("какая гарантия у этой модели, два года?", None),
    # Unpunctuated: the next clause's subject ends the rhetorical one.
    ("ну какой ремонт она у нас двенадцать лет", "no"),
])
def test_a_rhetorical_which_denies_what_it_names(said: str, expected: str | None) -> None:
    """HL-3: "какая там гарантия" after the appliance's age is an answer no (out of warranty);
    "какая гарантия у ..." is a real question and is not."""
    assert polarity.answer(said, "ru") == expected


def test_a_school_mark_rates_the_conversation() -> None:
    """HL-8: the caller who asks to give a rating goes to it, in the words of a school mark."""
    rating = menu({"rating": ["поставить оценку"], "more": ["вопрос"]})
    assert best(rating, "ну поставлю вам четвёрку") == "rating"
    assert best(rating, "ставлю пятерочку") == "rating"


def test_who_is_speaking_in_a_formula() -> None:
    """HL-1: "с кем имею честь?" asks the agent's name."""
    assert best(WHO, "простите, с кем имею честь?") == "agent_name"
    assert best(WHO, "а с кем я имею дело?") == "agent_name"


VISIT = menu(
    {"cancel": ["отменить"], "waiting": ["жду"]},
    {"cancel": ["не приезжайте, всё уже наладилось", "мы передумали, ремонт не нужен"],
     "waiting": ["да, приезжайте, я дома", "буду ждать мастера"]})


def test_a_word_an_example_negates_votes_only_when_the_caller_negates_it() -> None:
    """RT-4: "не приезжайте" cancels the visit, "приезжайте" confirms it; the cancel example's
    "приезжайте" is no vote for cancelling when it is said without the negation."""
    assert best(VISIT, "я передумала, не приезжайте") == "cancel"
    assert best(VISIT, "приезжайте, я на месте, дома") == "waiting"


def test_a_negated_verb_denies_its_whole_clause_in_russian() -> None:
    """RT-1: "меня дома не будет" denies being at home; "я дома" is no vote for it."""
    terms = analyse("меня дома не будет, я на работе", "ru")
    assert {terms[i].text for i in negation.denied(terms, "ru")} == {"меня", "дома", "будет"}
    away = menu({"away": ["на работе"], "waiting": ["жду"]},
                {"away": ["в это время меня дома не будет", "я весь день на работе"],
                 "waiting": ["да, я дома, приезжайте", "весь день буду дома"]})
    assert best(away, "в это время я дома") != "away"
    assert best(away, "дома никого не будет, все на работе") == "away"


def test_a_known_verb_is_not_the_noun_its_stem_extends() -> None:
    """HL-8 vs HL-3: "как работает режим" asks how a mode works, not for a job (работа);
    TS-2: "вы проводите интернет?" is no "провод"."""
    hotline = menu({"job": ["работа", "вакансия"], "consultation": ["режим"]})
    assert best(hotline, "подскажите, как работает этот режим") == "consultation"
    assert best(hotline, "ищу работу") == "job"
    cable = menu({"cable": ["провод"]})
    assert best(cable, "вы и телефонную линию проводите?") is None
    assert best(cable, "провода у нас старые") == "cable"


@pytest.mark.parametrize(("said", "away"), [
    ("я до ночи на дежурстве", True),
    ("мы с мужем в санатории", True),
    ("я буду на месте", False),
    ("давайте лучше на следующей неделе", False),
    ("я не на работе, я дома", False),
])
def test_a_caller_somewhere_else_is_not_at_home(said: str, away: bool) -> None:
    """RT-1: "will you be home?" answered with where the caller is instead: a flow lists
    "не дома" for it, not every place a client may be."""
    visit = menu({"away": ["не дома"], "waiting": ["буду на месте", "дома"]})
    assert (best(visit, said) == "away") is away


FLOWS = Path(__file__).resolve().parents[2] / "flows"


def heard_at(flow_id: str, at: str, said: str) -> answers.Heard | None:
    """What a shipped flow's ask `at` hears in `said`."""
    flow = load_flow(FLOWS / f"{flow_id}.yaml")
    return answers.hear(flow, flow.states[at], "", said)  # type: ignore[arg-type]


@pytest.mark.parametrize(("flow_id", "at", "said", "goto"), [
    # TS-6: the disability is what was denied: no home visit.
    ("telesputnik", "home_visit_question", "инвалидности у меня нет", "more_questions"),
    # HL-7: "no questions" is the answer no to "any more questions?".
    ("hotline", "more_questions", "вопросов нет", "closing"),
    ("hotline", "more_questions", "неа", "closing"),
])
def test_an_answer_that_only_negates_a_choice_is_the_answer_no(
        flow_id: str, at: str, said: str, goto: str) -> None:
    heard = heard_at(flow_id, at, said)
    assert heard is not None and heard.certainty == "sure" and heard.choice.goto == goto


def test_a_russian_no_after_what_is_missing_negates_it() -> None:
    terms = analyse("инвалидности у меня нет", "ru")
    assert negation.scope(terms, "ru") == {0}
    assert negation.scope(analyse("вопросов больше нет", "ru"), "ru") == {0}
    assert negation.scope(analyse("да нет", "ru"), "ru") == set()


@pytest.mark.parametrize("said", ["не очень срочно, по договору аренды", "не так уж срочно",
                                  "не слишком срочное дело"])
def test_a_word_of_degree_does_not_stop_the_negation(said: str) -> None:
    """TS-7: "не очень срочно" is not urgent: the director is not alarmed."""
    assert menu({"urgent": ["срочно", "срочный"]}).hear(said).best is None


@pytest.mark.parametrize(("said", "expected"), [
    ("а можно завтра?", "move"),
    ("я смогу только после шести", "move"),
    ("я до вечера на дежурстве", "away"),
])
def test_a_day_or_time_named_asks_for_another_time(said: str, expected: str) -> None:
    """RT-4: asked whether they will be home in the window, a client who names a day or a time
    asks to move the visit; one who says where they are instead will not be home (RT-1)."""
    visit = menu({"away": ["не дома"], "move": ["другое время"], "waiting": ["да", "буду"]})
    assert best(visit, said) == expected


def test_a_question_inside_the_sentence_is_not_negated() -> None:
    """HL-3: "не знаю, как включить" asks how to switch it on (a consultation)."""
    terms = analyse("не знаю как включить духовку", "ru")
    assert {terms[i].text for i in negation.scope(terms, "ru")} == {"знаю"}
    consult = menu({"consultation": ["как включить"], "repair": ["не включается"]})
    assert best(consult, "не знаю как включить духовку") == "consultation"


def test_a_noun_of_action_is_the_verb_it_is_made_from() -> None:
    """HL-3: "подключение варочной панели" asks for what "подключить" lists."""
    install = menu({"installation": ["подключить", "установить"], "repair": ["сломался"]})
    assert best(install, "подключение варочной панели") == "installation"
    assert best(install, "нужна установка духового шкафа") == "installation"
    assert best(install, "нужна панель") is None


def test_a_word_written_as_it_sounds_is_the_flows_word() -> None:
    """A recognizer writes unstressed "о" as "а" and "е" as "и": "халадильник не марозит"."""
    repair = menu({"repair": ["холодильник", "не морозит"], "install": ["установка"]})
    assert best(repair, "халадильник не марозит") == "repair"
    assert best(repair, "халадильник") == "repair"
    assert best(repair, "халат") is None


def test_any_how_to_question_is_the_choice_that_lists_several() -> None:
    """HL-3: a consultation lists "как настроить", "как включить", "как пользоваться"; "как
    выставить часы" is one too, though the flow does not list it."""
    hotline = menu({"consultation": ["как настроить", "как включить", "как пользоваться"],
                    "repair": ["не работает"]})
    assert best(hotline, "а как выставить часы на плите") == "consultation"
    assert best(hotline, "как быть, плита не работает") == "repair"
    fewer = menu({"consultation": ["как настроить"], "repair": ["не работает"]})
    assert best(fewer, "а как выставить часы на плите") is None


@pytest.mark.parametrize("said", ["девушка, а вас как величать", "как тебя звать-то"])
def test_asking_the_listeners_name_the_old_way_asks_it(said: str) -> None:
    """HL-1: "как вас величать" asks the operator's name like "как вас зовут"."""
    names = menu({"agent_name": ["как вас зовут"], "repair": ["ремонт"]})
    assert best(names, said) == "agent_name"


def test_a_short_word_written_as_it_sounds_is_heard() -> None:
    """"завут" for "зовут": only the unstressed vowels differ, so even a five-letter word is
    found by sound (spelling is compared only from six letters)."""
    names = menu({"agent_name": ["зовут"], "repair": ["ремонт"]})
    assert best(names, "девушка, а как вас завут") == "agent_name"


def test_where_the_car_goes_is_not_where_it_is() -> None:
    """CS-1 / CS-4: "на ремонт" (to be repaired) is not "на ремонте" (being repaired): the
    phrase heard in the noun's other case counts less than the booking's own word."""
    workshop = menu({"status": ["на ремонте", "когда заберу"], "booking": ["записать"]})
    assert best(workshop, "записатся на ремонт") == "booking"
    assert best(workshop, "машина у вас на ремонте уже неделю") == "status"


@pytest.mark.parametrize(("said", "lemma"), [("отключица", "отключиться"),
                                             ("записатся", "записаться"),
                                             ("улица", "улица")])
def test_a_reflexive_verb_written_as_it_sounds_is_that_verb(said: str, lemma: str) -> None:
    """TS-8: "хочу отключица" is "отключиться" ("-ться" sounds "-цца"); a noun in "-ца" the
    dictionary knows stays itself."""
    assert analyse(said, "ru")[0].lemma == lemma


@pytest.mark.parametrize(("said", "words"), [
    ("меня ни будет", ["меня", "не", "будет"]),
    ("ни туда ни сюда", ["ни", "туда", "ни", "сюда"]),
    ("как ни звоню, не берут", ["как", "ни", "звоню", "не", "берут"]),
])
def test_ni_before_a_verb_is_the_recognizers_ne(said: str, words: list[str]) -> None:
    """RT-1: "меня ни будет" says "не будет"; "ни ... ни" and a conceding "ни" stay."""
    assert [t.text for t in analyse(said, "ru")] == words


def clauses(said: str) -> list[list[str]]:
    found: dict[int, list[str]] = {}
    for t in analyse(said, "ru"):
        found.setdefault(t.clause, []).append(t.text)
    return list(found.values())


@pytest.mark.parametrize(("said", "expected"), [
    ("я никуда не ухожу приезжайте", [["я", "никуда", "не", "ухожу"], ["приезжайте"]]),
    ("всё заработало само не надо приезжать",
     [["все", "заработало", "само"], ["не", "надо", "приезжать"]]),
    ("меня не будет я на работе", [["меня", "не", "будет"], ["я", "на", "работе"]]),
    ("не собираюсь буду ждать", [["не", "собираюсь"], ["буду", "ждать"]]),
    ("гарантия ещё есть купили недавно", [["гарантия", "еще", "есть"], ["купили", "недавно"]]),
    ("ничего больше не нужно спасибо", [["ничего", "больше", "не", "нужно"], ["спасибо"]]),
    ("раз денег нет отключите нас", [["раз", "денег", "нет"], ["отключите", "нас"]]),
    ("не я передумал пусть едет", [["нет"], ["я", "передумал"], ["пусть", "едет"]]),
    ("кондиционер не холодит это вопрос к инженеру",
     [["кондиционер", "не", "холодит"], ["это", "вопрос", "к", "инженеру"]]),
    # One clause each: a verb's complement, "давайте" with its verb, a subject before its
    # only verb, "можете не ехать", "спасибо за помощь", a concession.
    ("запишите на ремонт сколько бы ни стоило",
     [["запишите", "на", "ремонт", "сколько", "бы", "ни", "стоило"]]),
    ("я хочу записаться на ремонт", [["я", "хочу", "записаться", "на", "ремонт"]]),
    ("давайте перенесём на завтра", [["давайте", "перенесем", "на", "завтра"]]),
    ("я хотел узнать сколько стоит замена масла",
     [["я", "хотел", "узнать"], ["сколько", "стоит", "замена", "масла"]]),
    ("подскажите когда мою ладу отремонтируют",
     [["подскажите"], ["когда", "мою", "ладу", "отремонтируют"]]),
    ("можете не ехать", [["можете", "не", "ехать"]]),
    ("вы позвоните мне завтра", [["вы", "позвоните", "мне", "завтра"]]),
    ("спасибо за помощь", [["спасибо", "за", "помощь"]]),
])
def test_clauses_a_recognizer_left_unpunctuated_are_found(said: str,
                                                          expected: list[list[str]]) -> None:
    """Recognizers (Vosk, often Twilio's) write no commas: a clause ends where its predicate is
    followed by another's start, so "не" does not reach into the next clause."""
    assert clauses(said) == expected


@pytest.mark.parametrize(("flow_id", "at", "said", "goto"), [
    # RT-4: the caller waits; the "не" of "не ухожу" is not "не приезжайте".
    ("field_visit", "confirm", "да я никуда не денусь подъезжайте", "waiting"),
    ("field_visit", "confirm", "не надо ничего менять я дома буду", "waiting"),
    # RT-4: the technician is not needed any more.
    ("field_visit", "confirm", "сосед починил можете не приезжать", "cancel_check"),
    # RT-1: away, and says so in a second clause.
    ("field_visit", "confirm", "в это время не получится я на смене", "ask_adult"),
])
def test_unpunctuated_answers_take_the_branch_their_clauses_say(
        flow_id: str, at: str, said: str, goto: str) -> None:
    heard = heard_at(flow_id, at, said)
    assert heard is not None and heard.choice.goto == goto


CANCEL_VISIT = "Вы хотите отменить заявку на ремонт? Скажите «да» или «нет»."


@pytest.mark.parametrize(("said", "expected"), [
    ("отменяйте, мастер не нужен", "yes"),
    ("да отменяйте не нужен больше", "yes"),
    ("ремонт уже не требуется", "yes"),
    ("не надо ничего отменять", "no"),
    ("нет, не нужно отменять", "no"),
    ("нет нет ремонт нужен", "no"),
])
def test_rt4_not_needed_agrees_to_calling_off(said: str, expected: str) -> None:
    """RT-4: asked whether to cancel, "не нужен" agrees, though it says "не"; the cancelling
    itself negated refuses."""
    assert polarity.answer(said, "ru", CANCEL_VISIT) == expected
    # Asked something else, "не нужен" agrees to nothing.
    if expected == "yes":
        assert polarity.answer(said, "ru", "Вы будете дома?") != "yes"
