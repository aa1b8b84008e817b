"""Whole calls over real HTTP: a live server, the emulator signing as Twilio does, and the
shipped flow files. Each test asserts what the caller hears and what the dispatcher sees."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from voicebot.jobs import run_due
from voicebot.models import Message, QueueEntry, Ticket, Voicemail

from support.records import Dial, stored, the_call

OMEGA = "+15035550100"
TELESPUTNIK = "+375295550100"
MONDAY_9AM_PACIFIC = "2026-11-23T09:00:00-08:00"
MONDAY_NOON_MINSK = "2026-11-23T12:00:00+03:00"

def test_english_dtmf_prices_then_goodbye(app: Flask, dial: Dial, set_clock) -> None:
    """OM-7: prices come from the flow file and are spoken on request (DTMF turn)."""
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    turn = caller.start()
    assert "Thank you for calling Omega Tech Service." in turn.heard
    assert turn.waiting == "gather"
    assert "insurance" in turn.text and "press 1" in turn.text

    turn = caller.press("4")
    assert "The service call is $85" in turn.text
    assert "Repair and parts are extra" in turn.text
    assert turn.waiting == "gather"

    turn = caller.say("no that's all thanks")
    assert "Thank you for calling Omega Tech Service. Goodbye." in turn.heard
    assert turn.ended

    call = the_call(app, caller)
    assert call.outcome == "completed"
    assert call.ended_at is not None
    assert "The caller said: pressed 4; \u201cno that's all thanks\u201d." in call.note
    assert "Outcome: the flow finished the call" in call.note
    assert "→" not in call.note  # sentences, never the flow's state ids (issue 17 item 6)


def test_after_hours_caller_goes_to_voicemail(app: Flask, dial: Dial, set_clock) -> None:
    """OM-1: outside 08:00-14:30 Pacific the caller hears the hours and leaves a voicemail."""
    set_clock("2026-11-23T15:10:00-08:00")
    caller = dial(OMEGA)
    turn = caller.start()
    assert "We are closed right now" in turn.text
    assert "Monday to Friday from 8 AM to 2:30 PM" in turn.text
    assert turn.waiting == "record"

    turn = caller.record(duration=14, finish="#")
    assert "Goodbye" in turn.text
    call = the_call(app, caller)
    assert call.outcome == "voicemail"
    (voicemail,) = stored(app, Voicemail, call_id=call.id)
    assert voicemail.duration == 14
    assert voicemail.from_number == "+15035550199"
    assert "The caller left a voicemail (14 s)." in call.note


def test_weekend_is_after_hours_too(dial: Dial, set_clock) -> None:
    """OM-1: the seed names no days; the flow opens weekdays only."""
    set_clock("2026-11-28T10:00:00-08:00")  # Saturday
    turn = dial(OMEGA).start()
    assert "We are closed right now" in turn.text


def test_insurance_caller_is_served_before_earlier_callers(app: Flask, dial: Dial, set_clock) -> None:
    """OM-3: an insurance caller who arrives later is placed ahead of waiting callers, and
    the dispatcher who takes the next call gets the insurance caller."""
    set_clock(MONDAY_9AM_PACIFIC)
    first = dial(OMEGA, from_="+15035550131")
    first.start()
    turn = first.press("0")
    assert turn.waiting == "queue"
    assert "You are number 1 in line." in turn.heard

    set_clock("2026-11-23T09:02:00-08:00")
    insured = dial(OMEGA, from_="+15035550132")
    insured.start()
    turn = insured.say("I have a home warranty claim")
    assert turn.waiting == "queue"
    assert "Insurance and warranty calls are answered first." in turn.text
    assert "You are number 1 in line." in turn.heard

    turn = first.queue_position(2, waited=120)
    assert "You are number 2 in line." in turn.heard

    # The dispatcher calls the line from their own phone and takes the next caller.
    dispatcher = dial(OMEGA, from_="+15035550111")
    turn = dispatcher.start()
    assert turn.waiting == "dial"
    assert turn.dial is not None and turn.dial.queue == "omega.dispatch.p10"

    turn = insured.queue_result("bridged")
    assert turn.ended
    assert the_call(app, insured).outcome == "served"
    waiting = stored(app, QueueEntry, left_at=None)
    assert [e.call_id for e in waiting] == [the_call(app, first).id]


def test_technician_skips_menu_and_reaches_dispatch(app: Flask, dial: Dial, set_clock) -> None:
    """OM-11: calls from staff numbers skip the menu and go straight to the dispatcher."""
    set_clock(MONDAY_9AM_PACIFIC)
    tech = dial(OMEGA, from_="+15035550121")
    turn = tech.start()
    assert "Connecting you to dispatch." in turn.heard
    assert turn.waiting == "dial"
    assert turn.dial is not None and turn.dial.numbers == ("+15035550111",)
    assert "press 1" not in turn.text

    turn = tech.dial_result("completed", duration=95)
    assert turn.ended
    assert the_call(app, tech).outcome == "transferred"


def test_dispatcher_away_routes_to_supervisor_and_no_answer_to_voicemail(
    dial: Dial, set_clock
) -> None:
    """OM-2: outside the dispatcher's hours the supervisor is dialled; if nobody answers the
    technician can leave a voicemail instead of hearing silence."""
    set_clock("2026-11-23T16:00:00-08:00")
    tech = dial(OMEGA, from_="+15035550122")
    turn = tech.start()
    assert turn.dial is not None and turn.dial.numbers == ("+15035550112",)
    turn = tech.dial_result("no-answer", duration=0)
    assert turn.waiting == "record"
    assert "after the beep" in turn.text


def test_russian_outage_by_speech_alarms_director_and_master(
    app: Flask, dial: Dial, set_clock
) -> None:
    """TS-1, TS-9, TS-10: Russian greeting with the operator's name and the recording notice;
    an outage reported in speech notifies the director and the master at once."""
    set_clock(MONDAY_NOON_MINSK)
    caller = dial(TELESPUTNIK, from_="+375295550177")
    turn = caller.start()
    assert "Здравствуйте, кабельное телевидение Телеспутник, Ольга. Разговор записывается." in turn.heard

    turn = caller.say("у нас в доме пропал сигнал ничего не показывает", confidence=0.81)
    assert "адрес" in turn.text
    turn = caller.say("улица Садовая дом 7")
    assert "передали информацию мастеру" in turn.text
    assert turn.ended

    call = the_call(app, caller)
    alarms = stored(app, Message, call_id=call.id)
    assert sorted(m.to_number for m in alarms) == ["+375295550111", "+375295550112"]
    assert {m.status for m in alarms} == {"pending"}  # the worker sends them, not the webhook
    run_due(app, raise_errors=True)
    alarms = stored(app, Message, call_id=call.id)
    assert all("Садовая дом 7" in m.body and m.status == "dry-run" for m in alarms)
    (ticket,) = stored(app, Ticket, call_id=call.id)
    assert ticket.urgent and ticket.kind == "outage" and ticket.assign_role == "master"
    assert "Ответы абонента: «у нас в доме пропал сигнал ничего не показывает»" in call.note
    assert "0.81" not in call.note  # what was heard, not the recogniser's confidence


@pytest.mark.parametrize("said", ["это слишком дорого", "дороговато для пенсии", "тариф дорогой"])
def test_russian_disconnect_too_expensive_gets_social_package(
    dial: Dial, set_clock, said: str
) -> None:
    """TS-8: a disconnect request first asks why; "too expensive" in any inflection gets the
    social package offer."""
    set_clock(MONDAY_NOON_MINSK)
    caller = dial(TELESPUTNIK)
    caller.start()
    turn = caller.say("хочу отключить телевидение")
    assert "почему вы хотите отключиться" in turn.text
    turn = caller.say(said)
    assert "социальный пакет за 6 рублей" in turn.text


def test_hangup_mid_call_closes_the_journal_entry(app: Flask, dial: Dial, set_clock) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    caller.start()
    caller.press("2")
    turn = caller.hangup()
    assert turn.ended
    call = the_call(app, caller)
    assert call.ended_at is not None
    assert call.outcome == "abandoned"
    assert call.status == "completed"
    assert call.duration is not None
    assert "Outcome: the caller hung up while voicebot was talking;" in call.note


def test_silence_reprompts_then_goes_to_the_no_input_target(dial: Dial, set_clock) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    caller.start()
    turn = caller.silence()
    assert "Sorry, I didn't catch that. Press 1 or say insurance for a claim" in turn.text
    assert "For the status of parts, press 2." not in turn.text  # not the menu word for word
    assert turn.waiting == "gather"
    turn = caller.silence()
    assert turn.waiting == "queue"  # menu's no_input: general_queue


def test_abusive_caller_is_warned_then_cut_off(app: Flask, dial: Dial, set_clock) -> None:
    """OM-10: a first insult gets the warning (call may end, insurer told, coverage voided);
    a second ends the call and flags it for the supervisor. Swearing at a broken machine in
    between is not an insult to the dispatcher (issue 11)."""
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    caller.start()
    turn = caller.say("you are useless idiots")
    assert "your insurance company will be informed" in turn.text
    assert "coverage may be voided" in turn.text
    turn = caller.say("stupid machine")
    assert "This call is now ending." not in turn.text and not turn.ended
    turn = caller.say("you are all stupid")
    assert "This call is now ending." in turn.text and turn.ended
    call = the_call(app, caller)
    (ticket,) = stored(app, Ticket, call_id=call.id)
    assert ticket.assign_role == "supervisor" and "abusive" in ticket.text


def test_unknown_number_hears_a_clear_error_and_is_journaled(app: Flask, dial: Dial) -> None:
    caller = dial("+15035550999")
    turn = caller.start()
    assert "this number is not in service" in turn.text
    assert turn.ended
    call = the_call(app, caller)
    assert call.outcome == "unknown-number" and call.ended_at is not None
    assert "called a number no flow answers (+15035550999)" in call.note


def test_journal_is_written_at_the_hour_the_call_started(app: Flask, dial: Dial, set_clock) -> None:
    moment = set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    caller.start()
    caller.hangup()
    call = the_call(app, caller)
    assert call.started_at == moment.astimezone(dt.UTC)
    assert call.note.startswith("2026-11-23 09:00: +15035550199 called Omega Tech Service")


def test_unknown_spoken_question_becomes_a_callback_ticket(app: Flask, dial: Dial, set_clock) -> None:
    """TS-4: a question the line cannot answer is written down with the caller's phone for
    management, and the caller is promised a call back."""
    set_clock(MONDAY_NOON_MINSK)
    caller = dial(TELESPUTNIK, from_="+375295550178")
    caller.start()
    turn = caller.say("можно ли перенести розетку в другую комнату")
    assert "Мы вам перезвоним." in turn.text
    (ticket,) = stored(app, Ticket, call_id=the_call(app, caller).id)
    assert ticket.kind == "question" and ticket.assign_role == "management"
    assert ticket.text == "Вопрос абонента +375295550178: можно ли перенести розетку в другую комнату"
    assert ticket.due_at is not None


def test_a_stray_keypress_is_not_taken_as_a_spoken_question(app: Flask, dial: Dial, set_clock) -> None:
    set_clock(MONDAY_NOON_MINSK)
    caller = dial(TELESPUTNIK)
    caller.start()
    turn = caller.press("0")
    assert "Извините, я не расслышала." in turn.text
    assert stored(app, Ticket) == []


def test_recorded_line_records_the_whole_call_from_the_first_word(
    app: Flask, dial: Dial, set_clock
) -> None:
    """TS-10: calls to this line are recorded (the greeting says so); the recording is kept
    on the call's journal entry, not among the voicemails."""
    set_clock(MONDAY_NOON_MINSK)
    caller = dial(TELESPUTNIK, from_="+375295550179")
    turn = caller.start()
    assert "call recording started" in turn.notes
    assert turn.twiml[0].index("<Start><Recording") < turn.twiml[0].index("<Say")
    assert "Разговор записывается." in turn.text
    caller.hangup()
    (sid, _callback), = caller.call_recordings
    call = the_call(app, caller)
    assert call.recording_sid == sid
    assert call.recording_url.endswith(f"/Recordings/{sid}")
    assert "Разговор записан." in call.note
    assert stored(app, Voicemail) == []


def test_unrecorded_line_starts_no_recording(dial: Dial, set_clock) -> None:
    set_clock(MONDAY_9AM_PACIFIC)
    caller = dial(OMEGA)
    turn = caller.start()
    assert "<Start>" not in turn.twiml[0]
    assert caller.call_recordings == []
