"""Keep my place (issue 18, item 2; Amazon Connect's queued callback), through whole calls
over real HTTP: the emulator plays the caller and the dispatcher, calls go out through the
real `twilio` client to the Twilio double (checked against Twilio's OpenAPI), jobs run on a
controlled clock (`run_due`), on SQLite and PostgreSQL.

A caller presses 1 in the queue and hangs up; a caller who came later stays behind them; when
the dispatcher takes the next caller, the dispatcher is held and the first caller is called
back, hears why, and is put through. Not answered: tried again after the spacing, never in
the quiet hours, then a ticket; duplicate and late status callbacks dial nobody twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from voicebot import db, stats
from voicebot.compiler.graph import to_dot, to_mermaid
from voicebot.compiler.loader import load_flow
from voicebot.compiler.registry import registry
from voicebot.devtools.emulator import CallEmulator
from voicebot.devtools.repl import interactive
from voicebot.engine.steps.queue import calls_said, kept_call_note, spoken_number
from voicebot.jobs import run_due
from voicebot.models import Call, QueueEntry, Ticket
from voicebot.models import Dial as DialRow
from voicebot.services import calls, kept_places, queue

from support.desk import PASSWORD_HASH, login
from support.outbound import Placed, answer, placed_calls
from support.records import Dial as DialFn
from support.records import noted, stored, the_call
from support.twilio_double import TwilioDouble

LINE = "+15555550183"
CALLER = "+15035550177"
LATER = "+15035550178"
DISPATCHER = "+15555550111"
TEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
FLOW = f"""\
flow: desk
name: Service desk
language: en-US
numbers: ["{LINE}"]
timezone: UTC
staff:
  - id: dispatcher-1
    role: dispatcher
    phone: "{DISPATCHER}"
start: who
fallback: message
states:
  who:
    route:
      - when: {{caller: dispatcher}}
        goto: take_next
    otherwise: wait
  wait:
    queue: desk
    max_wait: 900
    keep_place:
      key: "1"
      attempts: 2
      spacing: 5m
      quiet_hours: "20:00-08:00"
      assign: dispatcher
    next: message
  take_next:
    answer_queue: desk
    next: hangup
    empty: nobody
  nobody:
    hangup: "Nobody is waiting right now."
  message:
    voicemail: "Please leave a message after the tone."
    next: hangup
"""
CONFIRMED = ("Thank you. You keep your place in line, and we will call you back at "
             "5 0 3, 5 5 5, 0 1 7 7 when your turn comes. Goodbye.")
HELD = ("The next caller kept their place in line. We are calling them back at "
        "5 0 3, 5 5 5, 0 1 7 7 now; please hold, and you will be put through when they answer.")
HELLO = ("Hello, this is Service desk calling you back. You kept your place in line, and it is "
         "your turn now. Please hold while I put you through.")


RU_LINE = "+74955550183"
RU_FLOW = f"""\
flow: stol
name: Сервисный центр
language: ru-RU
numbers: ["{RU_LINE}"]
timezone: Europe/Moscow
start: wait
fallback: message
states:
  wait:
    queue: stol
    keep_place: {{key: "2"}}
    next: message
  message:
    voicemail: "Оставьте сообщение после сигнала."
    next: hangup
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "stol.yaml").write_text(RU_FLOW, encoding="utf-8")
    path = folder / "desk.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return path


@pytest.fixture
def settings(settings: dict[str, Any], flow_file: Path,
             twilio_double: TwilioDouble) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flow_file.parent), "DRY_RUN": False,
            "TWILIO_API_URL": twilio_double.base_url, "ADMIN_PASSWORD_HASH": PASSWORD_HASH,
            "DESK_TIMEZONE": "UTC"}


def desk_card(app: Flask, entry: QueueEntry, show: str = "pending") -> str:
    """The kept place as the dispatcher reads it on the desk's callbacks page."""
    desk = login(app.test_client())
    html = desk.get(f"/admin/callbacks?show={show}").text
    found = re.search(rf'<article[^>]*id="kept-place-{entry.id}".*?</article>', html, re.S)
    assert found, f"kept place {entry.id} is not on the desk ({show})"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


@pytest.fixture
def clock_at(app: Flask, live_server: str) -> Iterator[Callable[[dt.datetime], None]]:
    """Move the engine's clock; Twilio reaches us at the live server."""
    app.config["PUBLIC_URL"] = live_server

    def move(when: dt.datetime) -> None:
        app.extensions["voicebot.clock"].set(when)

    move(TEN)
    yield move


def minutes(n: float) -> dt.datetime:
    return TEN + dt.timedelta(minutes=n)


