"""Loading the valid example flows, and the rules that golden files cannot show well."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from voicebot.compiler.loader import load_flow, load_flows
from voicebot.engine.steps import KINDS
from voicebot.engine.steps.answer_queue import AnswerQueue
from voicebot.engine.steps.ask import Ask
from voicebot.engine.steps.hangup import Hangup
from voicebot.engine.steps.notify import Notify
from voicebot.engine.steps.queue import Queue
from voicebot.engine.steps.route import Route
from voicebot.engine.steps.say import Say
from voicebot.engine.steps.set_vars import SetVars
from voicebot.engine.steps.sms import Sms
from voicebot.engine.steps.ticket import Ticket
from voicebot.engine.steps.transfer import Transfer
from voicebot.engine.steps.visit import RecordVisit
from voicebot.engine.steps.voicemail import Voicemail
from voicebot.flows import words
from voicebot.flows.errors import FlowLoadError
from voicebot.flows.model import Flow

VALID = Path(__file__).parent / "valid"
ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
flow: mini
language: en-US
numbers: ["+15555550100"]
timezone: UTC
start: hello
fallback: hello
states:
  hello:
    hangup: "Bye {name}."
"""


def write(tmp_path: Path, text: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(FlowLoadError) as caught:
        load_flow(path, display_name="f.yaml")
    return [str(p) for p in caught.value.problems]


# --- the English example ----------------------------------------------------------------


@pytest.fixture(scope="module")
def omega() -> Flow:
    return load_flow(VALID / "omega.yaml", display_name="omega.yaml")


def test_english_top_level(omega: Flow) -> None:
    assert omega.id == "omega"
    assert omega.name == "Omega Tech Service"
    assert omega.file == "omega.yaml"
    assert omega.voice == "Polly.Joanna"
    assert omega.stem_language == "english"
    assert omega.numbers == ("+15555550100",)
    assert omega.direction == "inbound"
    assert omega.start == "route_caller"
    assert omega.fallback == "voicemail"
    assert dict(omega.facts) == {"service_call_price": "$85"}
    assert dict(omega.callers) == {"insurer": frozenset({"+15555550150", "+15555550151"})}
    assert [t.template for t in omega.apology] == ["Sorry, something went wrong on our side."]
    assert omega.digest == hashlib.sha256((VALID / "omega.yaml").read_bytes()).hexdigest()
    assert omega.record_calls is False


def test_english_hours(omega: Flow) -> None:
    hours = omega.hours
    assert hours.timezone == "America/Los_Angeles"
    assert [r.start for r in hours.week[0]] == [dt.time(8, 0)]
    assert [r.end for r in hours.week[4]] == [dt.time(14, 30)]
    assert [(r.start, r.end) for r in hours.week[5]] == [
        (dt.time(10), dt.time(13)),
        (dt.time(14), dt.time(16)),
    ]
    assert hours.week[6] == ()
    # One holiday quoted, one left for YAML to read as a date: both count.
    assert hours.holidays == frozenset({dt.date(2026, 12, 25), dt.date(2027, 1, 1)})


def test_english_staff(omega: Flow) -> None:
    alex, boss = omega.staff
    assert (alex.id, alex.role, alex.name, alex.phone, alex.available) == (
        "dispatcher-1", "dispatcher", "Alex", "+15555550111", True,
    )
    assert alex.hours is None
    assert alex.source.line == 14
    assert boss.available is False
    assert boss.hours is not None and sorted(boss.hours.week) == [0, 1, 2, 3, 4]
    assert boss.hours.timezone == "America/Los_Angeles"


def test_every_step_kind_compiles(omega: Flow) -> None:
    kinds = {type(step) for step in omega.states.values()}
    assert kinds == {
        Route, Say, Ask, SetVars, Sms, Notify, Ticket, Queue, AnswerQueue, Transfer, Voicemail, Hangup,
    }
    # `visit` records a visit confirmation (outbound visit flows), `book` books a slot: the
    # field-visit and car-service flows have them; no shipped flow has a `pause` step, nor an
    # `http` one (none of the five lines has another system to ask).
    assert kinds == {KINDS[k].step for k in KINDS if k not in ("visit", "book", "pause", "http")}
    assert list(omega.states)[:3] == ["route_caller", "greeting", "menu"]


def test_callback_rules_compile_with_their_hours() -> None:
    """RT-3 and RT-5 as the field-visit flow states them, and HL-9's redial: rules carry
    their timing, attempts and follow-ups; calls and SMS wait for the flow's hours unless a
    rule says `always`, and a late call goes to a person after 30 minutes unless it says."""
    visits = load_flow(ROOT / "flows" / "field_visit.yaml")
    (confirm,) = visits.callbacks
    assert (confirm.on, confirm.action.kind, confirm.action.state) == (
        "visit_scheduled", "call", "confirm")
    assert (confirm.before, confirm.attempts, confirm.spacing, confirm.max_late) == (
        dt.timedelta(hours=1), 3, dt.timedelta(minutes=10), dt.timedelta(minutes=45))
    assert confirm.within == visits.hours
    assert [a.kind for a in confirm.then] == ["notify", "sms"]
    assert confirm.then[0].roles == ("dispatcher",)
    assert any(isinstance(step, RecordVisit) for step in visits.states.values())
    hotline = load_flow(ROOT / "flows" / "hotline.yaml")
    (redial,) = hotline.rules("dropped_active")
    assert redial.within is None and redial.max_late == dt.timedelta(minutes=30)
    assert "rating" in redial.except_in and redial.attempts == 1


def test_english_ask(omega: Flow) -> None:
    menu = omega.states["menu"]
    assert isinstance(menu, Ask)
    assert menu.input == frozenset({"dtmf", "speech"})
    assert menu.timeout == 4 and menu.num_digits == 1 and menu.retries == 2
    assert [c.digits for c in menu.choices] == [("1",), ("2",), ("0",)]
    assert [c.goto for c in menu.choices] == ["insurance", "parts_info", "restart"]
    assert [p.text for p in menu.choices[0].words] == ["insurance", "warranty", "home warranty"]
    assert menu.choices[0].words[2].stems == ("home", "warranti")
    assert menu.choices[0].source.line == 55
    # Default hints: the choices' words in order, without repeats.
    assert menu.hints == ("insurance", "warranty", "home warranty", "parts")
    assert menu.capture is None and menu.next is None

    capture = omega.states["parts_info"]
    assert isinstance(capture, Ask)
    assert capture.input == frozenset({"speech"})
    assert capture.capture == "client_name" and capture.capture_kind == "text"
    assert capture.next == "mark_warned"
    # Without its own no_match, an unreadable captured answer is treated like silence.
    assert capture.no_match == "voicemail"


def test_english_anywhere(omega: Flow) -> None:
    (operator,) = omega.anywhere
    assert operator.goto == "to_dispatcher"
    assert [p.stems for p in operator.words] == [("oper",), ("human",)]
    assert words.phrase_in(operator.words[0].stems, words.stems("Operator, please!", "english"))


def test_english_route(omega: Flow) -> None:
    route = omega.states["route_caller"]
    assert isinstance(route, Route)
    assert [r.goto for r in route.rules] == [
        "to_dispatcher", "after_hours", "insurance", "goodbye", "take_next",
    ]
    staff, closed, insurer, warned, prefix = (r.when for r in route.rules)
    assert prefix.from_prefix == ("+1503",)
    assert staff.caller == frozenset({"staff"}) and staff.open is None
    assert closed.open is False
    assert insurer.caller == frozenset({"insurer"}) and insurer.min_previous_calls == 1
    assert warned.vars[0].name == "warned" and warned.vars[0].equals == ("yes",)
    assert route.otherwise == "greeting"


def test_english_side_effects(omega: Flow) -> None:
    say = omega.states["greeting"]
    assert isinstance(say, Say)
    assert [t.template for t in say.text] == [
        "Thank you for calling {name}.",
        "A service call is {service_call_price}.",
    ]
    assert say.text[1].names == frozenset({"service_call_price"})
    assert say.text[1].source.line == 47
    assert say.pause == 1

    sms = omega.states["send_details"]
    assert isinstance(sms, Sms)
    assert sms.to == "caller"
    assert sms.text.template == "Hello {greeting_name}. We open {hours_today}."
    assert sms.text.names == frozenset({"greeting_name", "hours_today"})

    notify = omega.states["alarm"]
    assert isinstance(notify, Notify) and notify.roles == ("dispatcher",)

    ticket = omega.states["callback_ticket"]
    assert isinstance(ticket, Ticket)
    assert (ticket.kind, ticket.assign, ticket.urgent, ticket.due_hours) == (
        "callback", "dispatcher", True, 2.0,
    )
    assert [(k, t.template) for k, t in ticket.fields] == [("phone", "{caller}"), ("count", "1")]

    set_vars = omega.states["mark_warned"]
    assert isinstance(set_vars, SetVars)
    assert [(k, t.template) for k, t in set_vars.values] == [
        ("warned", "yes"),
        ("greeting_name", "{client_name}"),
    ]


def test_english_waiting_steps(omega: Flow) -> None:
    queue = omega.states["insurance"]
    assert isinstance(queue, Queue)
    assert (queue.name, queue.priority, queue.max_wait, queue.next) == ("dispatch", 10, 300, "voicemail")

    transfer = omega.states["to_dispatcher"]
    assert isinstance(transfer, Transfer)
    assert transfer.roles == ("dispatcher", "supervisor")
    assert transfer.next == "hangup"  # the built-in target, kept by name
    assert transfer.fallback == "voicemail"  # left out: the flow's fallback
    assert (transfer.timeout, transfer.record) == (20, False)

    voicemail = omega.states["voicemail"]
    assert isinstance(voicemail, Voicemail)
    assert (voicemail.max_length, voicemail.transcribe, voicemail.quote) == (120, True, True)

    take_next = omega.states["take_next"]
    assert isinstance(take_next, AnswerQueue)
    assert (take_next.queue, take_next.next, take_next.empty) == ("dispatch", "hangup", "goodbye")

    goodbye = omega.states["goodbye"]
    assert isinstance(goodbye, Hangup)
    assert [t.template for t in goodbye.text] == ["Goodbye."]


# --- the Russian example ----------------------------------------------------------------


@pytest.fixture(scope="module")
def beta() -> Flow:
    return load_flow(VALID / "beta_ru.yaml")


def test_russian_defaults_and_language(beta: Flow) -> None:
    assert beta.id == "beta-ru"
    assert beta.voice == "Polly.Tatyana"
    assert beta.stem_language == "russian"
    assert [t.template for t in beta.apology] == ["Простите, произошла ошибка."]
    assert beta.record_calls is True
    assert beta.numbers == ("+74950000001", "+74950000002")
    assert beta.hours.week[5] == () and beta.hours.week[6] == ()
    assert beta.hours.holidays == frozenset()


def test_russian_choice_matches_inflected_words(beta: Flow) -> None:
    menu = beta.states["menu"]
    assert isinstance(menu, Ask)
    insurance = menu.choices[0]
    assert insurance.goto == "insurance"
    keyword = insurance.words[0]
    assert keyword.text == "страховка"
    for said in ("по страховому случаю", "Страховку, пожалуйста", "СТРАХОВОЙ полис"):
        assert words.phrase_in(keyword.stems, words.stems(said, "russian")), said
    assert not words.phrase_in(keyword.stems, words.stems("другая страна", "russian"))
    # A phrase needs all its words, in order.
    phrase = insurance.words[1]
    assert words.phrase_in(phrase.stems, words.stems("у меня страховой, кажется, случай", "russian"))
    assert not words.phrase_in(phrase.stems, words.stems("случай страховой", "russian"))
    assert menu.use_anywhere is False
    assert menu.speech_timeout == "3"
    assert [t.template for t in menu.reprompt] == ["Извините, я не расслышал."]


def test_russian_literal_braces_are_not_placeholders(beta: Flow) -> None:
    greeting = beta.states["greeting"]
    assert isinstance(greeting, Say)
    assert greeting.text[0].names == frozenset({"name", "centre_phone"})


def test_russian_transfer_with_one_role_and_route(beta: Flow) -> None:
    master = beta.states["to_master"]
    assert isinstance(master, Transfer)
    assert master.roles == ("master",)
    assert (master.timeout, master.record) == (30, True)
    route = beta.states["check_urgent"]
    assert isinstance(route, Route)
    first = route.rules[0].when
    assert first.from_prefix == ("+7",)
    assert first.vars[0].name == "question" and first.vars[0].present is True
    assert route.rules[1].when.available == "management"
    ticket = beta.states["question_ticket"]
    assert isinstance(ticket, Ticket) and ticket.urgent is False and ticket.due_hours is None
    warn = beta.states["warn"]
    assert isinstance(warn, Notify) and warn.roles == ("management", "master")
    hangup = beta.states["goodbye"]
    assert isinstance(hangup, Hangup) and hangup.text == ()


def test_load_flows_reads_a_directory(tmp_path: Path) -> None:
    for name in ("omega.yaml", "beta_ru.yaml"):
        (tmp_path / name).write_bytes((VALID / name).read_bytes())
    (tmp_path / "notes.txt").write_text("not a flow")
    flows, found = load_flows(tmp_path)
    assert found == []
    assert sorted(flows) == ["beta-ru", "omega"]


# --- rules in detail ----------------------------------------------------------------------


def test_minimal_flow_defaults(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, MINIMAL))
    assert flow.name == "mini"
    assert flow.hours.week[3][0].start == dt.time(0) and flow.hours.week[3][0].end == dt.time.max
    assert len(flow.hours.week) == 7
    assert flow.staff == () and flow.anywhere == ()


