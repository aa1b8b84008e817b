"""What a capturing ask keeps, by `capture_as`: numbers said in words, a phone number in the
line's own country, only the name of a caller's answer (car_service, CS-* asks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.engine.answers import capture_value, hear
from voicebot.flows.model import CaptureKind, Flow

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@pytest.fixture(scope="module")
def car_service() -> Flow:
    return load_flow(FLOWS / "car_service.yaml")


@pytest.fixture(scope="module")
def omega() -> Flow:
    return load_flow(FLOWS / "omega.yaml")


@pytest.mark.parametrize(("kind", "speech", "kept"), [
    ("digits", "двадцать девять пятьсот пятьдесят пять", "29555"),
    ("number", "сорок два", "42"),
    ("phone", "восемь девятьсот шестнадцать пятьсот пятьдесят пять ноль один двадцать три",
     "+79165550123"),
    ("phone", "8 926 555-01-66", "+79265550166"),
    ("phone", "не помню", None),
    ("name", "Андрей меня зовут", "Андрей"),
    ("name", "да просто Саша", "Саша"),
    ("name", "зовите меня Лёша", "Лёша"),
    # Surname first, as HL-5's ask for «фамилию, имя и отчество» has it: nothing is dropped.
    ("name", "Иванова Мария Петровна", "Иванова Мария Петровна"),
    ("name", "Петров Иван", "Петров Иван"),
    # No word is a name: kept as said, for a person to read.
    ("name", "а зачем вам", "а зачем вам"),
])
def test_a_russian_line_keeps_what_its_capture_asks_for(
        car_service: Flow, kind: CaptureKind, speech: str, kept: str | None) -> None:
    assert capture_value(kind, "", speech, car_service) == kept


def test_a_keyed_phone_number_is_read_in_the_line_country(car_service: Flow, omega: Flow) -> None:
    assert capture_value("phone", "89165550123", "", car_service) == "+79165550123"
    assert capture_value("phone", "", "five oh three five five five oh one four five",
                         omega) == "+15035550145"


def test_a_keypress_is_no_name(car_service: Flow) -> None:
    assert capture_value("name", "5", "", car_service, spoken_only=True) is None


def test_shipped_flows_capture_phones_and_names_as_such(car_service: Flow) -> None:
    assert car_service.states["callback_phone_ask"].capture_kind == "phone"
    assert car_service.states["ask_name"].capture_kind == "name"


@pytest.mark.parametrize(("speech", "state"), [
    ("два", "to_body"), ("три", "question_topic"), ("один", "repair_fault"),
    # A cardinal inside a sentence is no keypress: "один вопрос" is a question.
    ("один вопрос", "question_topic"),
])
def test_a_number_that_is_the_whole_answer_is_a_keypress(car_service: Flow, speech: str,
                                                        state: str) -> None:
    """CS-1: "press 2 for body work" is answered "два" as often as with the key."""
    heard = hear(car_service, car_service.states["purpose"], "", speech)
    assert heard is not None and heard.choice.goto == state


def test_a_lone_number_in_english_is_a_keypress_too(omega: Flow) -> None:
    """OM-5, OM-7: "two" is the parts status, "um, four" the prices."""
    menu = omega.states["menu"]
    assert (heard := hear(omega, menu, "", "two")) is not None and heard.choice.goto == "parts_info"
    assert (heard := hear(omega, menu, "", "um, four")) is not None \
        and heard.choice.goto == "price_info"