def keep_place(dial: DialFn, number: str = CALLER) -> CallEmulator:
    caller = dial(LINE, from_=number)
    turn = caller.start()
    assert "To keep your place in line and have us call you back, press 1." in turn.heard
    turn = caller.press_while_waiting("1")
    assert turn.heard == [CONFIRMED] if number == CALLER else turn.heard
    assert caller.ended
    return caller


def dispatcher_takes(dial: DialFn) -> tuple[CallEmulator, list[str]]:
    staff = dial(LINE, from_=DISPATCHER)
    return staff, staff.start().heard


def called_back(app: Flask, dial: DialFn, twilio_double: TwilioDouble, live_server: str,
                ) -> tuple[CallEmulator, CallEmulator, Placed, CallEmulator]:
    """A caller kept their place, a dispatcher took it, and the caller answered our call
    back and heard why we call: the caller's first call, the dispatcher's, the call placed
    and the call back."""
    caller = keep_place(dial)
    staff, _ = dispatcher_takes(dial)
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    back = answer(placed, live_server)
    assert back.turn.heard == [HELLO]
    return caller, staff, placed, back


def the_place(app: Flask, caller: CallEmulator) -> QueueEntry:
    (entry,) = stored(app, QueueEntry, call_id=the_call(app, caller).id)
    return entry


@pytest.mark.usefixtures("clock_at")
@pytest.mark.parametrize("staff_reports_first", [False, True])
def test_a_kept_place_is_called_back_and_put_through_to_the_dispatcher(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble, live_server: str,
    staff_reports_first: bool,
) -> None:
    caller = keep_place(dial)
    # Someone who calls later waits behind the kept place.
    later = dial(LINE, from_=LATER)
    assert "You are number 2 in line." in later.start().heard
    assert placed_calls(twilio_double) == []  # nobody is free yet
    waiting = desk_card(app, the_place(app, caller))
    assert "place kept" in waiting and CALLER in waiting
    assert "number 1 in line (desk)" in waiting and "calls made: 0 of 2" in waiting

    staff, heard = dispatcher_takes(dial)
    assert HELD in heard
    run_due(app, raise_errors=True)
    (placed,) = placed_calls(twilio_double)
    assert (placed.params["To"], placed.params["From"]) == (CALLER, LINE)
    assert placed.params["StatusCallback"] == f"{live_server}/twilio/voice/status"

    back = answer(placed, live_server)
    assert back.turn.heard == [HELLO]
    # The staff member is on hold until the call back dequeues them.
    assert staff.queue_position(1, waited=10).heard == []
    # The conversation ends: both legs report it, in either order.
    if staff_reports_first:
        staff.queue_result("bridged")
    back.dial_result("completed", duration=95)
    if not staff_reports_first:
        staff.queue_result("bridged")
    assert back.ended and staff.ended

    assert the_place(app, caller).result == "called-back"
    done = desk_card(app, the_place(app, caller), "finished")
    assert "called back, put through" in done and "calls made: 1 of 2" in done
    note = the_call(app, caller).note
    assert "The caller kept their place in line and hung up; we are to call them back at " \
           f"{CALLER}." in note
    assert "Kept place: called back at 10:00 AM (call 1 of 2)." in note
    assert "Kept place: the caller answered the call back and was put through to staff." in note
    assert the_call(app, caller).outcome == "kept-place"
    # The caller behind is next now, and the call back is not placed again.
    assert "You are number 1 in line." in later.queue_position(1, waited=60).heard
    twilio_double.deliver_call_status(placed.sid, "completed")
    run_due(app, raise_errors=True)
    assert len(placed_calls(twilio_double)) == 1


@pytest.mark.usefixtures("clock_at")
def test_a_caller_who_answers_and_hangs_up_before_being_put_through_is_not_called_again(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble, live_server: str,
) -> None:
    caller, staff, _, back = called_back(app, dial, twilio_double, live_server)
    back.hangup()  # Twilio reports the call completed; the dial never ends
    turn = staff.queue_position(1, waited=10)
    assert turn.heard[0] == "They answered, but hung up before you were put through."
    assert the_place(app, caller).result == "called-back"
    assert "Kept place: the caller answered the call back but hung up before being put " \
           "through." in the_call(app, caller).note
    run_due(app, raise_errors=True)
    assert len(placed_calls(twilio_double)) == 1