def test_default_display_name_is_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "flows").mkdir()
    path = write(tmp_path / "flows", MINIMAL, "mini.yaml")
    monkeypatch.chdir(tmp_path)
    assert load_flow(path).file == "flows/mini.yaml"
    assert load_flow(Path("flows/mini.yaml"), display_name="x.yaml").file == "x.yaml"


def test_a_state_named_hangup_overrides_the_built_in(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'states:\n  hello:\n    hangup: "Bye {name}."\n',
        "states:\n  hello:\n    say: Hi\n    next: hangup\n  hangup:\n    say: Bye\n    next: hello\n",
    )
    # Now `hangup` is an ordinary say, so hello -> hangup -> hello spins.
    assert problems(write(tmp_path, text)) == [
        "f.yaml:8: states.hello: these steps loop without ever waiting for the caller or "
        "ending the call: hello -> hangup -> hello"
    ]


def test_restart_leads_back_to_start_for_the_loop_check(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'states:\n  hello:\n    hangup: "Bye {name}."\n',
        "states:\n  hello:\n    say: Hi\n    next: restart\n",
    )
    assert problems(write(tmp_path, text)) == [
        "f.yaml:8: states.hello: these steps loop without ever waiting for the caller or "
        "ending the call: hello -> hello"
    ]


