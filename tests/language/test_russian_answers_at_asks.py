"""Russian answers at the shipped lines' asks (issue 11, ru4), in wording the flow files do not
contain: where the answer takes the call is what the caller notices."""

from __future__ import annotations

import pytest

from voicebot.language import breakdown, negation, speaker
from voicebot.language.lemmas import analyse

from support.menus import goes, heard


@pytest.mark.parametrize("said", ["только дочка будет, она во втором классе",
                                  "внук будет, второй день как из лагеря вернулся",
                                  "внучка будет, она на первом этаже у соседки играет"])
def test_rt2_an_ordinal_of_a_noun_is_no_key_said_aloud(said: str) -> None:
    """RT-2: "во втором классе" says which class the child is in; it is not "2" (no one over
    14) pressed aloud, so the answer is kept and routed by what it says of the child."""
    assert goes("field_visit", "ask_adult", said) is None


@pytest.mark.parametrize(("said", "key"), [("второй", "time_open"), ("давайте второй вариант",
                                                                      "time_open"),
                                           ("первое", "ask_adult_name")])
def test_an_option_said_by_its_number_is_still_a_key(said: str, key: str) -> None:
    assert goes("field_visit", "ask_adult", said) == key


def test_hl3_a_verb_near_another_by_a_letter_is_not_it() -> None:
    """HL-3: "почистить" is spelled near "починить" but is another verb: how to clean a part
    is a consultation, not a repair."""
    assert goes("hotline", "greeting", "как почистить барабан стиральной машины") \
        == "consultation"


@pytest.mark.parametrize("said", ["сколько стоит отрихтовать крыло",
                                  "сколько выйдет выправить порог",
                                  "какая цена, чтобы закрасить скол на капоте"])
def test_cs2_the_price_of_body_work_is_the_body_masters(said: str) -> None:
    """CS-2: body work goes to the body master, the price of it asked too."""
    assert goes("car_service", "purpose", said) == "to_body"


@pytest.mark.parametrize("said", ["пороги совсем сгнили, можно их заварить",
                                  "капот погнулся от града",
                                  "на морозе лопнул передний бампер"])
def test_cs2_a_body_part_damaged_is_body_work_not_a_breakdown(said: str) -> None:
    """CS-2: a panel that cracked, bent or rotted is the body master's, though the caller
    says it the way a breakdown is said."""
    assert goes("car_service", "purpose", said) == "to_body"


@pytest.mark.parametrize("said", ["лопнул ремень генератора", "лопнуло колесо"])
def test_cs3_a_part_that_burst_is_still_a_fault_to_book(said: str) -> None:
    """CS-3: the same verbs of a part the body master does not mend are a fault to book."""
    assert goes("car_service", "purpose", said) == "repair_fault"


@pytest.mark.parametrize("said", ["сколько стоит поменять сцепление",
                                  "а сколько по деньгам выйдет замена ремня"])
def test_cs4_the_price_of_other_work_is_the_consultants(said: str) -> None:
    """CS-4: what a job costs is the master-consultant's answer; only body work's price is not."""
    assert goes("car_service", "purpose", said) == "to_consultant"


@pytest.mark.parametrize("said", ["стекло не опускается, хочу записаться",
                                  "хочу записаться, печка не дует"])
def test_cs3_two_choices_for_one_booking_do_not_make_it_a_guess(said: str) -> None:
    """CS-3: a fault and a wish to book, each heard by another choice for the booking, is a
    sure booking: the two are no rivals."""
    assert goes("car_service", "purpose", said) == "repair_fault"


@pytest.mark.parametrize(("said", "asked"), [
    ("кем работает ваш мастер", False), ("а вы сами кем работаете", False),
    ("кем он у вас работал раньше", False),
    ("кем у вас можно поработать", True), ("кем бы я мог у вас работать", True),
    ("а кем вы берёте людей", True)])
def test_hl8_what_someone_else_works_as_is_no_job_asked_for(said: str, asked: bool) -> None:
    """HL-8: "кем" and a verb of working ask for a job only when the caller is the one to
    work; what the line's own people work as is another question."""
    assert speaker.job_asked(analyse(said, "ru")) is asked