@pytest.mark.usefixtures("clock_at")
def test_a_dispatcher_who_hangs_up_on_hold_leaves_the_caller_an_apology_and_a_next_call(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble, live_server: str,
) -> None:
    caller, staff, placed, back = called_back(app, dial, twilio_double, live_server)
    staff.hangup()  # while the caller hears why we call
    turn = back.dial_result("failed", duration=0)
    assert turn.heard == ["Sorry, the person who was free a moment ago has just been taken. "
                          "You keep your place, and we will call you again. Goodbye."]
    assert back.ended
    entry = the_place(app, caller)
    assert (entry.result, entry.attempts, entry.left_at) == ("kept", 1, None)
    assert "Kept place: not reached (the call ended before they were put through); the next " \
           "call is due after 10:05 AM." in the_call(app, caller).note
    assert "The staff member on hold had hung up; the caller heard an apology." \
        in noted(app, Call.sid == placed.sid).note


def not_answered(app: Flask, double: TwilioDouble, placed: Placed, status: str) -> None:
    assert double.deliver_call_status(placed.sid, status).status == 204
    run_due(app, raise_errors=True)


def test_not_answered_twice_means_a_ticket_and_duplicates_dial_nobody(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble,
    clock_at: Callable[[dt.datetime], None],
) -> None:
    caller = keep_place(dial)
    staff, _ = dispatcher_takes(dial)
    run_due(app, raise_errors=True)
    (first,) = placed_calls(twilio_double)
    not_answered(app, twilio_double, first, "no-answer")
    not_answered(app, twilio_double, first, "no-answer")  # Twilio repeats itself
    twilio_double.deliver_call_status(first.sid, "ringing")  # and reports late
    # The held dispatcher is released, told when the next try is, and finds nobody else.
    turn = staff.queue_position(1, waited=10)
    assert "They did not answer. We will try again after 10:05 AM." in turn.heard
    assert "Nobody is waiting right now." in turn.heard
    assert (the_place(app, caller).result, the_place(app, caller).attempts) == ("kept", 1)
    assert "next try 2026-11-23 10:05" in desk_card(app, the_place(app, caller))

    clock_at(minutes(3))  # not due yet: the place waits, nobody is called
    _, heard = dispatcher_takes(dial)
    assert heard[-1] == "Nobody is waiting right now."
    clock_at(minutes(6))
    staff, heard = dispatcher_takes(dial)
    assert HELD in heard
    run_due(app, raise_errors=True)
    second = placed_calls(twilio_double)[1]
    not_answered(app, twilio_double, second, "busy")
    turn = staff.queue_position(1, waited=10)
    assert "They did not answer, so there is now a ticket on the desk to call them back." \
        in turn.heard
    not_answered(app, twilio_double, second, "busy")
    assert len(placed_calls(twilio_double)) == 2

    (ticket,) = stored(app, Ticket)
    assert (ticket.kind, ticket.assign_role, ticket.phone) == ("callback", "dispatcher", CALLER)
    assert ticket.text == (f"Call back {CALLER}: they kept their place in the queue and did "
                           "not answer our 2 calls.")
    assert the_place(app, caller).result == "not-reached"
    assert "not reached: ticket" in desk_card(app, the_place(app, caller), "finished")
    note = the_call(app, caller).note
    assert "Kept place: not reached (no answer); the next call is due after 10:05 AM." in note
    assert f"Kept place: not reached after 2 calls (busy); ticket #{ticket.id} for a person " \
           "to call them back." in note
    clock_at(minutes(60))
    _, heard = dispatcher_takes(dial)
    assert heard[-1] == "Nobody is waiting right now."
    assert len(placed_calls(twilio_double)) == 2


def test_quiet_hours_defer_the_call_back_to_the_morning(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble,
    clock_at: Callable[[dt.datetime], None],
) -> None:
    clock_at(TEN.replace(hour=19, minute=50))
    keep_place(dial)
    clock_at(TEN.replace(hour=20, minute=10))  # a dispatcher working late: nobody is called
    _, heard = dispatcher_takes(dial)
    assert heard[-1] == "Nobody is waiting right now."
    run_due(app, raise_errors=True)
    assert placed_calls(twilio_double) == []
    clock_at(TEN.replace(day=24, hour=8, minute=0))
    _, heard = dispatcher_takes(dial)
    assert HELD in heard
    run_due(app, raise_errors=True)
    assert len(placed_calls(twilio_double)) == 1


@pytest.mark.usefixtures("clock_at")
def test_a_withheld_number_cannot_keep_a_place_and_keeps_waiting(
    app: Flask, dial: DialFn,
) -> None:
    caller = dial(LINE, from_="anonymous")
    caller.start()
    turn = caller.press_while_waiting("1")
    assert turn.heard[0] == ("Sorry, your number is withheld, so we cannot call you back. "
                             "Please stay on the line.")
    assert not caller.ended
    entry = the_place(app, caller)
    assert entry.kept_at is None and entry.left_at is None


