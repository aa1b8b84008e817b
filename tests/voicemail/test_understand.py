"""Understanding voicemail transcripts (OM-4): the service asked for, name, number, urgency.

OM-4: a voicemail that *clearly* asks for service gets a quote by SMS at once; one that does
not goes to a person. So the measure that must be perfect is precision on "send a quote":
no supplier, job seeker, wrong number, spam or thank-you ever gets one. Recall is reported,
and a known miss stays in the table to keep the figure honest.

Transcripts are written as recognizers return them: lower case, no punctuation, numbers as
words, now and then a misheard word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.flows.model import Flow
from voicebot.language import fuzzy
from voicebot.voicemail import numbers
from voicebot.voicemail.understand import understand

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA = load_flow(FLOWS / "omega.yaml")
CAR = load_flow(FLOWS / "car_service.yaml")


@dataclass(frozen=True)
class Case:
    flow: Flow
    transcript: str
    wanted: bool
    """A dispatcher reading it would send a quote: the ground truth for precision and recall."""
    service: str | None
    """What `understand` finds: None for no quote (a known miss has wanted=True, service=None)."""
    name: str | None = None
    number: str | None = None
    urgency: str = "normal"
    reason: str | None = None


def en(*args: object, **kw: object) -> Case:
    return Case(OMEGA, *args, **kw)  # type: ignore[arg-type]


def ru(*args: object, **kw: object) -> Case:
    return Case(CAR, *args, **kw)  # type: ignore[arg-type]


CASES = [
    # --- English, omega: service requests ---------------------------------------------------
    en("hi this is john smith my fridge is not cooling please call me back at five oh three five "
       "five five oh one two three thank you", True, "refrigerator", "John Smith", "+15035550123"),
    en("yeah hello my name is maria lopez the dish washer wont drain and its urgent", True,
       "dishwasher", "Maria Lopez", urgency="urgent"),
    en("hi my refrigerater stopped making cold air call me at 503 555 0199", True, "refrigerator",
       number="+15035550199"),
    en("this is urgent the washing machine is flooding the basement please call asap", True,
       "washer", urgency="urgent"),
    en("its not urgent but my dryer makes a loud squeaking noise when it turns", True, "dryer"),
    en("hello my name is mrs patel my oven wont heat up call me back at five four one five five "
       "five zero one nine nine", True, "oven", "Mrs Patel", "+15415550199"),
    en("hi the micro wave sparks when i turn it on this is kevin by the way", True, "microwave",
       urgency="urgent"),
    en("good morning this is linda my ice maker is not making ice my number is two oh six five "
       "five five oh one four four", True, "ice_maker", "Linda", "+12065550144"),
    en("my stove burner wont light please send someone right away", True, "oven",
       urgency="urgent"),
    en("hi i need someone to look at my garbage disposal its humming but not turning", True,
       "garbage_disposal"),
    en("hey its dave again from elm street the freezer in the garage is warm call me at five oh "
       "three five five five oh one eight eight", True, "refrigerator", "Dave", "+15035550188"),
    en("how much do you charge to fix a washing machine that wont spin my name is tom", True,
       "washer", "Tom"),
    en("call me back at five oh three double five five oh one two three my dishwasher leaks", True,
       "dishwasher", number="+15035550123"),
    en("my washer and dryer both stopped working this is not an emergency", True, "washer"),
    en("hello this is ray my range top has one burner out", True, "oven", "Ray"),
    # The caller never names the appliance; the refrigerator's examples (food kept cold) do.
    en("the thing that keeps my food cold stopped working please send someone", True,
       "refrigerator"),
    # --- English, omega: not for a quote -------------------------------------------------------
    en("hi this is acme appliance parts supply calling about invoice four four two for the "
       "refrigerator compressor you ordered please call our billing department", False, None,
       "Acme Appliance", reason="supplier"),
    en("hello my name is carlos i am an appliance technician with ten years experience repairing "
       "washers and dryers are you hiring i can send my resume", False, None, "Carlos",
       reason="job_seeker"),
    en("oh sorry wrong number", False, None, reason="wrong_number"),
    en("hi mom its me call me back when you get this", False, None, reason="no_service_named"),
    en("congratulations you have been selected for a free cruise press one to claim your prize",
       False, None, reason="spam"),
    en("this is a final notice about your cars extended warranty press one to speak to an agent",
       False, None, reason="spam"),
    en("hi this is susan just wanted to say thank you for fixing my washer its working great now",
       False, None, "Susan", reason="follow_up"),
    en("", False, None, reason="empty"),
    en("um", False, None, reason="empty"),
    en("this is first american home warranty calling about claim number one two three four five "
       "for a dryer repair authorization", False, None, reason="insurance"),
    en("hi the technician came out last week about my oven and it is the same problem again", False,
       None, reason="follow_up"),
    en("please call me back", False, None, reason="no_service_named"),
    en("im calling about the refrigerator you repaired last month the bill seems wrong", False,
       None, reason="follow_up"),
    en("this is the tech mike the customer on oak street washer needs a new pump can you order it",
       False, None, reason="follow_up"),
    en("hello we sell refrigerator parts at wholesale prices call us for a catalog", False, None,
       reason="supplier"),
    en("do you guys repair air conditioners", False, None, reason="no_service_named"),
    en("hi i need to reschedule my dishwasher appointment for thursday", False, None,
       reason="follow_up"),
    # OM-4: a wait on a job we already have is said in a supplier's words (parts, orders);
    # a person calls back, no supplier, no quote. A supplier's own order stays a supplier's.
    en("checking in on the range you folks are repairing, the tech told me the knob was on "
       "back order, any news", False, None, reason="follow_up"),
    en("hey the guy you sent took my freezer's fan out and said a new one is coming, still "
       "waiting on it", False, None, reason="follow_up"),
    en("you ordered a heating element for my dryer two weeks ago has it shipped", False, None,
       reason="follow_up"),
    en("calling from the parts warehouse, the igniters you ordered are on back order and will "
       "ship friday", False, None, reason="supplier"),
    en("your tech sorted out a leak for us last spring, now the dryer won't heat", True,
       "dryer"),
    # OM-3: an insurer's message in the menu's insurance words; a customer's own order waits.
    en("good afternoon, claims desk here, one of our insured has a dishwasher that will not drain",
       False, None, reason="insurance"),
    en("our oven part has been on back order since october, any word", False, None,
       reason="follow_up"),
    en("you folks have had my dryer since the ninth, is it done, the belt was on order", False,
       None, reason="follow_up"),
    en("the tech who came said a thermostat would have to be ordered for my fridge, any word",
       False, None, reason="follow_up"),
    # "my statement" is a customer's account; a supplier's is "your statement".
    en("no repair needed, I have a question about my statement from march", False, None,
       reason="follow_up"),
    en("this is the billing office at a parts distributor about your statement", False, None,
       reason="supplier"),
    # A question inside the sentence asks as much: whether a job we have is done.
    en("hi just wondering whether my dryer is repaired yet, you took it to the shop on monday",
       False, None, reason="follow_up"),
    en("checking if my range is fixed, it has been a week", False, None, reason="follow_up"),
    # A caller chasing something under way gets a call, never a quote: "following up ... call
    # me back" shares only the particles "up" and "back" with "the drain backs up". ("following
    # up" is the follow-up reason's own name; in other words the message is still no request.)
    en("hey just following up on my repair from last week, call me back", False, None,
       reason="follow_up"),
    en("hi, it's Dan calling back about the estimate your guy gave me", False, None, "Dan",
       reason="no_service_named"),
    en("could you check if someone can get my range fixed this week", True, "oven"),
    # A seller's pitch speaks of "your business"; a customer's "we" names their appliance.
    en("we noticed your company website loads slowly, our team can fix that, call us", False,
       None, reason="spam"),
    en("we need our washer looked at, does your company come out on saturdays", True,
       "washer"),
    # --- Russian, car_service: service requests ------------------------------------------------
    ru("здравствуйте меня зовут иван петров нужна диагностика машина стучит перезвоните восемь "
       "девятьсот пятнадцать сто двадцать три сорок пять шестьдесят семь", True, "diagnostics",
       "Иван Петров", "+79151234567"),
    ru("это анна хочу записаться на замену масла срочно", True, "oil_change", "Анна",
       urgency="urgent"),
    ru("добрый день нужно поменять масло и фильтр мой номер восемь девять один шесть пять пять "
       "пять ноль один два три", True, "oil_change", number="+79165550123"),
    ru("алло у меня подвеска стучит спереди когда можно приехать", True, "suspension"),
    ru("после аварии помято крыло и бампер нужен кузовной ремонт меня зовут сергей", True, "body",
       "Сергей", urgency="urgent"),
    ru("скрипят тормоза надо поменять колодки перезвоните пожалуйста плюс семь девять ноль ноль "
       "пять пять пять ноль один пять пять", True, "brakes", number="+79005550155"),
    ru("хочу переобуть машину на зимнюю резину в субботу", True, "tyres"),
    # A caller whom nobody called back: a person calls, no quote.
    ru("я вчера звонил насчёт записи на ремонт, мне так и не перезвонили", False, None,
       reason="no_service_named"),
    ru("здравствуйте это ольга у меня не заводится машина это срочно", True, "diagnostics",
       "Ольга", urgency="urgent"),
    ru("нужна диогностика ходовой", True, "diagnostics"),  # misheard: one letter off
    ru("подвезка гремит на кочках", True, "suspension"),  # misheard: one letter off
    ru("не срочно но нужна диагностика кондиционера", True, "diagnostics"),
    ru("у вас можно сделать шиномонтаж", True, "tyres"),
    # --- Russian, car_service: not for a quote -------------------------------------------------
    ru("добрый день это компания автодеталь поставщик по поводу накладной на тормозные колодки",
       False, None, reason="supplier"),
    ru("здравствуйте я автомаляр ищу работу у вас есть вакансия по покраске", False, None,
       reason="job_seeker"),
    ru("ой извините я не туда попала", False, None, reason="wrong_number"),
    ru("вы выиграли приз в нашем розыгрыше", False, None, reason="spam"),
    ru("спасибо за ремонт машина работает отлично меня зовут павел", False, None, "Павел",
       reason="follow_up"),
    ru("когда будет готова моя машина я сдавал на кузовной ремонт", False, None,
       reason="follow_up"),
    ru("по каско направление от страховой на ремонт бампера", False, None, reason="insurance"),
    ru("алло алло", False, None, reason="empty"),
    ru("перезвоните мне пожалуйста", False, None, reason="no_service_named"),
    ru("здравствуйте хотим предложить вам рекламу на радио для автосервиса замена масла", False,
       None, reason="spam"),
    ru("машину вчера забрал а тормоза опять скрипят", False, None, reason="follow_up"),
    ru("это мастер из сервиса по поводу вашей машины", False, None, reason="no_service_named"),
    # --- What is asked outranks what it is about: whether a job left with the business is done
    # is a question for a person; a quote for that job would be false. A new job booked or
    # priced is still a quote (OM-4, CS-4).
    en("hey is my dishwasher fixed yet you took it apart on wednesday", False, None,
       reason="follow_up"),
    en("hi just checking whether the oven repair is completed the part was due friday", False,
       None, reason="follow_up"),
    en("i have not found anyone yet my dryer will not heat please call 503 555 0190", True,
       "dryer", number="+15035550190"),
    en("how much do you charge to fix a washer that will not spin", True, "washer"),
    ru("а мой автомобиль уже готов вы меняли мне амортизаторы", False, None, reason="follow_up"),
    ru("закончили с тормозами или нет забирать сегодня можно", False, None, reason="follow_up"),
    ru("можно на завтра записаться на замену масла сколько стоит", True, "oil_change"),
    ru("хочу записаться на покраску крыла и сколько это стоит", True, "body"),
]


def _id(case: Case) -> str:
    return f"{case.flow.id}:{case.transcript[:40] or '(empty)'}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_transcript_is_understood(case: Case) -> None:
    """Service (OM-4), caller name and number, urgency, and why not when there is no quote."""
    got = understand(case.transcript, case.flow)
    assert (got.service.id if got.service else None) == case.service
    assert got.is_service_request == (case.service is not None)
    assert got.reason == case.reason
    assert got.caller_name == case.name
    assert got.callback_number == case.number
    assert got.urgency == case.urgency


def test_table_is_big_and_varied() -> None:
    english = [c for c in CASES if c.flow is OMEGA]
    russian = [c for c in CASES if c.flow is CAR]
    assert len(english) >= 20 and len(russian) >= 15
    reasons = {c.reason for c in CASES}
    assert {"supplier", "job_seeker", "wrong_number", "spam", "follow_up", "empty"} <= reasons


def test_precision_on_sending_a_quote_is_perfect(record_property: pytest.RecordProperty) -> None:
    """OM-4: no quote to a message that does not clearly ask for service; recall is reported."""
    sent = [c for c in CASES if understand(c.transcript, c.flow).is_service_request]
    wrongly_sent = [c.transcript for c in sent if not c.wanted]
    wanted = [c for c in CASES if c.wanted]
    recall = sum(1 for c in sent if c.wanted) / len(wanted)
    record_property("quote_recall", round(recall, 3))
    print(f"quote precision 100% ({len(sent)} sent), recall {recall:.0%} of {len(wanted)}")
    assert wrongly_sent == []
    # The floor catches a catalogue edit that silently stops quoting most requests.
    assert recall >= 0.9


def test_a_catalogue_word_does_not_override_a_supplier() -> None:
    """OM-4: a parts supplier who names a fridge is still a supplier."""
    got = understand("invoice for the fridge compressor", OMEGA)
    assert got.reason == "supplier"
    assert "fridge" in got.matched_words
    assert got.service is None


def test_a_flow_without_a_catalogue_quotes_nothing() -> None:
    telesputnik = load_flow(FLOWS / "telesputnik.yaml")
    got = understand("меня зовут олег нужен ремонт срочно", telesputnik)
    assert (got.is_service_request, got.reason) == (False, "no_catalogue")
    assert (got.caller_name, got.urgency) == ("Олег", "urgent")


@pytest.mark.parametrize(("said", "country", "expected"), [
    ("five oh three five five five oh one two three", "1", "+15035550123"),
    ("one five oh three five five five oh one two three", "1", "+15035550123"),
    ("503-555-0123", "1", "+15035550123"),
    ("five oh three five five five twelve thirty four", "1", "+15035551234"),
    ("восемь девятьсот пятнадцать сто двадцать три сорок пять шестьдесят семь", "7", "+79151234567"),
    ("девятьсот пятнадцать сто пять ноль ноль ноль один", "7", "+79151050001"),
    ("плюс три семь пять два девять один два три четыре пять шесть семь", "7", "+375291234567"),
    ("house number one two three", "1", None),
])
def test_spoken_numbers(said: str, country: str, expected: str | None) -> None:
    from voicebot.flows.words import tokens

    assert numbers.callback_number(tokens(said), country) == expected


def test_seven_digits_without_a_country_fit_are_kept_as_digits() -> None:
    assert numbers.callback_number(("five", "five", "five", "twelve", "hundred"), "1") == "5551200"


@pytest.mark.parametrize(("said", "listed", "expected"), [
    ("refridgerator", "refrigerator", True), ("диогностика", "диагностика", True),
    ("insurence", "insurance", True),
    # Short words must be said as listed: one letter off in a short word is another word.
    ("oven", "over", False), ("fridge", "bridge", True), ("washer", "wash", False),
    ("dryer", "fryers", False),
])
def test_near_spellings(said: str, listed: str, expected: bool) -> None:
    assert bool(fuzzy.near(said, [listed])) is expected


@pytest.mark.parametrize(("transcript", "name"), [
    # OM-4, OM-12: the name beside the callback number, with no "this is" / "my name is".
    ("the oven won't heat up. call Nadia at five oh three five five five zero one four one",
     "Nadia"),
    ("washer is stuck full of water, please call Omar back at 503 555 0142", "Omar"),
    ("Bryce, 971 555 0143. the dishwasher smells burnt", "Bryce"),
    ("fridge is warm inside, 503 555 0144, Ines", "Ines"),
    # A time, a pronoun or a thank-you there names nobody.
    ("the dryer squeaks, call tomorrow at 503 555 0145", None),
    ("the dryer squeaks, call me back at 503 555 0146", None),
    ("the dryer squeaks, 503 555 0147, thanks", None),
    # "call me, Rita, at ...": the name after the pronoun is who answers.
    ("my washer walks across the floor. You can call me, Rita, at 503 555 0148", "Rita"),
])
def test_a_name_beside_the_callback_number_is_the_callers(transcript: str,
                                                          name: str | None) -> None:
    assert understand(transcript, OMEGA).caller_name == name


@pytest.mark.parametrize("transcript", [
    # OM-4: work our people did, told, and no new job asked: a person, never a quote.
    "you guys serviced my dishwasher in march and it's acting up the same way, 503 555 0151",
    "the job you did on the microwave, does it carry any guarantee",
    # ... a visit booked, taken back in other words.
    "please call off the washer visit on thursday, we sorted it ourselves",
    # ... a part for the job in hand, asked after as coming.
    "your technician came out for the fridge last week, is the motor coming soon",
    # ... a reply to what we sent them (OM-4's quote SMS), not a new request.
    "hi, Tom here, I got your estimate for the dryer and have a question, call me",
    "it's about the text you sent me on the oven repair, five oh three five five five zero one "
    "one four",
])
def test_a_message_about_our_own_job_is_a_follow_up(transcript: str) -> None:
    got = understand(transcript, OMEGA)
    assert got.reason == "follow_up"
    assert got.service is None


def test_work_we_did_beside_a_new_job_asked_still_gets_a_quote() -> None:
    """OM-4: "you fixed the fridge, now please send someone for the oven" asks a new job."""
    got = understand("you fixed our fridge last year, now please send someone for the oven",
                     OMEGA)
    assert got.is_service_request and got.reason is None


@pytest.mark.parametrize(("transcript", "name"), [
    # A name the dictionary also has as a word, written as a name by the recognizer.
    ("my range won't heat up at all, it's Frank, 503 555 0145", "Frank"),
    # A word no English dictionary has, after "it's", with no comma.
    ("the plate goes round but the food stays cold it's hannah call five oh three five five "
     "five zero one six two", "Hannah"),
    ("yeah it's marcus the oven door won't close right", "Marcus"),
    # A state after "it's" is still no name, capitalised or not.
    ("it's broken, call me at 503 555 0149", None),
])
def test_om4_names_a_recognizer_writes_or_no_dictionary_has(transcript: str,
                                                            name: str | None) -> None:
    """OM-4, OM-7: the quote greets the caller by the name they gave."""
    assert understand(transcript, OMEGA).caller_name == name


@pytest.mark.parametrize("transcript", [
    "здравствуйте, я записан к вам на четверг, но не успеваю, перезвоните",
    "это Кира, вы записали меня на утро субботы, давайте на вечер",
])
def test_cs6_a_visit_already_booked_is_a_follow_up(transcript: str) -> None:
    """A message about a visit booked with us already (moving it, calling it off) is for a
    person: no quote for the fault it names, nor a new booking."""
    got = understand(transcript, CAR)
    assert got.reason == "follow_up" and got.service is None


def test_a_new_booking_beside_an_old_one_still_gets_a_quote() -> None:
    got = understand("записывался у вас в мае, теперь надо поменять колодки, запишите меня", CAR)
    assert got.is_service_request
