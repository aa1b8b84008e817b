"""TS-5: tickets are written in dry official language: no brackets, no exclamation marks.
The engine normalises what it writes; the desk refuses what staff type (tests/desk/test_desk.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from voicebot.models import Ticket
from voicebot.ticket_language import check, normalise

from support.records import Dial, stored, the_call


@pytest.mark.parametrize(("typed", "dry"), [
    ("Перезвонить клиенту (после 18:00)!!!", "Перезвонить клиенту, после 18:00."),
    ("Call the client back ASAP!", "Call the client back ASAP."),
    ("Вопрос: когда починят?!", "Вопрос: когда починят?"),
    ("Спасибо за звонок)))", "Спасибо за звонок"),
    ("The client is upset :( call him today", "The client is upset call him today"),
    ("Всё хорошо 👍", "Всё хорошо"),
    ("1) заменить кабель 2) проверить ресивер", "1. заменить кабель 2. проверить ресивер"),
    ("Тел. 8 (495) 555-01-00 (звонить вечером)", "Тел. 8 495 555-01-00, звонить вечером"),
    ("Why?? No signal since Monday....", "Why? No signal since Monday..."),
    ("Message (from the city council) about the cable works", "Message, from the city council, "
                                                              "about the cable works"),
])
def test_ts5_normalise_makes_text_dry_and_keeps_every_word(typed: str, dry: str) -> None:
    """TS-5: brackets, exclamation marks, emoticons and doubled marks go; the words stay."""
    assert check(typed) != []
    assert normalise(typed) == dry
    assert check(dry) == []


@pytest.mark.parametrize("text", [
    "Заявка на отключение, телефон +375295550100. Причина: дорого.",
    "Caller +15035550188 asks for a different technician; put through to the supervisor.",
    "Вопрос абонента +375295550178: можно ли перенести розетку в другую комнату",
    "Meeting at 10:30... then the visit.",
])
def test_ts5_dry_text_passes_unchanged(text: str) -> None:
    assert check(text) == []
    assert normalise(text) == text


def test_ts5_check_names_each_kind_of_problem_with_what_was_typed() -> None:
    problems = {p.code: p.found for p in check("Срочно!!! (очень) ;) ??")}
    assert problems == {"exclamation": "!!!", "brackets": "()", "emoticon": ";)",
                        "repeated-punctuation": "??"}


def test_ts5_engine_writes_the_callers_exclamations_as_dry_ticket_text(
    app: Flask, dial: Dial, set_clock
) -> None:
    """TS-5: what the caller said goes into the ticket for management in dry language."""
    set_clock("2026-11-23T12:00:00+03:00")
    caller = dial("+375295550100", from_="+375295550171")
    caller.start()
    caller.say("можно ли перенести розетку в другую комнату?! очень нужно!")
    (ticket,) = stored(app, Ticket, call_id=the_call(app, caller).id)
    assert ticket.text == ("Вопрос абонента +375295550171: можно ли перенести розетку в другую "
                           "комнату? очень нужно.")
    assert check(ticket.text) == []
