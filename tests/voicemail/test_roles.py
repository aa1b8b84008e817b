"""Who leaves a voicemail outranks what it names (OM-4, and the car line's catalogue, CS-3).

A quote goes out only on a clear request for a new job. A customer asking after a car or an
appliance that is already with us, a supplier offering goods the catalogue also lists, a job
seeker naming a trade and an insurer about a customer's claim all name catalogue words; none
of them may get a quote, and each must reach a person under its own reason. A driver or a
householder who describes a fault without naming the part still gets one.

Written in words the flows do not list and the eval sets do not use, punctuated and in the
recognizer's lower-case style alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.language.lemmas import analyse
from voicebot.voicemail import roles
from voicebot.voicemail.understand import understand

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA = load_flow(FLOWS / "omega.yaml")
CAR = load_flow(FLOWS / "car_service.yaml")


@pytest.mark.parametrize(("said", "reason"), [
    # The car is with us: a place in the locative, a past "left it with you", fetching it.
    ("вечер добрый моя киа уже неделю стоит у вас на покраске скажите сколько ещё ждать",
     "follow_up"),
    ("Оставлял у вас в среду машину на замену колодок, перезвоните, когда можно её забрать.",
     "follow_up"),
    ("во сколько завтра можно приехать за машиной после ремонта глушителя", "follow_up"),
    # A seller offers goods the catalogue names: the first person plural of an offering verb.
    ("мы поставляем амортизаторы и пружины для всех иномарок звоните обсудим условия",
     "supplier"),
    ("Можем предложить вам шины и диски со своего склада, перезвоните.", "supplier"),
    # A job seeker names a trade the catalogue names.
    ("добрый день опыт кузовных работ двенадцать лет возьмёте к себе", "job_seeker"),
    ("Здравствуйте, а вам тормозник не требуется? Могу выйти с понедельника.", "job_seeker"),
    # An insurer by a brand built on "-страх", or about a loss of its policyholder.
    ("это южстрах по направлению нашего клиента на ремонт крыла перезвоните", "insurance"),
    ("Звоню по убытку вашего клиента, нужно согласовать стоимость покраски.", "insurance"),
])
def test_cs3_om4_russian_speaker_outranks_the_parts_named(said: str, reason: str) -> None:
    heard = understand(said, CAR)
    assert heard.service is None and not heard.is_service_request
    assert heard.reason == reason


@pytest.mark.parametrize(("said", "follow_up"), [
    ("hi, you replaced the pump in my dishwasher in may and it's making that noise again, "
     "Carl, 503 555 0104", True),
    ("your technician serviced the range last month and the burner still won't light", True),
    ("my range burner won't light again, please send someone, 503 555 0104", False),
    ("the dryer still won't heat after I cleaned the vent myself, call 503 555 0104", False),
])
def test_om4_om6_a_fault_back_after_our_job_gets_no_quote(said: str, follow_up: bool) -> None:
    """A customer whose repair by us failed is called back by a person, not sent a price for
    fixing it again; a fault with no job of ours behind it still gets its quote."""
    heard = understand(said, OMEGA)
    assert (heard.reason == "follow_up") is follow_up
    assert heard.is_service_request is not follow_up


@pytest.mark.parametrize(("said", "follow_up"), [
    ("hello, returning your call about the dryer, this is Lee, 503 555 0107", True),
    ("it's Bea, about our visit on Thursday, the fridge is still warm, 503 555 0107", True),
    ("can I book an appointment, the fridge is warm, it's Bea, 503 555 0107", False),
])
def test_om4_a_booking_the_caller_already_has_is_a_follow_up(said: str,
                                                            follow_up: bool) -> None:
    """A caller who speaks of their own appointment, or returns our call, has a job with us:
    a person calls back, no quote; one who asks for an appointment gets the quote."""
    heard = understand(said, OMEGA)
    assert (heard.reason == "follow_up") is follow_up
    assert heard.is_service_request is not follow_up


def test_om4_a_question_about_the_bill_for_our_job_is_a_follow_up() -> None:
    """An invoice after work our people did is the caller's own account, not a supplier's."""
    heard = understand("hi it's Sam, your tech replaced the belt in my dryer last week, I "
                       "have a question about the invoice, 503 555 0109", OMEGA)
    assert heard.reason == "follow_up" and not heard.is_service_request
    heard = understand("this is Coast Parts, the belts you ordered shipped, the invoice is "
                       "attached", OMEGA)
    assert heard.reason == "supplier"


@pytest.mark.parametrize(("said", "reason"), [
    ("hey your technician hauled my oven back to the shop on friday any update", "follow_up"),
    ("Hi, I dropped my microwave off with you Tuesday; where are things on it?", "follow_up"),
    ("when's your guy coming back to install the new pump in my dishwasher", "follow_up"),
    ("we supply dishwasher and dryer parts nationwide and would love to earn your business",
     "supplier"),
    ("This is Lee, a parts wholesaler: refrigerator compressors at half the usual price.",
     "supplier"),
    ("i have eight years fixing washers and ranges and i'm certified looking for a spot",
     "job_seeker"),
    ("Hello, Harbor Mutual here about a claim on a customer's refrigerator, please call back.",
     "insurance"),
    ("this is granite assurance regarding the loss at your customer's house the dryer fire",
     "insurance"),
])
def test_om4_english_speaker_outranks_the_appliance_named(said: str, reason: str) -> None:
    heard = understand(said, OMEGA)
    assert heard.service is None and not heard.is_service_request
    assert heard.reason == reason


@pytest.mark.parametrize(("said", "flow", "service"), [
    ("при торможении визжит металлом и руль дрожит помогите", CAR, "brakes"),
    ("после ямы машину качает на каждой кочке и она кренится в повороте", CAR, "suspension"),
    ("из трубы сзади идёт сизый дым и машина рычит", CAR, "exhaust"),
    ("the glasses come out cloudy and the spray arm is stuck", OMEGA, "dishwasher"),
    ("water sits in the tub after the wash and the drum shakes", OMEGA, "washer"),
])
def test_om4_cs3_a_fault_described_without_the_part_gets_its_quote(said: str, flow: object,
                                                                   service: str) -> None:
    heard = understand(said, flow)  # type: ignore[arg-type]
    assert heard.service is not None and heard.service.id == service


@pytest.mark.parametrize(("said", "flow"), [
    # A new job asked for beside the one we have: the booking word says it is new.
    ("хочу записаться на шиномонтаж, машина у вас на стоянке стоит", CAR),
    # A customer who once had something picked up now asks for a new visit, naming it.
    ("my oven won't heat up please send someone out", OMEGA),
    # Words a role is read from, said by a customer about a new job: pads fitted elsewhere,
    # years of owning a car or a credential wanted, a dryer taken apart at home.
    ("поставил новые колодки теперь скрипят перезвоните", CAR),
    ("у вас в субботу можно переобуться перезвоните", CAR),
    ("у вас с утра можно поменять масло", CAR),
    ("i need a certified technician to look at my oven", OMEGA),
    ("could you have someone look at my dryer it won't start", OMEGA),
    ("i took my dryer apart and the belt is broken can you come fix it", OMEGA),
])
def test_om4_a_new_request_still_gets_a_quote(said: str, flow: object) -> None:
    heard = understand(said, flow)  # type: ignore[arg-type]
    assert heard.is_service_request


@pytest.mark.parametrize(("said", "service"), [
    # The brake pedal, taught by the brakes' examples, said as the subject of its fault.
    ("у меня педаль стала уходить в пол еле остановился", "brakes"),
    ("Педаль почти сразу проседает до упора, перезвоните.", "brakes"),
    # The pedal of something the catalogue does not quote is no brake pedal: a person reads it.
    ("педаль сцепления проваливается и не возвращается", None),
    ("педаль газа залипает", None),
    # Named, not the subject of a fault: nothing to go on.
    ("жму на педаль а машина не едет", None),
])
def test_cs3_om4_a_part_said_doing_something_is_its_services_fault(said: str,
                                                                   service: str | None) -> None:
    heard = understand(said, CAR)
    assert (heard.service.id if heard.service else None) == service


@pytest.mark.parametrize(("said", "awaited", "with_us"), [
    # Our people did something and the caller waits: `roles.awaited` alone.
    ("the technician said he'd order a new pump for my dishwasher and I'm still waiting on it",
     True, False),
    ("my dryer part is on back order and I'm still waiting, call me at 503 555 0188",
     True, False),
    # The caller's thing is with us: `roles.with_us` alone.
    ("you guys picked up my microwave on monday, what's the status", False, True),
])
def test_om4_both_ways_an_english_follow_up_is_heard_live_in_roles(
        said: str, awaited: bool, with_us: bool) -> None:
    """roles.py is the one home of what makes an English voicemail a follow-up on a job we
    already have (the grammar of who did what is `focus.ours` and `focus.waits`): each way
    alone reaches a person as a follow-up, never a quote."""
    terms = analyse(said, "en")
    assert roles.awaited(terms, "en") is awaited
    assert roles.with_us(terms, "en") is with_us
    understood = understand(said, OMEGA)
    assert understood.reason == "follow_up" and not understood.is_service_request