@pytest.mark.parametrize("said", ["вопрос по тормозам: почему педаль проваливается",
                                  "отчего коробка пинается при переключении",
                                  "почему у меня кондиционер не холодит, это к инженеру"])
def test_cs4_why_a_thing_does_what_it_does_is_a_question_for_the_engineer(said: str) -> None:
    """CS-4: asked why the car does something, the operator cannot answer: the shop engineer
    answers technical questions. The same fault told is a repair to book (CS-3)."""
    assert goes("car_service", "purpose", said) == "to_engineer"


@pytest.mark.parametrize("said", ["коробка пинается при переключении, запишите меня",
                                  "почему-то педаль проваливается, хочу записаться"])
def test_cs3_a_fault_with_a_request_to_book_is_booked(said: str) -> None:
    assert goes("car_service", "purpose", said) == "repair_fault"


def test_why_a_person_did_something_is_not_a_technical_question() -> None:
    assert not breakdown.why_of_a_thing(analyse("почему мастер мне не перезвонил", "ru"))
    assert not breakdown.why_of_a_thing(analyse("почему так дорого", "ru"))


@pytest.mark.parametrize("said", ["стиралка на отжиме грохочет", "у духовки вентилятор дребезжит"])
def test_hl3_an_appliance_that_sounds_wrong_is_a_repair(said: str) -> None:
    """HL-3: noises a thing makes are symptoms, as "шумит" and "гудит" are."""
    assert goes("hotline", "greeting", said) == "repair"


@pytest.mark.parametrize("said", ["у меня при торможении скрежет какой-то",
                                  "гул снизу на скорости", "на руле вибрация на трассе"])
def test_cs3_a_symptom_named_by_its_noun_is_a_fault_to_book(said: str) -> None:
    """CS-3: no thing and no verb, only the noise; a fault all the same (it was asked again)."""
    assert goes("car_service", "purpose", said) == "repair_fault"


def test_cs3_a_noise_denied_is_no_fault() -> None:
    assert not breakdown.noises(analyse("стука нет, никакого шума, просто масло поменять", "ru"))
    # Asked about, the noise is a property of the thing (HL-3's consultation).
    assert not breakdown.noises(analyse("какой уровень шума у этого пылесоса", "ru"))


def test_cs4_a_noise_since_our_job_is_a_complaint() -> None:
    assert goes("car_service", "purpose", "после вашего ремонта гул в подвеске") == "to_manager"


@pytest.mark.parametrize("said", ["купили вытяжку, кто её будет вешать",
                                  "бойлер уже привезли, надо его поставить",
                                  "посудомойка старая, хочу другую поставить",
                                  "холодильник сдох, выкидываем, новый кто подключит"])
def test_an_appliance_named_before_and_put_in_by_pronoun_is_an_installation(said: str) -> None:
    assert goes("hotline", "greeting", said) == "installation"


@pytest.mark.parametrize("said", ["после вашего ТО машина не заводится",
                                  "после вас что-то гремит в подвеске",
                                  "почему после вашего ремонта стучит"])
def test_cs4_a_fault_there_since_our_job_is_a_complaint_for_the_manager(said: str) -> None:
    """CS-4: a fault the caller has had since the workshop's job is a claim about its quality
    (the service manager), not a new repair to book, however many words say what is wrong."""
    assert goes("car_service", "purpose", said) == "to_manager"


def test_cs3_a_fault_with_no_job_of_ours_is_still_booked() -> None:
    assert goes("car_service", "purpose", "после мойки что-то гремит в подвеске") == "repair_fault"


@pytest.mark.parametrize("said", ["почему машина до сих пор не готова",
                                  "отчего мою машину ещё не сделали, когда будет готова"])
def test_cs4_a_why_asks_after_what_it_negates(said: str) -> None:
    """CS-4: "почему ... не готова" asks after the readiness (the master-consultant's); its
    "не" states what is asked about and denies nothing."""
    assert goes("car_service", "purpose", said) == "to_consultant"
    terms = analyse(said, "ru")
    assert not negation.scope(terms, "ru")


