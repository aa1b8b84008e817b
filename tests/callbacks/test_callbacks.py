"""Callback rules over real HTTP: the emulator drops calls, the scheduler's jobs run on a
controlled clock (`run_due` with the engine's clock moved forward, never real minutes), and
calls go out through the real `twilio` client to the Twilio double, which checks each request
against Twilio's OpenAPI description."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from voicebot.jobs import run_due
from voicebot.models import Call, Callback, CallbackAttempt, Dial, Ticket

from support.outbound import answer, placed_calls
from support.records import Dial as DialFn
from support.records import stored, the_call
from support.replay import replay
from support.twilio_double import TwilioDouble

HOTLINE = "+78005550100"
CLIENT = "+79005550177"
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url}


@pytest.fixture
def clock_at(app: Flask, live_server: str) -> Iterator[Callable[[dt.datetime], None]]:
    """Move the engine's clock; Twilio reaches us at the live server."""
    app.config["PUBLIC_URL"] = live_server

    def move(when: dt.datetime) -> None:
        app.extensions["voicebot.clock"].set(when)

    move(NOON)
    yield move


def after(seconds: float) -> dt.datetime:
    return NOON + dt.timedelta(seconds=seconds)


def drop_during_request(dial: DialFn) -> Any:
    """A caller explains a fault, then the line drops while the bot asks for the model."""
    caller = dial(HOTLINE, from_=CLIENT)
    caller.start()
    turn = caller.say("у меня не включается стиральная машина")
    assert "модель техники" in turn.text
    caller.hangup()
    return caller


