"""Russian mechanisms of issue 11's held-out classes for the workshop and the field visit, on
menus of our own words (not a flow's): a fault back after the business's job and a bill above
what was agreed are complaints (CS-4); withdrawing a request cancels it, and a period named is
another time (RT-1's confirmation)."""

from __future__ import annotations

import pytest

from tests.support.menus import best, menu
from voicebot.language import speaker
from voicebot.language.lemmas import analyse

WORKSHOP = menu({"booking": ["ремонт", "записаться", "стучит", "свистит", "колодки"],
                 "complaint": ["жалоба", "претензия"],
                 "prices": ["стоимость", "цена"]})


@pytest.mark.parametrize("said", ["заменили сцепление, а оно снова пробуксовывает",
                                  "после вашего ТО опять загорелся чек",
                                  "вы мне ставили колодки, они вновь свистят",
                                  # Collecting the car says the job was ours.
                                  "в пятницу забрала машину, а сегодня колодки снова свистят",
                                  # Served here, said of oneself.
                                  "я у вас ремонтировался месяц назад а колодки опять свистят",
                                  "мы у вас обслуживались весной, сейчас снова стучит"])
def test_a_fault_back_after_our_job_is_a_complaint(said: str) -> None:
    """CS-4: the fault named is what the complaint is about, not a repair to book."""
    assert best(WORKSHOP, said) == "complaint"


@pytest.mark.parametrize("said", ["после вашего шиномонтажа колесо стало спускать и застучало",
                                  "у вас меняли масло, после вас потекло под машиной"])
def test_a_fault_that_set_in_after_our_job_is_a_complaint(said: str) -> None:
    """CS-4: not "again", but new since the business's job: still about its work."""
    assert best(WORKSHOP, said) == "complaint"


@pytest.mark.parametrize("said", ["после вашего ремонта ничего не застучало, спасибо, хочу "
                                  "записаться на колодки",
                                  "запишите после обеда, у меня застучало колесо"])
def test_no_fault_after_our_job_is_no_complaint(said: str) -> None:
    assert best(WORKSHOP, said) == "booking"


@pytest.mark.parametrize("said", ["опять свистят колодки",
                                  "мы сами меняли колодки, а они снова свистят",
                                  "в прошлый раз у вас меняли колодки, пора снова менять",
                                  "забрал машину из другого сервиса, опять свистят колодки",
                                  "я у вас ещё не был, а колодки снова свистят"])
def test_a_fault_back_after_nobodys_job_of_ours_is_a_repair(said: str) -> None:
    assert best(WORKSHOP, said) == "booking"


@pytest.mark.parametrize("said", ["с меня взяли дороже, чем мастер назвал",
                                  "итог вышел больше, чем согласовали"])
def test_a_bill_above_what_was_agreed_is_a_complaint(said: str) -> None:
    """CS-4: a price compared with the one agreed is a dispute, not a price question."""
    assert best(WORKSHOP, said) == "complaint"


@pytest.mark.parametrize("said", ["а цена больше не станет?",
                                  "если цена выйдет больше, чем назвали, предупредите"])
def test_a_price_compared_with_nothing_agreed_is_no_complaint(said: str) -> None:
    assert best(WORKSHOP, said) == "prices"


VISIT = menu({"cancel": ["отменить", "отмена"],
              "move": ["перенести", "другое время"],
              "home": ["буду дома", "да"]},
             {"cancel": ["техник больше не нужен"], "move": ["давайте в другой день"]})


@pytest.mark.parametrize("said", ["я отзываю свой вызов", "аннулируйте визит"])
def test_withdrawing_the_request_cancels_it(said: str) -> None:
    assert best(VISIT, said) == "cancel"


@pytest.mark.parametrize("said", ["давайте через месяц", "лучше в начале недели",
                                  "на будущей неделе удобнее"])
def test_a_period_named_asks_for_another_time(said: str) -> None:
    """RT-1: a caller who names a week or a month asks to move the visit there."""
    assert best(VISIT, said) == "move"


MESSAGE = menu({"urgent": ["срочно", "срочный", "срочность"], "ordinary": ["сообщение", "передайте"]})


@pytest.mark.parametrize("said", ["срочности никакой, передайте директору сообщение",
                                  "передайте сообщение, срочности там никакой"])
def test_none_of_it_said_after_the_noun_negates_it(said: str) -> None:
    """TS-7: "срочности никакой" is no urgency, as "срочности нет" is: it does not vote
    for the urgent answer at all."""
    assert MESSAGE.hear(said).score_of("urgent") == 0.0
    assert best(MESSAGE, said) == "ordinary"


@pytest.mark.parametrize("said", ["когда мою машину починят, уже неделю стоит",
                                  "скажите, когда её сделают"])
def test_when_the_business_will_finish_a_thing_it_has_is_its_status(said: str) -> None:
    """CS-4: "когда мою машину сделают" asks after a job in hand (the consultant)."""
    status = menu({"booking": ["записаться", "ремонт"], "status": ["когда будет готова"]})
    assert best(status, said) == "status"


def test_when_a_job_can_be_done_is_a_booking() -> None:
    status = menu({"booking": ["записаться", "ремонт", "сделать"],
                   "status": ["когда будет готова"]})
    assert best(status, "когда можно сделать ремонт") == "booking"


@pytest.mark.parametrize("said", ["я не смогу, на работе буду, но дома бабушка",
                                  "дома будет муж",
                                  "уезжаем на дачу, сын останется дома"])
def test_rt1_someone_else_at_home_is_no_answer_that_the_caller_waits(said: str) -> None:
    """RT-1: a caller who says another person will be home is not home themselves: the flow
    asks who (someone over 14?), it does not mark the visit as awaited."""
    terms = analyse(said, "ru")
    heard = speaker.with_whereabouts(terms)
    assert [t.text for t in heard[-2:]] == ["не", "дома"]
    assert "дома" not in [t.text for t in heard[:-2]]


def test_rt4_the_caller_at_home_still_waits() -> None:
    terms = analyse("мы дома, приезжайте", "ru")
    assert speaker.with_whereabouts(terms) == terms
