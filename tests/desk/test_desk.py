"""The dispatcher's desk as a dispatcher uses it: the hand-off view after real calls, one
caller's history, tickets typed by staff (TS-5), callbacks and flows."""

from __future__ import annotations

import ast
import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from voicebot import db
from voicebot.admin import i18n
from voicebot.admin.flows import scripted_calls
from voicebot.admin.formatting import choose_zone
from voicebot.admin.tickets import PROBLEM_WORDS
from voicebot.jobs import enqueue, run_due
from voicebot.models import Call, Callback, Ticket, TicketComment, Voicemail

from support.desk import (
    PASSWORD_HASH,
    add,
    callback,
    login,
    post_form,
    ticket,
    voicemail,
    wav,
)
from support.job_probe import broken_file, probe, ran
from support.records import Dial, stored, the_call

REPO = Path(__file__).resolve().parents[2]
OMEGA = "+15035550100"
TELESPUTNIK = "+375295550100"
AFTER_HOURS = "2026-11-23T15:10:00-08:00"
NOON_MINSK = "2026-11-23T12:00:00+03:00"


@pytest.fixture
def settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "ADMIN_PASSWORD_HASH": PASSWORD_HASH, "DESK_TIMEZONE": "UTC"}


@pytest.fixture
def desk(client: FlaskClient) -> FlaskClient:
    return login(client)


