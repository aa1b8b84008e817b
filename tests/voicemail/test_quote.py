"""The quote SMS (OM-4, OM-7): written from the flow's template, prices from its facts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import MappingProxyType

from voicebot.compiler.loader import load_flow
from voicebot.voicemail.quote import quote_sms
from voicebot.voicemail.understand import understand

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA = load_flow(FLOWS / "omega.yaml")
CAR = load_flow(FLOWS / "car_service.yaml")
NOW = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)
CALLER = "+15035550177"


def test_omega_quote_says_what_om7_says() -> None:
    """OM-7: $85 service call, repair and parts extra except minor work, mostly the same day;
    OM-4: the caller can approve or call back."""
    said = "hi this is john smith my fridge is not cooling"
    sms = quote_sms(OMEGA, understand(said, OMEGA), CALLER, NOW)
    assert sms is not None
    assert sms.startswith("Hi John Smith, this is Omega Tech Service.")
    assert "refrigerator repair" in sms
    assert "The service call is $85; repair and parts are extra except for minor work" in sms
    assert "same day" in sms
    assert "Reply YES to approve" in sms and sms.endswith("or call us at +15035550100.")


def test_no_name_leaves_no_gap() -> None:
    sms = quote_sms(OMEGA, understand("my dryer wont start", OMEGA), CALLER, NOW)
    assert sms is not None and sms.startswith("Hi, this is Omega Tech Service.")


def test_no_quote_for_what_is_not_a_service_request() -> None:
    """OM-4: a supplier who names a fridge gets no quote."""
    for said in ("invoice for the fridge compressor", "", "sorry wrong number"):
        assert quote_sms(OMEGA, understand(said, OMEGA), CALLER, NOW) is None


def test_russian_quote_is_russian_with_the_service_price() -> None:
    sms = quote_sms(CAR, understand("нужно поменять масло", CAR), "+79005550177", NOW)
    assert sms is not None
    assert sms.startswith("Здравствуйте! Это автоцентр «Магистраль».")
    assert "замена масла" in sms
    assert f"Предварительная стоимость: {CAR.facts['oil_change_price']};" in sms
    assert "Ответьте ДА, чтобы подтвердить, или позвоните нам по номеру +74955550100." in sms
    named = quote_sms(CAR, understand("меня зовут анна нужен шиномонтаж", CAR), "+79005550177", NOW)
    assert named is not None and named.startswith("Здравствуйте, Анна! Это")


def test_prices_come_from_the_flow_file() -> None:
    """OM-7: change the fact, and the next quote says the new price."""
    dearer = dataclasses.replace(OMEGA, facts=MappingProxyType({**OMEGA.facts, "service_call_price": "$95"}))
    sms = quote_sms(dearer, understand("my oven is broken", dearer), CALLER, NOW)
    assert sms is not None and "The service call is $95;" in sms and "$85" not in sms


def test_quote_fields(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("""\
flow: mini
language: en-US
numbers: ["+15555550100"]
timezone: UTC
facts: {price: "$85"}
quotes:
  services:
    - {id: fridge, name: fridge repair, words: [fridge], price: "{price} plus parts"}
  sms: "{urgency} [{service}] [{service_price}] [{callback_number}] [{line_number}] [{caller}]"
start: bye
fallback: bye
states:
  bye:
    hangup: "Bye."
""", encoding="utf-8")
    flow = load_flow(path)
    urgent = quote_sms(flow, understand("fridge flooding call five oh three five five five oh one "
                                        "two three", flow), CALLER, NOW)
    assert urgent == "URGENT [fridge repair] [$85 plus parts] [+15035550123] [+15555550100] [" + CALLER + "]"
    # Without a number in the message, the caller's own number is the one to call back.
    calm = quote_sms(flow, understand("my fridge is warm", flow), CALLER, NOW)
    assert calm == f"[fridge repair] [$85 plus parts] [{CALLER}] [+15555550100] [{CALLER}]"