@pytest.mark.parametrize("said", ["а сколько примерно стоит убрать вмятину на крыше",
                                  "сколько вообще стоит подкрасить порог"])
def test_cs2_a_price_asked_with_an_adverb_inside_is_still_a_price(said: str) -> None:
    """CS-2: "сколько примерно стоит" asks what "сколько стоит" asks, so the price of body
    work is still the body master's."""
    assert goes("car_service", "purpose", said) == "to_body"


@pytest.mark.parametrize("said", ["мы на втором этаже, буду дома", "я на кухне, жду вас"])
def test_rt4_a_part_of_the_home_is_no_place_away(said: str) -> None:
    """RT-4: a client who says which part of the flat they are in is at home, waiting."""
    assert goes("field_visit", "confirm", said) == "waiting"


def test_ts9_a_fault_the_neighbours_share_is_an_outage() -> None:
    """TS-9: "... и у соседей тоже": the neighbours share the fault; they are not what the
    negation denies, and a whole house without a picture is an outage, not a set to mend."""
    assert goes("telesputnik", "purpose", "телевизор не работает и у соседки тоже") \
        == "outage_house"


def test_cs3_a_job_asked_on_a_part_is_a_booking() -> None:
    """CS-3: "можно у вас подтянуть ручник" asks for work on the car in a verb of mending
    the flow does not list: it is a booking, not a question nobody answers."""
    assert goes("car_service", "purpose", "можно у вас подтянуть ручник") == "repair_fault"


def test_cs4_worse_since_our_job_is_a_complaint() -> None:
    assert goes("car_service", "purpose", "после вас коробка стала хуже переключаться") \
        == "to_manager"


def test_cs3_a_fault_that_got_worse_is_no_sure_complaint() -> None:
    """CS-3: a fault told with "стала" and "плохо" and nobody blamed is not taken for a
    complaint on the strength of a complaint's example that says things got worse."""
    assert goes("car_service", "purpose", "педаль стала мягкая, тормоза плохо держат") \
        != "to_manager"


def test_ts6_what_follows_a_bare_no_says_which_no_it_is() -> None:
    """TS-6: "нет, работаю посменно": no disability, but a reason the office's hours answer."""
    assert goes("telesputnik", "home_visit_question", "нет, работаю посменно") == "office_only"


def test_hl2_a_caller_in_touch_before_asks_after_that_request() -> None:
    """HL-2: a caller who says when they called or wrote before ("на прошлой неделе") is
    about the request made then, whatever appliance they name."""
    assert goes("hotline", "greeting", "обращалась к вам на прошлой неделе насчёт плиты") \
        == "existing_request"


def test_ts9_how_long_it_has_been_is_no_thing_that_broke() -> None:
    """TS-9: in "кабельное у нас не работает уже второй день" the day says how long; no
    thing of the caller's is said to have broken, so nothing implies a set to mend."""
    terms = analyse("кабельное у нас не работает уже второй день", "ru")
    assert breakdown.failing(terms) == []


@pytest.mark.parametrize("said", ["может быть и буду, как получится",
                                  "наверное, успею вернуться к этому времени",
                                  "посмотрим, скорее всего дома"])
def test_rt4_a_client_unsure_of_being_home_is_asked_to_confirm(said: str) -> None:
    """RT-4: "наверное, успею" is no promise to be home: the flow asks the client to confirm
    before the technician sets out, instead of recording that they wait."""
    found = heard("field_visit", "confirm", said)
    assert found is None or found.certainty == "guess"


def test_rt4_a_hedge_about_a_fact_is_no_hedge_about_the_answer() -> None:
    """"генератор накрылся, похоже" is unsure of the fault, not of the request: booked."""
    assert goes("car_service", "purpose", "стартер накрылся, похоже") == "repair_fault"


def test_rt4_away_then_another_day_proposed_is_a_new_time() -> None:
    """RT-4: "меня не будет, давайте в другой день" says why and proposes: the proposal is
    what the client asks for (a new time), not the question who else will be home."""
    assert goes("field_visit", "confirm", "я тогда на работе буду, давайте в другой день") \
        == "ask_new_time"