def text_of(html: str) -> str:
    """What a person reads: the page without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def card(html: str, element_id: str) -> str:
    match = re.search(rf'<article[^>]*id="{element_id}".*?</article>', html, re.S)
    assert match, f"no {element_id} on the page"
    return text_of(match.group(0))


def test_om12_hand_off_view_shows_calls_voicemail_quote_tickets_and_call_backs(
    app: Flask, desk: FlaskClient, dial_inprocess: Dial, set_clock: Any
) -> None:
    """OM-12: the next dispatcher sees every call since the chosen time with its caller, line,
    outcome and note; the voicemail with its transcript, player and quote status; the open
    ticket with its due time and owner; and the promised call back."""
    moment = set_clock(AFTER_HOURS)
    caller = dial_inprocess(OMEGA, from_="+15035550143")
    caller.start()
    caller.record(duration=20, finish="#")
    call = the_call(app, caller)
    (vm,) = stored(app, Voicemail, call_id=call.id)
    wav(Path(app.config["RECORDINGS_DIR"]) / "omega" / f"{vm.recording_sid}.wav")
    with db.session_scope(app) as session:  # as the pipeline leaves it
        session.execute(update(Voicemail).where(Voicemail.id == vm.id).values(
            audio_path=f"omega/{vm.recording_sid}.wav", status="transcribed", created_at=moment,
            transcript="my fridge is not cooling please call me back"))
    voicemail(app, phone="+15035550177", at=moment.astimezone(dt.UTC),
              transcript="the dryer makes a loud noise",
              quote={"service": "dryer", "name": "Dryer repair", "status": "approved",
                     "body": "Omega Tech Service: dryer repair from $95. Reply YES to book."})
    set_clock(NOON_MINSK)
    asker = dial_inprocess(TELESPUTNIK, from_="+375295550178")
    asker.start()
    asker.say("можно ли перенести розетку в другую комнату")
    promised = callback(app, phone="+15035550143", next_at=moment + dt.timedelta(hours=18),
                        call_id=call.id, attempts=((moment, "no-answer"),))
    set_clock("2026-11-23T16:00:00-08:00")

    page = desk.get("/admin/")
    assert page.status_code == 200
    html = page.text
    seen = text_of(html)
    assert "What happened since 2026-11-23 00:00" in seen
    omega_call = card(html, f"call-{call.id}")
    assert "+15035550143" in omega_call and "Omega Tech Service" in omega_call
    # The note is written from the call's events, in the desk's words and time zone (UTC).
    assert ("2026-11-23 23:10: +15035550143 called Omega Tech Service (+15035550100). "
            "The caller left a voicemail (20 s).") in omega_call
    minsk_call = card(html, f"call-{the_call(app, asker).id}")
    assert "+375295550178" in minsk_call and "Телеспутник" in minsk_call
    # The voicemail: a player for the file, the transcript, and where the quote stands.
    vm_card = card(html, f"voicemail-{vm.id}")
    assert f'src="/admin/recordings/omega/{vm.recording_sid}.wav"' in html
    assert "my fridge is not cooling please call me back" in vm_card
    assert "no quote" in vm_card
    assert "approved Dryer repair" in seen and "the dryer makes a loud noise" in seen
    # The ticket for management, with its due time and who owns it.
    (question,) = stored(app, Ticket, phone="+375295550178")
    ticket_card = card(html, f"ticket-{question.id}")
    assert "можно ли перенести розетку" in ticket_card
    assert "due 2026-11-24 09:00" in ticket_card and "owner: руководство (nobody yet)" in ticket_card
    cb = card(html, f"callback-{promised}")
    assert "+15035550143" in cb and "next try 2026-11-24 17:10" in cb
    assert "attempt 1 of 3" in cb and "no-answer" in cb and "owner: voicebot, automatically" in cb
    # The dispatcher hears the message through the desk.
    audio = desk.get(f"/admin/recordings/omega/{vm.recording_sid}.wav")
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"


def test_hand_off_filters_by_line_outcome_time_and_number(app: Flask, desk: FlaskClient) -> None:
    now = dt.datetime.now(dt.UTC)
    add(app, *[Call(sid=f"CA{i:032x}", flow_id="omega" if i % 2 else "telesputnik",
                    from_number=f"+1503555{i:04d}", to_number=OMEGA,
                    outcome="completed" if i % 3 else "abandoned",
                    note=f"note of call {i}.",
                    started_at=now - dt.timedelta(hours=i) + dt.timedelta(minutes=5))
                for i in range(1, 13)])
    def shown(query: str) -> set[int]:
        return {int(n) for n in re.findall(r"note of call (\d+)\.", desk.get("/admin/" + query).text)}

    assert shown("") == set(range(1, 13))
    assert shown("?hours=4") == {1, 2, 3, 4}
    assert shown("?line=omega") == {1, 3, 5, 7, 9, 11}
    assert shown("?outcome=abandoned") == {3, 6, 9, 12}
    assert shown("?line=omega&outcome=abandoned") == {3, 9}
    since = (now - dt.timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M")
    assert shown(f"?since={since}") == {1, 2, 3, 4, 5}
    # A number search is the caller's whole history, whatever the time chosen.
    assert shown("?hours=1&number=%2B1+503+555+0011") == {11}
    page = desk.get("/admin/?since=yesterday")
    assert "That time was not understood" in page.text
    bad = desk.get("/admin/?number=call+me")
    assert "call me is not a phone number" in text_of(bad.text)


def test_a_number_search_gives_one_callers_whole_history(app: Flask, desk: FlaskClient) -> None:
    old = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)
    them, other = "+15035550161", "+15035550162"
    add(app, Call(sid="CA" + "1" * 32, flow_id="omega", from_number=them, to_number=OMEGA,
                  outcome="voicemail", note="A call from last spring.", started_at=old),
        Call(sid="CA" + "2" * 32, flow_id="omega", from_number=other, to_number=OMEGA,
             outcome="completed", note="Someone else's call.", started_at=old))
    closed = ticket(app, flow_id="omega", phone=them, text="Replace the door seal.",
                    status="closed", closed_at=old)
    ticket(app, flow_id="omega", phone=other, text="Another customer's ticket.")
    voicemail(app, phone=them, at=old, transcript="the fridge door does not close")
    callback(app, phone=them, status="done", next_at=None, finished_at=old,
             attempts=((old, "answered"),))
    seen = text_of(desk.get("/admin/?number=%2B15035550161").text)
    assert "Whole history of +15035550161" in seen
    assert "A call from last spring." in seen and "Replace the door seal." in seen
    assert f"Ticket #{closed}" in seen and "the fridge door does not close" in seen
    assert "answered" in seen
    assert "Someone else's call." not in seen and "Another customer's ticket." not in seen


def test_a_number_search_reads_the_number_as_the_lines_countries_write_them(
        app: Flask, desk: FlaskClient) -> None:
    """A dispatcher looks a caller up as the number is written at home: '8 916 555-01-23' on
    a desk with Russian lines, '(503) 555-0137' for omega's US callers; the country code
    still works. A number the lines' countries cannot have is refused, as before."""
    old = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    add(app, Call(sid="CA" + "3" * 32, flow_id="car_service", from_number="+79165550123",
                  to_number="+74955550100", outcome="completed", note="Стартер меняли.",
                  started_at=old),
        Call(sid="CA" + "4" * 32, flow_id="omega", from_number="+15035550137",
             to_number=OMEGA, outcome="completed", note="Dryer belt.", started_at=old))
    for typed, found, other in (("8 916 555-01-23", "Стартер меняли.", "Dryer belt."),
                                ("8 (916) 5550123", "Стартер меняли.", "Dryer belt."),
                                ("(503) 555-0137", "Dryer belt.", "Стартер меняли."),
                                ("+1 503 555 0137", "Dryer belt.", "Стартер меняли.")):
        seen = text_of(desk.get("/admin/", query_string={"number": typed}).text)
        assert found in seen and other not in seen, typed
    # With a line chosen, its country reads the number.
    seen = text_of(desk.get("/admin/", query_string={"number": "(503) 555-0137",
                                                     "line": "omega"}).text)
    assert "Whole history of +15035550137" in seen
    refused = text_of(desk.get("/admin/", query_string={"number": "555-01"}).text)
    assert "555-01 is not a phone number" in refused