def test_route_with_one_way_out_does_not_spin(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'states:\n  hello:\n    hangup: "Bye {name}."\n',
        "states:\n  hello:\n    route:\n      - when: {open: true}\n        goto: bye\n"
        "    otherwise: hello\n  bye:\n    hangup: true\n",
    )
    flow = load_flow(write(tmp_path, text))
    assert set(flow.states) == {"hello", "bye"}


def test_unknown_targets_do_not_also_report_unreachable_states(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'states:\n  hello:\n    hangup: "Bye {name}."\n',
        "states:\n  hello:\n    say: Hi\n    next: byee\n  bye:\n    hangup: true\n",
    )
    assert problems(write(tmp_path, text)) == [
        "f.yaml:10: states.hello.next: unknown state 'byee', did you mean 'bye'? (got 'byee')"
    ]


def test_outbound_flow_needs_no_numbers(tmp_path: Path) -> None:
    text = MINIMAL.replace('numbers: ["+15555550100"]\n', "direction: outbound\n")
    flow = load_flow(write(tmp_path, text))
    assert flow.direction == "outbound" and flow.numbers == ()


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = MINIMAL.replace("timezone: UTC", "timezone: Mars/Olympus").replace(
        'hangup: "Bye {name}."', 'hangup: "Bye {nmae}."'
    )
    assert problems(write(tmp_path, text)) == [
        "f.yaml:4: timezone: unknown time zone; expected one like America/Los_Angeles "
        "(got 'Mars/Olympus')",
        "f.yaml:9: states.hello.hangup: unknown placeholder {nmae}: not a fact, built-in or "
        "variable captured/set in this flow, did you mean 'name'? (got '{nmae}')",
    ]