@pytest.mark.usefixtures("clock_at")
def test_two_dispatchers_at_once_call_the_place_back_once(
    app: Flask, dial: DialFn, flow_file: Path, twilio_double: TwilioDouble,
) -> None:
    keep_place(dial)
    flow = load_flow(flow_file)
    with db.session_scope(app) as session:
        staff = [calls.open(session, flow, sid=f"CA{n:032d}", from_=DISPATCHER, to=LINE, now=TEN)
                 for n in range(2)]
        session.commit()
        staff_ids = [s.id for s in staff if s is not None]
    taken = []
    for staff_id in staff_ids:  # each in its own transaction, as two webhooks are
        with db.session_scope(app) as session:
            took = kept_places.take_next(session, flow, "desk", TEN,
                                         session.get(Call, staff_id))
            taken.append(took.dial.id if took is not None and took.dial is not None else None)
            session.commit()
    first, second = taken
    assert first is not None and second is None
    # The job that places it, run twice, places it once.
    run_due(app, raise_errors=True)
    with app.app_context():
        kept_places.place([first])
    assert len(placed_calls(twilio_double)) == 1


def test_at_the_keyboard_a_key_over_the_hold_music_keeps_the_place(
    dial_inprocess: Callable[..., CallEmulator], set_clock: Callable[[str], dt.datetime],
) -> None:
    set_clock(TEN.isoformat())
    prompts: list[str] = []
    printed: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return "1"

    last = interactive(dial_inprocess(LINE, from_=CALLER), input_fn=ask, print_fn=printed.append)
    assert last.ended
    assert prompts[0].startswith("[queue] keys (over the music)")
    assert f"  bot: {CONFIRMED}" in printed


@pytest.mark.usefixtures("clock_at")
def test_two_dispatchers_taking_at_the_same_moment_get_one_call_back_between_them(
    app: Flask, dial: DialFn, flow_file: Path,
) -> None:
    """The first one's claim is not committed yet when the second one looks: the second
    waits for it, then finds the place taken and goes on (nobody else is waiting)."""
    keep_place(dial)
    flow = load_flow(flow_file)
    with db.session_scope(app) as session:
        staff = [calls.open(session, flow, sid=f"CA{n + 10:032d}", from_=DISPATCHER, to=LINE,
                            now=TEN) for n in range(2)]
        session.commit()
        staff_ids = [s.id for s in staff if s is not None]
    second: list[object] = []
    with db.session_scope(app) as one:
        first = kept_places.take_next(one, flow, "desk", TEN, one.get(Call, staff_ids[0]))
        assert first is not None and first.dial is not None

        def other_dispatcher() -> None:
            with db.session_scope(app) as two:
                took = kept_places.take_next(two, flow, "desk", TEN, two.get(Call, staff_ids[1]))
                second.append(took)
                two.commit()

        thread = threading.Thread(target=other_dispatcher)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second claim should wait for the first"
        one.commit()
        thread.join(10)
    assert second == [None]
    assert len(stored(app, DialRow)) == 1


@pytest.mark.parametrize(("pace_minutes", "offered"), [(1, False), (4, True)])
def test_min_wait_offers_a_call_back_only_in_a_long_queue(
    app: Flask, flow_file: Path, dial_inprocess: Callable[..., CallEmulator],
    set_clock: Callable[[str], dt.datetime], pace_minutes: int, offered: bool,
) -> None:
    """With `min_wait: 3`, a caller whose estimated wait is 2 minutes is not offered a call
    back; one whose wait is 8 minutes is."""
    flow_file.write_text(FLOW.replace('key: "1"', 'key: "1"\n      min_wait: 3'),
                         encoding="utf-8")
    registry(app).check_now()  # the call must meet the edited flow, not the watcher's last look
    set_clock(TEN.isoformat())
    flow = load_flow(flow_file)
    with db.session_scope(app) as session:  # staff took a caller every `pace_minutes` lately
        for n in range(3):
            at = TEN - dt.timedelta(minutes=pace_minutes * (3 - n))
            call = calls.open(session, flow, sid=f"CA{n + 20:032d}", from_=LATER, to=LINE,
                              now=at - dt.timedelta(minutes=1))
            assert call is not None
            queue.join(session, call, flow.id, "desk", 0, at - dt.timedelta(minutes=1))
            queue.left(session, call.id, "bridged", at)  # staff took them
        waiting = calls.open(session, flow, sid=f"CA{30:032d}", from_=LATER, to=LINE, now=TEN)
        assert waiting is not None
        queue.join(session, waiting, flow.id, "desk", 0, TEN - dt.timedelta(seconds=1))
        session.commit()
    heard = dial_inprocess(LINE, from_=CALLER).start().heard
    assert f"The wait is about {2 * pace_minutes} minutes." in heard
    assert ("To keep your place in line and have us call you back, press 1." in heard) is offered
    with db.session_scope(app) as session:  # the reports count only a caller who heard it
        assert stats.collect(session)[("desk", None)].kept_offered == int(offered)


