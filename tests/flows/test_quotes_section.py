"""The `quotes:` section compiles into frozen objects (OM-4, OM-7); broken ones are golden files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.engine.answers import menu
from voicebot.flows.errors import FlowLoadError
from voicebot.flows.model import QuoteCatalogue

FLOWS = Path(__file__).resolve().parents[2] / "flows"

HEADER = """\
flow: mini
language: en-US
numbers: ["+15555550100"]
timezone: UTC
facts: {{price: "$85"}}
{quotes}
"""
"""A small English flow's top keys, with its `quotes:` section to fill in."""

FLOW = HEADER + """\
start: hello
fallback: hello
states:
  hello:
    hangup: "Bye."
"""

QUOTES = """\
quotes:
  services:
    - id: fridge
      name: fridge repair
      words: [fridge, "ice maker"]
      price: "{price}"
    - id: oven
      name: oven repair
      words: oven
  not_service:
    wrong_number: ["wrong number"]
    supplier: [invoice]
  urgent: [leaking]
  sms: ["{urgency} Hi {caller_name},", "{service} is {service_price} at {name}; call {line_number}."]
"""


def load(tmp_path: Path, quotes: str) -> QuoteCatalogue | None:
    path = tmp_path / "f.yaml"
    path.write_text(FLOW.format(quotes=quotes), encoding="utf-8")
    return load_flow(path).quotes


def test_a_catalogue_compiles_in_file_order(tmp_path: Path) -> None:
    catalogue = load(tmp_path, QUOTES)
    assert catalogue is not None
    assert [s.id for s in catalogue.services] == ["fridge", "oven"]
    fridge, oven = catalogue.services
    assert [p.stems for p in fridge.words] == [("fridg",), ("ice", "maker")]
    assert fridge.price is not None and fridge.price.names == {"price"}
    assert oven.price is None and [p.text for p in oven.words] == ["oven"]
    # Checked in file order: the first reason found is the one reported.
    assert list(catalogue.not_service) == ["wrong_number", "supplier"]
    assert [p.text for p in catalogue.urgent] == ["leaking"]
    assert catalogue.sms.template.startswith("{urgency} Hi {caller_name}, {service} is")
    assert catalogue.sms.source.line == 19  # its line in the file, for error messages
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.sms = catalogue.sms  # type: ignore[misc]


def test_the_section_is_optional(tmp_path: Path) -> None:
    assert load(tmp_path, "") is None


def test_quote_fields_belong_to_the_quote_only(tmp_path: Path) -> None:
    with pytest.raises(FlowLoadError) as caught:
        load(tmp_path, QUOTES.replace('price: "{price}"', 'price: "{price} for {service}"'))
    assert [p.path for p in caught.value.problems] == ["quotes.services[0].price"]
    assert "only the quote's sms" in caught.value.problems[0].message


def test_shipped_flows_carry_the_seed_prices() -> None:
    """OM-7: the $85 service call is a fact of the flow file, and the quote writes it."""
    omega = load_flow(FLOWS / "omega.yaml")
    assert omega.quotes is not None and omega.facts["service_call_price"] == "$85"
    assert "service_call_price" in omega.quotes.sms.names
    car = load_flow(FLOWS / "car_service.yaml")
    assert car.quotes is not None
    assert all(s.price is not None for s in car.quotes.services)
    assert load_flow(FLOWS / "telesputnik.yaml").quotes is None


BOOKING = HEADER + """\
start: menu
fallback: menu
states:
  menu:
    ask: "What can we do for you?"
    choices:
      - words: [book, schedule]
        services: [{services}]
        goto: booked
      - words: [price, cost]
        goto: prices
    no_match: menu
    no_input: menu
  booked:
    hangup: "Booked."
  prices:
    hangup: "Prices."
"""


def booking_menu(tmp_path: Path, services: str, quotes: str = QUOTES) -> Path:
    path = tmp_path / "f.yaml"
    path.write_text(BOOKING.format(quotes=quotes, services=services), encoding="utf-8")
    return path


def test_a_choice_hears_the_catalogue_services_it_names(tmp_path: Path) -> None:
    flow = load_flow(booking_menu(tmp_path, "fridge"))
    heard = menu(flow, flow.states["menu"])
    # "my ice maker quit" names no word of the choice, only the fridge service's.
    best = heard.hear("my ice maker quit on me").best
    assert best is not None and flow.states["menu"].choices[best.key].goto == "booked"
    # A service the choice does not name is not heard; a question about a named one goes to
    # the question's choice ("what does a fridge repair cost" is about the price).
    assert heard.hear("the oven is dead").best is None
    best = heard.hear("what does a fridge repair cost").best
    assert best is not None and flow.states["menu"].choices[best.key].goto == "prices"


def test_a_choice_naming_an_unknown_service_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(FlowLoadError) as caught:
        load_flow(booking_menu(tmp_path, "fridge, dryer"), display_name="f.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "f.yaml:28: states.menu.choices[0].services[1]: unknown service: name services of the "
        "flow's quotes: section (fridge, oven) (got 'dryer')"]
    with pytest.raises(FlowLoadError) as caught:
        load_flow(booking_menu(tmp_path, "fridge", quotes=""), display_name="f.yaml")
    assert [p.message for p in caught.value.problems] == [
        "unknown service: name services of the flow's quotes: section, which this flow does "
        "not have"]
