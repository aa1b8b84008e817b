"""Seed 001, the cable TV operator (`flows/telesputnik.yaml`): whole calls over real HTTP with
the emulator, each test naming the TS rule it proves and asserting what the caller hears and
what management and the director get. TS-1, TS-4, TS-8, TS-9 and TS-10 are proven by the
scripted calls and tests/callbacks/test_callbacks.py."""

from __future__ import annotations

import pytest
from flask import Flask

from voicebot.models import Message, Ticket

from support.records import Dial, stored

TELESPUTNIK = "+375295550100"
CALLER = "+375295550181"
DIRECTOR = "+375295550111"
MONDAY_NOON = "2026-11-23T12:00:00+03:00"


@pytest.mark.parametrize(("asked", "heard"), [
    ("нужна ли приставка для телевизора", "приставки не нужны"),
    ("сколько у вас каналов", "В пакете 60 каналов, в том числе все белорусские эфирные"),
    ("протянете кабель до квартиры", "Кабель от щитка на лестничной площадке до квартиры наши "
                                     "сотрудники не прокладывают."),
    ("сколько стоит подключение",
     "Подключение стоит 50 рублей, абонентская плата 12 рублей 50 копеек в месяц."),
    ("где можно оплатить", "Оплатить можно на почте, в любом банке или через ЕРИП."),
])
def test_ts2_cable_tv_facts_and_prices_from_the_flow_file(dial: Dial, set_clock, asked: str,
                                                          heard: str) -> None:
    """TS-2: how cable TV works (the antenna cable, every TV at once, no set-top boxes), the
    channels, the price list and where to pay, all read from the flow file."""
    set_clock(MONDAY_NOON)
    caller = dial(TELESPUTNIK, from_=CALLER)
    caller.start()
    turn = caller.say(asked)
    assert heard in turn.text
    assert "Остались ли у вас вопросы?" in turn.text


def test_ts3_the_office_invitation_reads_the_hours_from_the_schedule(dial: Dial, set_clock) -> None:
    """TS-3: the caller is invited to sign the contract at the office; the hours are read from
    the flow's schedule (10-19 weekdays, 11-18 Saturday), not written into the prompt."""
    set_clock(MONDAY_NOON)
    caller = dial(TELESPUTNIK, from_=CALLER)
    caller.start()
    turn = caller.say("хочу подключить кабельное")
    assert ("Для подключения приходите в наш офис подписать договор: улица Примерная, дом 1, "
            "офис 2. Мы работаем с понедельника по пятницу с 10:00 до 19:00, в субботу с 11:00 "
            "до 18:00.") in turn.heard


def test_ts6_a_home_visit_for_the_contract_only_for_a_disabled_caller(
    app: Flask, dial: Dial, set_clock,
) -> None:
    """TS-6: "come to me with the contract" is refused, except for a person with a disability:
    only then does management get a home-visit request."""
    set_clock(MONDAY_NOON)
    refused = dial(TELESPUTNIK, from_=CALLER)
    refused.start()
    refused.say("хочу подключить кабельное")
    turn = refused.say("нет, просто приезжайте ко мне с договором")
    assert "Остались ли у вас вопросы?" in turn.text
    assert stored(app, Ticket) == []

    disabled = dial(TELESPUTNIK, from_="+375295550182")
    disabled.start()
    disabled.say("хочу подключить кабельное")
    turn = disabled.say("да, у меня инвалидность, я не хожу")
    assert "Заявка на выезд с договором принята." in turn.text
    (ticket,) = stored(app, Ticket)
    assert (ticket.kind, ticket.assign_role) == ("request", "management")
    assert "абоненту с инвалидностью, телефон +375295550182" in ticket.text


def test_ts7_no_director_phone_a_message_instead(app: Flask, dial: Dial, set_clock) -> None:
    """TS-7: the director's and the accountant's phone numbers are never given; the caller's
    message (who, what about, the number) becomes a ticket for the director."""
    set_clock(MONDAY_NOON)
    caller = dial(TELESPUTNIK, from_=CALLER)
    caller.start()
    turn = caller.say("дайте мне телефон директора")
    assert "Телефоны руководства мы не даём, но я передам ваше сообщение." in turn.heard
    assert DIRECTOR not in turn.text and "111" not in turn.text
    turn = caller.say("Пётр Смирнов, хочу обсудить рекламу на вашем канале")
    assert "Сообщение передано, вам перезвонят." in turn.text
    (ticket,) = stored(app, Ticket)
    assert (ticket.kind, ticket.assign_role, ticket.urgent) == ("message", "director", False)
    assert ticket.text == ("Сообщение для директора, телефон +375295550181: Пётр Смирнов, хочу "
                           "обсудить рекламу на вашем канале")
    assert stored(app, Message) == []  # not urgent: no alarm


@pytest.mark.parametrize("message", [
    "Это Анна из райисполкома, срочно перезвоните по поводу проверки",
    "налоговая инспекция, нужен директор по поводу документов",
])
def test_ts7_an_urgent_or_official_message_reaches_the_director_at_once_with_its_words(
    app: Flask, dial: Dial, set_clock, message: str,
) -> None:
    """TS-7: urgent, or from a state body: the director is told now, by SMS, in the caller's
    own words, and the ticket stands out as urgent."""
    set_clock(MONDAY_NOON)
    caller = dial(TELESPUTNIK, from_=CALLER)
    caller.start()
    caller.say("соедините с директором")
    caller.say(message)
    (sms,) = stored(app, Message)
    assert sms.to_number == DIRECTOR and sms.purpose == "notify"
    assert sms.body == f"Срочное сообщение от {CALLER}: {message}"
    (ticket,) = stored(app, Ticket)
    assert ticket.urgent and ticket.assign_role == "director" and message in ticket.text


def test_ts8_a_disconnect_after_too_expensive_keeps_the_callers_reason(
    app: Flask, dial: Dial, set_clock,
) -> None:
    """TS-8: "too expensive" gets the social package; a caller who declines it is
    disconnected, and management reads why on the ticket (it used to say "Причина:" and
    nothing, since the answer that matched "дорого" was not kept)."""
    set_clock(MONDAY_NOON)
    caller = dial(TELESPUTNIK, from_=CALLER)
    caller.start()
    caller.say("хочу отключить телевидение")
    caller.say("дороговато для пенсии")
    turn = caller.say("нет, не надо")
    assert "Заявка на отключение принята." in turn.text
    (ticket,) = stored(app, Ticket)
    assert ticket.kind == "disconnect"
    assert ticket.text == f"Заявка на отключение, телефон {CALLER}. Причина: дороговато для пенсии"