def test_hl9_a_call_dropped_mid_conversation_is_redialled_once(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """HL-9: the line drops in an active conversation; the hotline calls back once, the
    client hears why, and the conversation goes on. The redial is an outbound call placed
    through Twilio's Calls API from the hotline's number, with machine detection."""
    caller = drop_during_request(dial)
    assert run_due(app, after(29)) == 0  # not before its time
    assert placed_calls(twilio_double) == []
    clock_at(after(31))
    assert run_due(app, raise_errors=True) == 1
    (placed,) = placed_calls(twilio_double)
    assert placed.params["To"] == CLIENT and placed.params["From"] == HOTLINE
    assert placed.params["MachineDetection"] == "Enable"
    assert placed.params["StatusCallback"] == f"{live_server}/twilio/voice/status"

    redial = answer(placed, live_server)
    assert ("Здравствуйте, это горячая линия Нордтех, меня зовут Алина. Нас разъединили, "
            "поэтому я перезваниваю.") in redial.turn.heard
    assert "по какому вы вопросу" in redial.turn.text
    redial.hangup()

    (callback,) = stored(app, Callback)
    assert (callback.status, callback.attempts_made, callback.outcome) == ("done", 1, "reached")
    outbound = stored(app, Call, sid=placed.sid)[0]
    assert outbound.direction == "outbound" and outbound.party == CLIENT
    note = the_call(app, caller).note
    assert "Перезвон №1: звоним клиенту." in note
    assert "Перезвон №1: выполнен." in note
    # HL-9 again: the redial itself dropped, yet nobody calls a third time.
    clock_at(after(3600))
    run_due(app, raise_errors=True)
    assert len(placed_calls(twilio_double)) == 1


def test_hl9_no_answer_to_the_redial_means_no_more_attempts(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble,
) -> None:
    """HL-9: the client does not pick up the one redial: no further attempts, and the
    dispatcher reading the journal sees that."""
    caller = drop_during_request(dial)
    clock_at(after(31))
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    assert twilio_double.deliver_call_status(placed.sid, "no-answer").status == 204
    clock_at(after(7200))
    assert run_due(app, raise_errors=True) == 0
    assert len(placed_calls(twilio_double)) == 1
    (callback,) = stored(app, Callback)
    assert callback.status == "not-reached"
    assert callback.outcome == "not reached after 1 attempt(s); last: no-answer"
    assert [a.result for a in stored(app, CallbackAttempt)] == ["no-answer"]
    assert "Перезвон №1: до клиента не дозвонились." in the_call(app, caller).note


@pytest.mark.parametrize("answered_by", ["machine_start", "fax"])
def test_hl9_an_answering_machine_is_not_the_client(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, live_server: str, answered_by: str,
) -> None:
    """HL-9: a voicemail box picking up the redial is not reaching the client: we hang up
    without a word and make no further attempt."""
    drop_during_request(dial)
    clock_at(after(31))
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    machine = answer(placed, live_server, answered_by=answered_by)
    assert machine.turn.heard == [] and machine.ended
    (callback,) = stored(app, Callback)
    assert callback.status == "not-reached"
    assert callback.outcome.endswith("last: machine")


@pytest.mark.parametrize(("answers", "where"), [
    ([], "the greeting"),
    (["у меня не включается стиральная машина", "Нордтех WM 1200", "да, на гарантии",
      "не сливает воду", "пятнадцатого марта", "в магазине Техномир", "в Москве",
      "Иванова Мария Петровна", "да", "нет"], "the rating"),
])
def test_hl9_a_hang_up_in_the_greeting_or_the_farewell_is_not_redialled(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, answers: list[str], where: str,
) -> None:
    """HL-9: dropped before or during the greeting: the client calls again if they need to;
    hanging up at the rating ends a finished conversation. Neither is redialled."""
    caller = dial(HOTLINE, from_=CLIENT)
    caller.start()
    for words in answers:
        caller.say(words)
    if where == "the rating":
        assert "Оцените консультацию" in caller.turn.text
    caller.hangup()
    clock_at(after(3600))
    run_due(app, raise_errors=True)
    assert placed_calls(twilio_double) == []
    assert stored(app, Callback) == []
    assert the_call(app, caller).outcome == "abandoned"


def test_duplicate_and_late_status_callbacks_cause_no_second_call(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """Twilio may post a status more than once and out of order: one dropped call, one
    redial, whatever arrives; and a late 'ringing' does not reopen the finished call."""
    caller = drop_during_request(dial)
    final = next(e for e in caller.history if e.kind == "status")
    for _ in range(3):
        assert replay(live_server, final)[0] == 204  # the caller's hang-up, posted again
    clock_at(after(31))
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    for status in ("no-answer", "no-answer", "ringing", "no-answer"):
        twilio_double.deliver_call_status(placed.sid, status)
    clock_at(after(7200))
    run_due(app, raise_errors=True)
    assert len(placed_calls(twilio_double)) == 1
    (row,) = stored(app, Dial)
    assert row.status == "no-answer"
    assert [a.result for a in stored(app, CallbackAttempt)] == ["no-answer"]
    assert len(stored(app, Callback)) == 1


TELESPUTNIK = "+375295550100"
MANAGEMENT = "+375295550113"
MINSK = dt.timezone(dt.timedelta(hours=3))


def test_ts4_an_unknown_question_is_chased_until_answered_then_the_caller_hears_the_answer(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, live_server: str,
) -> None:
    """TS-4: the caller's question goes to management as a ticket; management is reminded
    every four office hours until it answers; once it does, the line calls the caller back
    and reads the answer out."""
    from voicebot.services.tickets import answer as answer_ticket

    monday_noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=MINSK)
    clock_at(monday_noon)
    caller = dial(TELESPUTNIK, from_="+375295550179")
    caller.start()
    caller.say("можно ли у вас заказать установку спутниковой тарелки на даче")
    (ticket,) = stored(app, Ticket)
    assert ticket.kind == "question" and ticket.assign_role == "management"

    def reminders() -> list[str]:
        return [m["body"] for m in twilio_double.messages if m["to"] == MANAGEMENT]

    clock_at(monday_noon + dt.timedelta(hours=3, minutes=59))
    run_due(app, raise_errors=True)
    assert reminders() == []
    clock_at(monday_noon + dt.timedelta(hours=4))
    run_due(app, raise_errors=True)
    assert reminders() == [f"Напоминание: вопрос абонента +375295550179 ждёт ответа (заявка "
                           f"{ticket.id}): можно ли у вас заказать установку спутниковой "
                           "тарелки на даче"]
    # The next one falls at 20:00, after the office closes at 19:00: it waits for Tuesday 10:00.
    clock_at(monday_noon + dt.timedelta(hours=8))
    run_due(app, raise_errors=True)
    assert len(reminders()) == 1
    clock_at(dt.datetime(2026, 11, 24, 10, 0, tzinfo=MINSK))
    run_due(app, raise_errors=True)
    assert len(reminders()) == 2

    answer_ticket(app, ticket.id, "установку тарелок мы не делаем, обратитесь к спутниковому "
                                  "оператору", by="director")
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    assert placed.params["To"] == "+375295550179" and placed.params["From"] == TELESPUTNIK
    client = answer(placed, live_server)
    assert ("Вы спрашивали: можно ли у вас заказать установку спутниковой тарелки на даче. "
            "Ответ руководства: установку тарелок мы не делаем, обратитесь к спутниковому "
            "оператору") in client.turn.text
    # Answered: management hears no more about it.
    clock_at(dt.datetime(2026, 11, 25, 18, 0, tzinfo=MINSK))
    run_due(app, raise_errors=True)
    assert len(reminders()) == 2
    reminder = next(c for c in stored(app, Callback) if c.rule_id == "question_reminder")
    assert (reminder.status, reminder.attempts_made) == ("done", 2)


CAR_SERVICE = "+74955550100"
BODY_MASTER = "+79005550113"


def busy_master_note(dial: DialFn, when: str) -> Any:
    caller = dial(CAR_SERVICE, from_="+79005550177")
    caller.start()
    caller.say("вмятина на двери")
    caller.say("Ольга")
    caller.dial_result("busy")
    caller.say("хочу узнать стоимость ремонта двери")
    caller.say(when)
    caller.say("да, на этот")
    return caller


@pytest.mark.parametrize(("said", "due"), [
    ("завтра после обеда", dt.datetime(2026, 11, 24, 14, 0, tzinfo=NOON.tzinfo)),
    ("сам не знаю", NOON + dt.timedelta(hours=1)),
])
def test_cs6_the_person_asked_for_gets_the_note_and_a_reminder_when_the_client_asked(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble, said: str, due: dt.datetime,
) -> None:
    """CS-6: the busy body-shop master gets the "call back" note by SMS at once, and a
    reminder at the time the client asked for, in the client's words; when the words name
    no time, an hour later."""
    busy_master_note(dial, said)
    run_due(app, raise_errors=True)

    def to_master() -> list[str]:
        return [m["body"] for m in twilio_double.messages if m["to"] == BODY_MASTER]

    assert to_master() == [
        f"Записка «Перезвонить»: Ольга, тел. +79005550177, звонил(а) 23.11.2026 в 12:00, просит "
        f"перезвонить {said}. Вопрос: хочу узнать стоимость ремонта двери"]
    clock_at(due - dt.timedelta(minutes=1))
    run_due(app, raise_errors=True)
    assert len(to_master()) == 1
    clock_at(due)
    run_due(app, raise_errors=True)
    assert to_master()[1] == (f"Пора перезвонить: Ольга, тел. +79005550177 (просил(а) {said}). "
                              "Вопрос: хочу узнать стоимость ремонта двери")


def test_cs6_no_reminder_once_the_note_is_closed(
    app: Flask, dial: DialFn, clock_at: Callable[[dt.datetime], None],
    twilio_double: TwilioDouble,
) -> None:
    from voicebot.services.tickets import close

    busy_master_note(dial, "завтра утром")
    run_due(app, raise_errors=True)
    (ticket,) = stored(app, Ticket)
    close(app, ticket.id, by="body-master", note="Перезвонил сразу, клиент записан на среду.")
    clock_at(dt.datetime(2026, 11, 24, 9, 0, tzinfo=NOON.tzinfo))
    run_due(app, raise_errors=True)
    assert [m["to"] for m in twilio_double.messages] == [BODY_MASTER]
    reminder = next(c for c in stored(app, Callback) if c.rule_id == "callback_reminder")
    assert reminder.status == "skipped" and reminder.outcome == "the ticket is closed"