def test_the_reports_count_kept_places_offered_kept_reached_and_left_as_tickets(
    app: Flask, dial: DialFn, twilio_double: TwilioDouble, live_server: str,
    clock_at: Callable[[dt.datetime], None],
) -> None:
    """Three callers hear the offer: one keeps their place and is reached, one keeps it and
    is not reached twice (a ticket), one hangs up instead. The dispatcher's own calls, never
    queued, are not counted."""
    reached = keep_place(dial)
    missed = keep_place(dial, LATER)
    declined = dial(LINE, from_="+15035550179")
    assert "To keep your place in line and have us call you back, press 1." in \
        declined.start().heard
    declined.queue_result("hangup")

    staff, _ = dispatcher_takes(dial)
    run_due(app, raise_errors=True)
    back = answer(placed_calls(twilio_double)[0], live_server)
    back.dial_result("completed", duration=60)
    staff.queue_result("bridged")
    for attempt, at in ((1, minutes(1)), (2, minutes(7))):
        clock_at(at)
        dispatcher_takes(dial)
        run_due(app, raise_errors=True)
        not_answered(app, twilio_double, placed_calls(twilio_double)[attempt], "no-answer")
    assert (the_place(app, reached).result, the_place(app, missed).result) == (
        "called-back", "not-reached")
    assert len(stored(app, Ticket)) == 1

    desk = login(app.test_client())
    page = desk.get("/admin/reports?from=2026-11-23&to=2026-11-23&unit=day").text
    totals = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="totals"')[1]))
    assert "Places kept for a call back: offered / kept / reached / not reached, ticket " \
           "3 / 2 / 1 / 1" in totals
    # The caller put through by the call back was answered by a person, as if they had
    # waited on the line; the one never reached and the one who hung up were not.
    assert "Calls 6 Answered by a person 1 " in totals  # the dispatcher's three calls too
    work = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="table-work"')[1]
                                       .split("</table>")[0]))
    assert "2026-11-23 0 0 0 0 0 3 2 1 1" in work
    exported = desk.get("/admin/reports.csv?from=2026-11-23&to=2026-11-23&unit=day").text
    (row,) = csv.DictReader(io.StringIO(exported))
    assert (row["kept_places_offered"], row["kept_places_taken"], row["kept_places_reached"],
            row["kept_places_not_reached"]) == ("3", "2", "1", "1")


def test_the_flow_picture_draws_the_key(flow_file: Path) -> None:
    flow = load_flow(flow_file)
    assert '|"key 1: keeps place, called back"| b_hangup' in to_mermaid(flow)
    assert 'label="key 1: keeps place, called back"' in to_dot(flow)


@pytest.mark.usefixtures("clock_at")
def test_a_russian_caller_hears_the_offer_and_the_number_in_russian(
    app: Flask, dial: DialFn,
) -> None:
    caller = dial(RU_LINE, from_="+79005550177")
    assert "Чтобы сохранить место в очереди и дождаться нашего звонка, нажмите 2." \
        in caller.start().heard
    assert caller.press_while_waiting("2").heard == [
        "Спасибо. Ваше место в очереди сохранено, и мы перезвоним вам по номеру "
        "9 0 0, 5 5 5, 0 1, 7 7, когда подойдёт ваша очередь. До свидания."]
    note = the_call(app, caller).note
    assert "Абонент сохранил место в очереди и положил трубку; мы перезвоним ему по номеру " \
           "+79005550177." in note


def test_russian_wording_of_the_number_the_calls_and_the_note() -> None:
    assert spoken_number("+79005550177", "ru-RU") == "9 0 0, 5 5 5, 0 1, 7 7"
    assert [calls_said(n, "ru") for n in (1, 2, 5, 21)] == [
        "1 звонок", "2 звонка", "5 звонков", "21 звонок"]
    note = kept_call_note({"what": "ticket", "of": 3, "status": "no-answer", "ticket": 7},
                          None, "ru")
    assert note == ("Сохранённое место: не дозвонились за 3 звонка (нет ответа); создана "
                    "заявка №7, чтобы абоненту перезвонил сотрудник.")
    assert kept_places.calls_said(5, "ru") == "5 звонков"