def test_calls_page_by_key_newest_first(app: Flask, desk: FlaskClient) -> None:
    now = dt.datetime.now(dt.UTC)
    same = now - dt.timedelta(minutes=30)  # ties on the time are ordered by id
    add(app, *[Call(sid=f"CA{i:032x}", flow_id="omega", from_number="+15035550100",
                    to_number=OMEGA, outcome="completed", note=f"note of call {i}.",
                    started_at=same if i in (49, 50, 51) else now - dt.timedelta(minutes=i))
                for i in range(1, 121)])
    seen: list[int] = []
    url: str | None = "/admin/"
    while url:
        html = desk.get(url).text
        seen += [int(n) for n in re.findall(r"note of call (\d+)\.", html)]
        more = re.search(r'href="([^"]+)" rel="next"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    by_time = sorted(range(1, 121), key=lambda i: (30 if i in (49, 50, 51) else i, -i))
    assert seen == by_time and len(seen) == 120


def test_ts5_staff_ticket_in_exclamations_is_refused_with_a_suggestion_and_kept(
    app: Flask, desk: FlaskClient
) -> None:
    """TS-5: what staff type goes through the same check: refused with the reason, the typed
    text kept in the form, and one click saves the dry wording."""
    typed = "Клиент (Иванов) очень просит перезвонить!!!"
    form = {"line": "telesputnik", "kind": "callback", "text": typed, "phone": "+375 29 555 0190",
            "urgent": "1", "assign_role": "management", "due": "2026-11-24T10:00"}
    refused = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", **form)
    assert refused.status_code == 400
    seen = text_of(refused.text)
    assert "Tickets are written in dry official language, so this was not saved:" in seen
    assert "brackets ()" in seen and "exclamation marks !!!" in seen
    assert f">{typed}</textarea>" in refused.text.replace("&#34;", '"')
    assert "Клиент, Иванов, очень просит перезвонить." in seen
    assert stored(app, Ticket) == []
    saved = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", **form, wording="suggested")
    assert saved.status_code == 302
    (row,) = stored(app, Ticket)
    assert row.text == "Клиент, Иванов, очень просит перезвонить."
    assert row.phone == "+375295550190" and row.urgent and row.assign_role == "management"
    assert row.due_at == dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_ts5_comment_and_answer_are_checked_too(app: Flask, desk: FlaskClient) -> None:
    """TS-5: a comment or an answer in exclamations is refused, and the typed words stay."""
    ticket_id = ticket(app)
    page = f"/admin/tickets/{ticket_id}"
    refused = post_form(desk, page, f"{page}/comment", comment="Звонил, не берёт трубку!!")
    assert refused.status_code == 400 and "Звонил, не берёт трубку!!</textarea>" in refused.text
    assert stored(app, TicketComment) == []
    post_form(desk, page, f"{page}/comment", comment="Звонил, не берёт трубку.")
    post_form(desk, page, f"{page}/answer", answer="Розетку перенести можно, выезд платный.")
    (row,) = stored(app, Ticket)
    assert row.answer == "Розетку перенести можно, выезд платный." and row.answered_at
    seen = text_of(desk.get(page).text)
    assert "Dana Звонил, не берёт трубку." in seen


def test_assign_comment_and_close_a_ticket(app: Flask, desk: FlaskClient) -> None:
    ticket_id = ticket(app, urgent=True, kind="message", text="Срочное сообщение для директора, "
                       "телефон +375295550160: срочное или официальное обращение")
    page = f"/admin/tickets/{ticket_id}"
    html = desk.get(page).text
    assert "URGENT" in html and "OFFICIAL" in html and 'class="card ticket urgent official' in html
    post_form(desk, page, f"{page}/assign", assigned_to="Eve")
    post_form(desk, page, f"{page}/comment", comment="Директор в курсе.")
    closed = post_form(desk, page, f"{page}/close")
    assert closed.status_code == 302
    (row,) = stored(app, Ticket)
    assert row.status == "closed" and row.closed_at and row.assigned_to == "Eve"
    seen = text_of(desk.get(page).text)
    assert "Assigned to: Eve" in seen and "Директор в курсе." in seen and "Ticket closed." in seen
    assert f"Ticket #{ticket_id}" not in text_of(desk.get("/admin/").text)
    assert f"Ticket #{ticket_id}" in text_of(desk.get("/admin/tickets?status=closed").text)
    post_form(desk, page, f"{page}/reopen")
    assert stored(app, Ticket)[0].status == "open"


def test_new_ticket_form_keeps_what_was_typed_when_a_field_is_wrong(desk: FlaskClient) -> None:
    reply = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", line="nowhere",
                      kind="note", text="Проверить качество связи.", phone="call me", due="soon")
    assert reply.status_code == 400
    seen = text_of(reply.text)
    assert "Choose a line." in seen and "call me is not a phone number" in seen
    assert "The due time was not understood." in seen
    assert "Проверить качество связи.</textarea>" in reply.text and 'value="call me"' in reply.text


