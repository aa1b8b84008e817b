"""Seed 000, Omega Tech Service (`flows/omega.yaml`): OM-5, OM-6 and OM-8 as whole calls over
real HTTP. OM-1..OM-3, OM-10 and OM-11 are in tests/test_calls_e2e.py and the scripted calls,
OM-4, OM-7 and OM-9 with the voicemail pipeline, OM-12 with the desk."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from voicebot.compiler.registry import registry
from voicebot.flows.hours import after_business_days
from voicebot.jobs import run_due
from voicebot.models import Callback, Ticket
from voicebot.services.tickets import close

from support.outbound import answer, placed_calls
from support.records import Dial, stored, the_call
from support.twilio_double import TwilioDouble

OMEGA = "+15035550100"
CALLER = "+15035550177"
SUPERVISOR = "+15035550112"
PACIFIC = ZoneInfo("America/Los_Angeles")
MONDAY_9AM = "2026-11-23T09:00:00-08:00"  # the Monday before Thanksgiving (a holiday in omega)


def test_om5_parts_wait_is_spoken_with_its_dates_in_business_days(dial: Dial, set_clock) -> None:
    """OM-5: 3 to 5 business days is the standard wait for parts, said with the dates it
    means: Thanksgiving is skipped, so from Monday the 23rd that is Friday the 27th to
    Tuesday, December 1; longer means a shipping delay we will report."""
    set_clock(MONDAY_9AM)
    caller = dial(OMEGA, from_=CALLER)
    caller.start()
    turn = caller.press("2")
    assert ("Parts usually arrive in 3 to 5 business days: for a part ordered today, between "
            "Friday, November 27 and Tuesday, December 1.") in turn.text
    assert "the delivery may be delayed; we will let you know" in turn.text


@pytest.mark.parametrize(("today", "days", "expected"), [
    (dt.date(2026, 11, 20), 1, dt.date(2026, 11, 23)),   # Friday -> Monday
    (dt.date(2026, 11, 25), 1, dt.date(2026, 11, 27)),   # over Thanksgiving
    (dt.date(2026, 12, 23), 3, dt.date(2026, 12, 29)),   # over the weekend and Christmas
    (dt.date(2026, 11, 21), 5, dt.date(2026, 11, 30)),   # from a Saturday
])
def test_om5_business_days_skip_weekends_and_holidays(app: Flask, today: dt.date, days: int,
                                                      expected: dt.date) -> None:
    omega = registry(app).get("omega")
    now = dt.datetime.combine(today, dt.time(10), PACIFIC)
    assert after_business_days(omega.hours, now, days) == expected


@pytest.fixture
def settings(settings: dict[str, Any], twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "DRY_RUN": False, "TWILIO_API_URL": twilio_double.base_url}


@pytest.fixture
def live(app: Flask, live_server: str, twilio_double: TwilioDouble) -> TwilioDouble:
    """Live telephony through the Twilio double; Twilio reaches us at the live server."""
    app.config["PUBLIC_URL"] = live_server
    return twilio_double


def ask_about_completion(dial: Dial) -> Any:
    caller = dial(OMEGA, from_=CALLER)
    caller.start()
    return caller, caller.press("3")


def test_om6_completion_review_by_the_supervisor_within_24_hours(
    app: Flask, dial: Dial, set_clock, live: TwilioDouble,
) -> None:
    """OM-6: asked about completed work, the line says a supervisor checks it within 24
    hours, and the supervisor gets that review as a ticket due in 24 hours; still
    open a day later, it is escalated: marked urgent and texted to the supervisor."""
    start = set_clock(MONDAY_9AM)
    caller, turn = ask_about_completion(dial)
    assert ("Every completed repair is checked by our supervisor within 24 hours, for safety "
            "and so that any parts are ordered correctly.") in turn.text
    (ticket,) = stored(app, Ticket, call_id=the_call(app, caller).id)
    assert (ticket.kind, ticket.assign_role) == ("review", "supervisor")
    assert ticket.due_at == start + dt.timedelta(hours=24)
    set_clock("2026-11-24T08:59:00-08:00")
    run_due(app, raise_errors=True)
    assert live.messages == []
    set_clock("2026-11-24T09:00:00-08:00")
    run_due(app, raise_errors=True)
    (sms,) = live.messages
    assert sms["to"] == SUPERVISOR
    assert sms["body"] == (f"Overdue: the completion review for {CALLER} (ticket {ticket.id}) was "
                           "due within 24 hours.")
    assert stored(app, Ticket)[0].urgent


def test_om6_a_review_closed_in_time_is_not_escalated(
    app: Flask, dial: Dial, set_clock, live: TwilioDouble,
) -> None:
    set_clock(MONDAY_9AM)
    ask_about_completion(dial)
    (ticket,) = stored(app, Ticket)
    close(app, ticket.id, by="supervisor", note="Checked: safe, parts ordered.")
    set_clock("2026-11-24T09:00:00-08:00")
    run_due(app, raise_errors=True)
    assert live.messages == []
    (callback,) = stored(app, Callback)
    assert callback.status == "skipped"


def test_om8_another_technician_only_in_exceptional_cases(app: Flask, dial: Dial, set_clock) -> None:
    """OM-8: a request for another technician is answered with the policy (only in
    exceptional cases; trust the assigned professional); a caller who insists is noted for
    the supervisor and put through to them; one who does not goes on with the call."""
    set_clock(MONDAY_9AM)
    insisting = dial(OMEGA, from_=CALLER)
    insisting.start()
    turn = insisting.say("I want a different technician")
    assert "We send another technician only in exceptional cases." in turn.text
    assert "usually finish the job they started, so we ask you to trust them" in turn.text
    turn = insisting.say("yes")
    assert "Connecting you to our supervisor." in turn.heard
    assert turn.dial is not None and turn.dial.numbers == (SUPERVISOR,)
    (note,) = stored(app, Ticket)
    assert (note.kind, note.assign_role) == ("note", "supervisor")
    assert note.text == (f"Caller {CALLER} asks for a different technician and was put "
                         "through to the supervisor.")

    content = dial(OMEGA, from_="+15035550178")
    content.start()
    content.say("can you change technician")
    turn = content.say("no, that's fine")
    assert "Is there anything else?" in turn.text
    assert len(stored(app, Ticket)) == 1

    # Leaving the choice to us insists on nothing: "fine" in it is no yes.
    easy = dial(OMEGA, from_="+15035550179")
    easy.start()
    easy.say("can I get a different tech next time")
    turn = easy.say("eh, whoever you've got is fine")
    assert "Is there anything else?" in turn.text
    assert "Connecting you to our supervisor." not in turn.heard
    assert len(stored(app, Ticket)) == 1


def test_om12_a_caller_keeps_their_place_and_the_dispatcher_is_put_through_to_them(
    app: Flask, dial: Dial, set_clock, live: TwilioDouble, live_server: str,
) -> None:
    """Issue 18's keep my place on the shipped line: after a minute in the dispatch queue the
    caller is offered a call back, presses 1, hears the number and hangs up; the dispatcher
    calling in to take the next caller is held while Omega calls them back from its own
    number, and they are put through. OM-12: the journal says the place was kept, when the
    caller was called back and that they were put through."""
    set_clock(MONDAY_9AM)
    caller = dial(OMEGA, from_=CALLER)
    caller.start()
    turn = caller.press("0")
    assert "To keep your place in line and have us call you back, press 1." not in turn.heard
    caller.queue_position(1, waited=30)
    turn = caller.queue_position(1, waited=30)
    assert "To keep your place in line and have us call you back, press 1." in turn.heard
    assert caller.press_while_waiting("1").heard == [
        "Thank you. You keep your place in line, and we will call you back at "
        "5 0 3, 5 5 5, 0 1 7 7 when your turn comes. Goodbye."]

    dispatcher = dial(OMEGA, from_="+15035550111")
    assert ("The next caller kept their place in line. We are calling them back at "
            "5 0 3, 5 5 5, 0 1 7 7 now; please hold, and you will be put through when they "
            "answer.") in dispatcher.start().heard
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(live)
    assert (placed.params["To"], placed.params["From"]) == (CALLER, OMEGA)
    back = answer(placed, live_server)
    assert back.turn.heard == [
        "Hello, this is Omega Tech Service calling you back. You kept your place in line, and "
        "it is your turn now. Please hold while I put you through."]
    back.dial_result("completed", duration=120)
    dispatcher.queue_result("bridged")
    note = the_call(app, caller).note
    assert "The caller kept their place in line and hung up; we are to call them back at " \
           f"{CALLER}." in note
    assert "Kept place: called back at 9:00 AM (call 1 of 2)." in note
    assert "Kept place: the caller answered the call back and was put through to staff." in note