def test_a_time_zone_too_long_for_a_file_name_is_reported_not_raised(tmp_path: Path) -> None:
    # Found by test_loader_fuzz: the OS refuses such a lookup with OSError, not "not found".
    text = MINIMAL.replace("timezone: UTC", "timezone: " + "Europe/" + "x" * 300)
    assert problems(write(tmp_path, text)) == [
        "f.yaml:4: timezone: unknown time zone; expected one like America/Los_Angeles "
        f"(got 'Europe/{'x' * 300}')",
    ]


def test_a_bad_fact_does_not_make_roles_look_undefined(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "start: hello",
        "facts: {price: [1, 2]}\nstaff:\n  - {id: a, role: boss, phone: '+15555550111'}\n"
        "start: hello",
    ).replace('hangup: "Bye {name}."', "transfer: boss\n    next: hangup")
    assert problems(write(tmp_path, text)) == [
        "f.yaml:5: facts.price: expected text or a number (got a list)"
    ]


def test_empty_and_undecodable_files(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "# nothing\n")) == ["f.yaml:1: the file is empty"]
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"flow: x\nname: caf\xe9\n")
    assert problems(path) == ["f.yaml:2: not UTF-8 text"]


def test_shipped_flows_name_every_role_and_label_every_variable() -> None:
    """Issue 17 item 6: the desk shows `Автомобиль: Kia Rio`, never `car = Kia Rio`, and a role
    by its name, never `master_consultant`; ticket fields are labelled too."""
    shipped = sorted((ROOT / "flows").glob("*.yaml"))
    assert len(shipped) == 5
    for path in shipped:
        flow = load_flow(path)
        states = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["states"]
        variables = {s["capture"] for s in states.values() if "capture" in s}
        variables |= {k for s in states.values() for k in (s.get("set") or {})}
        variables |= {k for s in states.values() for k in (s.get("fields") or {})}
        assert variables and variables <= set(flow.labels), (path.name, variables - set(flow.labels))
        roles = {m.role for m in flow.staff}
        assert roles <= set(flow.role_names), (path.name, roles - set(flow.role_names))
        assert all(label.strip() for label in (*flow.labels.values(), *flow.role_names.values()))