def test_new_ticket_reads_the_phone_as_the_lines_country_writes_numbers(
    app: Flask, desk: FlaskClient
) -> None:
    """A dispatcher types the caller's number as it is written at home: nationally on the
    line's own country's numbers, with the country code for others."""
    for line, typed, stored_as in (("car_service", "8 916 555-01-23", "+79165550123"),
                                   ("omega", "(503) 555-0137", "+15035550137"),
                                   ("omega", "+7 916 555-01-24", "+79165550124")):
        saved = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", line=line,
                          kind="callback", text="Перезвонить клиенту.", phone=typed)
        assert saved.status_code == 302, text_of(saved.text)
        assert [t.flow_id for t in stored(app, Ticket, phone=stored_as)] == [line]
    refused = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", line="car_service",
                        kind="callback", text="Перезвонить клиенту.", phone="8 916 555-01")
    assert refused.status_code == 400
    assert ("8 916 555-01 is not a phone number: type it as numbers are written where "
            "+74955550100 is, or with the country code (+...).") in text_of(refused.text)
    assert 'value="8 916 555-01"' in refused.text
    assert len(stored(app, Ticket)) == 3


def test_callbacks_page_lists_pending_and_finished_with_attempts(app: Flask, desk: FlaskClient) -> None:
    now = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)
    callback(app, phone="+15035550171", next_at=now + dt.timedelta(hours=2))
    callback(app, phone="+15035550172", status="not-reached", finished_at=now,
             attempts=((now - dt.timedelta(minutes=20), "no-answer"),
                       (now - dt.timedelta(minutes=10), "busy"), (now, "no-answer")))
    pending = text_of(desk.get("/admin/callbacks").text)
    assert "+15035550171" in pending and "next try 2026-11-23 19:00" in pending
    assert "+15035550172" not in pending
    finished = text_of(desk.get("/admin/callbacks?show=finished").text)
    assert "+15035550172" in finished and "not-reached" in finished
    assert "2026-11-23 16:50 · busy" in finished and "attempt 3 of 3" in finished


def test_flows_page_shows_status_numbers_picture_and_scripted_calls(
    app: Flask, desk: FlaskClient
) -> None:
    seen = text_of(desk.get("/admin/flows").text)
    for flow_id, number in [("omega", OMEGA), ("telesputnik", TELESPUTNIK)]:
        assert flow_id in seen and number in seen
    assert "Broken" not in seen
    scripts = len(list((REPO / "flows" / "calls").glob("*.yaml")))
    assert seen.count("passed") >= 2
    omega = desk.get("/admin/flows/omega").text
    assert 'src="/admin/flows/omega/picture.svg"' in omega or "flowchart TD" in omega
    assert "OM-1: at 15:10 Pacific" in omega and "CALLER: records 20s" in text_of(omega)
    cache = app.extensions["voicebot.desk_flows"]
    first = cache._runs
    assert first is not None and len(first.outcomes) == scripts
    desk.get("/admin/flows")
    assert cache._runs is first  # viewing again does not run the scripts again


def test_flows_page_shows_a_refused_edit_and_a_failing_script(
    settings: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    flows = tmp_path / "flows"
    (flows / "calls").mkdir(parents=True)
    source = (REPO / "flows" / "omega.yaml").read_text()
    (flows / "omega.yaml").write_text(source)
    good = (REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml").read_text()
    (flows / "calls" / "prices.yaml").write_text(good.replace("$85", "$58"))
    settings["FLOWS_DIR"] = str(flows)
    app: Flask = request.getfixturevalue("app")
    desk = login(app.test_client())
    page = text_of(desk.get("/admin/flows").text)
    assert "0 of 1 passed" in page and "Broken" not in page
    flow_page = text_of(desk.get("/admin/flows/omega").text)
    assert "failed" in flow_page and "expected to hear 'The service call is $58.'" in flow_page
    # A broken edit: the last good version keeps serving; the desk says why the edit was
    # refused, and the scripts, run again on what is on disk, find no omega.
    (flows / "omega.yaml").write_text(source.replace("start: greeting", "start: nowhere"))
    page = text_of(desk.get("/admin/flows").text)
    assert "Broken" in page and "omega.yaml:" in page and "unknown state 'nowhere'" in page
    assert "flow: no flow 'omega'" in text_of(desk.get("/admin/flows/omega").text)


def test_scripted_calls_that_cannot_run_are_shown_not_swallowed(
    desk: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk runs the scripts in a process of its own: when that process cannot start an
    app (here a setting it refuses), the Flows page says so, and the desk keeps working."""
    monkeypatch.setenv("VOICEBOT_TRUSTED_PROXIES", "-1")
    page = text_of(desk.get("/admin/flows").text)
    assert "the scripted calls stopped after 0 of" in page
    assert "VOICEBOT_TRUSTED_PROXIES must be 0 or more" in page
    assert "Open tickets" in text_of(desk.get("/admin/").text)


def test_scripted_calls_that_run_too_long_are_stopped() -> None:
    scripts = sorted((REPO / "flows" / "calls").glob("*.yaml"))
    started = time.monotonic()
    (run,) = scripted_calls(scripts, REPO / "flows", timeout=0.5)
    assert time.monotonic() - started < 30
    assert not run.ok and run.problems == ("the scripted calls did not finish in 0.5 s and were stopped",)


def test_the_desk_speaks_russian_by_browser_language_and_by_the_switch(desk: FlaskClient) -> None:
    ru = desk.get("/admin/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).text
    assert "Открытые заявки" in ru and "Передача смены" in ru and 'lang="ru"' in ru
    switched = desk.get("/admin/tickets?status=closed&lang=en",
                        headers={"Accept-Language": "ru"})
    assert switched.location == "/admin/tickets?status=closed"
    en = desk.get("/admin/", headers={"Accept-Language": "ru"}).text
    assert "Open tickets" in en and 'lang="en"' in en


def test_without_graphviz_the_flow_page_says_how_to_install_it(
    desk: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """Issue 17: on a server without Graphviz the dispatcher is told how to get the picture,
    in their language, instead of facing bare Mermaid text."""
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no `dot` on it: Graphviz is absent
    page = text_of(desk.get("/admin/flows/omega").text)
    assert "sudo apt-get install graphviz" in page and "brew install graphviz" in page
    assert "flowchart TD" in page
    russian = text_of(desk.get("/admin/flows/omega", headers={"Accept-Language": "ru"}).text)
    assert "Схему рисует Graphviz, а на этом сервере он не установлен." in russian


def _used_strings() -> set[str]:
    """Every interface string: `_("...")` in the desk's templates and code, and the texts its
    code hands to templates that translate them (`message=`, `error`)."""
    found: set[str] = set()
    admin = REPO / "voicebot" / "admin"
    for path in admin.rglob("*.html"):
        found |= set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', path.read_text()))
    for path in admin.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                texts = node.args[:1]
            elif isinstance(node, ast.Call):
                texts = [k.value for k in node.keywords if k.arg == "message"]
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "error" for t in node.targets):
                texts = [node.value]
            else:
                continue
            found |= {t.value for t in texts if isinstance(t, ast.Constant) and isinstance(t.value, str)}
    found |= set(PROBLEM_WORDS.values())
    return found


def test_every_interface_string_has_its_russian_form() -> None:
    used = _used_strings()
    assert len(used) > 80
    missing = sorted(s for s in used if s not in i18n.RU)
    assert missing == []


def test_staff_cancel_a_callback_and_run_another_now(app: Flask, desk: FlaskClient) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    to_cancel = callback(app, phone="+15035550181", next_at=later)
    to_run = callback(app, phone="+15035550182", next_at=later, rule_id="visit_reminder")
    finished = callback(app, phone="+15035550183", status="done", finished_at=later)
    canceled = post_form(desk, "/admin/callbacks", f"/admin/callbacks/{to_cancel}/cancel")
    assert canceled.status_code == 302
    assert "Callback canceled." in desk.get("/admin/callbacks").text
    row = stored(app, Callback, id=to_cancel)[0]
    assert row.status == "canceled" and row.outcome == "canceled by Dana" and row.finished_at
    post_form(desk, "/admin/callbacks", f"/admin/callbacks/{finished}/cancel")
    assert "That callback cannot be canceled any more." in desk.get("/admin/callbacks").text
    assert stored(app, Callback, id=finished)[0].status == "done"

    post_form(desk, "/admin/callbacks", f"/admin/callbacks/{to_run}/run")
    assert "Callback started." in desk.get("/admin/callbacks").text
    row = stored(app, Callback, id=to_run)[0]
    assert row.next_at is not None and row.next_at < later - dt.timedelta(hours=2)
    pending = text_of(desk.get("/admin/callbacks").text)
    assert "+15035550181" not in pending and "+15035550182" in pending
    assert run_due(app) == 1  # the clock's next look queues it, and it runs
    assert stored(app, Callback, id=to_run)[0].status not in ("scheduled", "queued")


def test_ts4_answer_typed_on_the_desk_schedules_the_flows_call_back(
    app: Flask, desk: FlaskClient
) -> None:
    """TS-4: once management's answer is typed on the desk, the flow's `ticket_answered` rule
    calls the caller back with it, and the dispatcher sees the call back promised."""
    ticket_id = ticket(app, kind="question")
    page = f"/admin/tickets/{ticket_id}"
    post_form(desk, page, f"{page}/answer", answer="Интернет подключат в пятницу.")
    (row,) = stored(app, Callback, trigger="ticket_answered")
    assert row.rule_id == "answer_call" and row.ticket_id == ticket_id
    assert row.phone == "+375295550160" and row.status == "scheduled"
    assert row.vars["answer"] == "Интернет подключат в пятницу."
    assert stored(app, Ticket)[0].status == "answered"
    handoff = desk.get("/admin/").text
    assert 'title="rule: answer_call"' in handoff
    assert "Интернет подключат в пятницу." in text_of(desk.get(page).text)


def test_the_desk_zone_defaults_to_the_zone_most_lines_keep(app: Flask) -> None:
    """Issue 17 item 6: one zone for every time on the desk. The shipped lines keep Moscow
    (three), Minsk and Los Angeles: without VOICEBOT_DESK_TIMEZONE the desk shows Moscow time."""
    app.config["DESK_TIMEZONE"] = None
    assert str(choose_zone(app)) == "Europe/Moscow"
    app.config["DESK_TIMEZONE"] = "Asia/Tokyo"
    assert str(choose_zone(app)) == "Asia/Tokyo"


def test_a_failed_job_is_on_the_desk_and_staff_queue_it_again_once_fixed(
    app: Flask, desk: FlaskClient
) -> None:
    """A job that failed stays visible (on the desk's Jobs page and in `voicebot jobs`) with a
    Retry button behind the login and its CSRF token; once the cause is fixed, Retry runs it."""
    broken_file(app).parent.mkdir(parents=True, exist_ok=True)
    broken_file(app).write_text("the SMTP server refused the login")
    enqueue(app, probe, "report-7", key="probe-7")
    run_due(app)
    assert ran(app) == []
    page = desk.get("/admin/jobs").text
    assert "Jobs" in text_of(page)
    (job_id,) = re.findall(r'action="/admin/jobs/([^/"]+)/retry"', page)
    assert "failed" in card(page, f"job-{job_id}")

    # Without the page's token the button does nothing.
    refused = desk.post(f"/admin/jobs/{job_id}/retry")
    assert refused.status_code == 400
    broken_file(app).unlink()
    retried = post_form(desk, "/admin/jobs", f"/admin/jobs/{job_id}/retry")
    assert retried.status_code == 302
    assert "The job is queued again." in desk.get("/admin/jobs").text
    run_due(app)
    assert [key for key, _pid in ran(app)] == ["report-7"]
    assert 'action="/admin/jobs/' not in desk.get("/admin/jobs").text
    post_form(desk, "/admin/jobs", f"/admin/jobs/{job_id}/retry")
    assert "That job cannot be queued again." in desk.get("/admin/jobs").text
