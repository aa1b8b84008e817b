"""The `voicebot` command as a user runs it: click's CliRunner for the commands, and one real
smoke test of `voicebot serve` answering `voicebot call --url` over HTTP.

Every test points VOICEBOT_INSTANCE_DIR and VOICEBOT_DATABASE_URL at tmp_path, so nothing
touches the repository's instance folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from voicebot import jobs as jobs_module
from voicebot.cli import main

from support.processes import free_port, stop, voicebot_command, wait_healthy

REPO = Path(__file__).resolve().parents[2]
FLOWS = REPO / "flows"
MONDAY_9AM_PACIFIC = "2026-11-23T09:00:00-08:00"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "VOICEBOT_FLOWS_DIR": str(FLOWS),
        "VOICEBOT_INSTANCE_DIR": str(tmp_path / "instance"),
        "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'voicebot.db'}",
        "VOICEBOT_LOG_LEVEL": "WARNING",
    }
    for name in ("VOICEBOT_TWILIO_ACCOUNT_SID", "VOICEBOT_TWILIO_AUTH_TOKEN", "VOICEBOT_PUBLIC_URL",
                 "VOICEBOT_DEFAULT_FLOW", "VOICEBOT_DRY_RUN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(REPO)  # as the README runs it; flow files are then shown as flows/x.yaml
    return values


def voicebot(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


# -------------------------------------------------------------------- flows check / list


@pytest.mark.usefixtures("env")
def test_flows_check_passes_on_the_shipped_flows() -> None:
    result = voicebot("flows", "check")
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok  flows/omega\.yaml  \(omega: \d+ states\)$", result.stdout, re.M)
    assert re.search(r"^ok  flows/telesputnik\.yaml  \(telesputnik: \d+ states\)$", result.stdout, re.M)
    # Only warnings (the Russian lines have no recognizer here: tests/speech/test_recognizer_coverage.py).
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines()), result.stderr


@pytest.mark.usefixtures("env")
def test_flows_check_lists_every_problem_as_file_line() -> None:
    result = voicebot("flows", "check", "tests/flows/broken")
    assert result.exit_code == 1
    problems = result.stderr.splitlines()[:-1]
    assert len(problems) >= 20
    assert all(re.match(r"tests/flows/broken/[\w/]+\.yaml:\d+: \S", line) for line in problems), problems
    assert "tests/flows/broken/unknown_target.yaml:" in result.stderr
    assert result.stderr.rstrip().endswith(f"{len(problems)} problem(s) found")


@pytest.mark.usefixtures("env")
def test_flows_check_of_a_missing_file_fails(tmp_path: Path) -> None:
    result = voicebot("flows", "check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "nope.yaml:0: no such file" in result.stderr


@pytest.mark.usefixtures("env")
def test_flows_list_json_has_numbers_and_languages() -> None:
    result = voicebot("flows", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = {row["id"]: row for row in json.loads(result.stdout)["flows"]}
    assert listed["omega"]["numbers"] == ["+15035550100"]
    assert listed["omega"]["language"] == "en-US"
    assert listed["telesputnik"]["numbers"] == ["+375295550100"]
    assert listed["telesputnik"]["language"] == "ru-RU"
    assert listed["telesputnik"]["name"] == "Телеспутник"


# -------------------------------------------------------------------- flows graph


@pytest.mark.usefixtures("env")
def test_flows_graph_prints_mermaid_with_state_names() -> None:
    result = voicebot("flows", "graph", "omega")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart")
    for state in ("greeting", "menu", "insurance_queue", "price_info", "after_hours", "voicemail"):
        assert state in result.stdout


@pytest.mark.usefixtures("env")
def test_flows_graph_prints_graphviz_dot() -> None:
    result = voicebot("flows", "graph", "telesputnik", "--format", "dot")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('digraph "telesputnik" {')
    assert "outage_alarm" in result.stdout and result.stdout.rstrip().endswith("}")


@pytest.mark.usefixtures("env")
def test_flows_graph_of_an_unknown_flow_names_the_known_ones() -> None:
    result = voicebot("flows", "graph", "omgea")
    assert result.exit_code == 1
    assert "no flow 'omgea'; did you mean 'omega'? known: " in result.output
    known = result.output.split("known: ")[1].strip().split(", ")
    assert {"omega", "telesputnik"} <= set(known) and known == sorted(known)


@pytest.mark.usefixtures("env")
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not on PATH")
def test_flows_graph_writes_an_svg(tmp_path: Path) -> None:
    target = tmp_path / "omega.svg"
    result = voicebot("flows", "graph", "omega", "--format", "svg", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.stdout
    svg = target.read_text()
    assert "<svg" in svg and "insurance_queue" in svg


# -------------------------------------------------------------------- flows test


@pytest.mark.usefixtures("env")
def test_flows_test_runs_the_scripted_calls() -> None:
    count = len(list((FLOWS / "calls").glob("*.yaml")))
    result = voicebot("flows", "test")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("PASS ") == count
    assert result.stdout.rstrip().endswith(f"{count} passed, 0 failed")


@pytest.mark.usefixtures("env")
def test_flows_test_fails_on_a_failing_script(tmp_path: Path) -> None:
    good = FLOWS / "calls" / "omega_prices_by_keypad.yaml"
    bad = tmp_path / "wrong_price.yaml"
    bad.write_text(good.read_text().replace("$85", "$58"))
    result = voicebot("flows", "test", str(good), str(bad))
    assert result.exit_code == 1
    assert f"PASS {good}" in result.stdout and f"FAIL {bad}" in result.stdout
    assert "1 passed, 1 failed" in result.stdout
    assert f"{bad}:" in result.stderr and "expected to hear 'The service call is $58.'" in result.stderr


@pytest.mark.usefixtures("env")
def test_flows_test_reports_an_unknown_flow_with_its_line(tmp_path: Path) -> None:
    script = tmp_path / "typo.yaml"
    script.write_text('name: typo\nfrom: "+15035550144"\nflow: omgea\nsteps:\n  - expect: hi\n')
    result = voicebot("flows", "test", str(script))
    assert result.exit_code == 1
    assert f"{script}:3: flow: no flow 'omgea'" in result.stderr
    assert "0 passed, 1 failed" in result.stdout


@pytest.mark.usefixtures("env")
def test_flows_test_json_gives_a_line_per_script_as_the_desk_reads_it(
    tmp_path: Path
) -> None:
    good = FLOWS / "calls" / "omega_prices_by_keypad.yaml"
    bad = tmp_path / "wrong_price.yaml"
    bad.write_text(good.read_text().replace("$85", "$58"))
    result = voicebot("flows", "test", "--json", str(good), str(bad))
    assert result.exit_code == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["ok"] and first["flow"] == "omega" and first["failure"] is None
    assert "CALLER: presses 4" in first["transcript"]
    assert not second["ok"] and second["path"] == str(bad)
    assert "expected to hear 'The service call is $58.'" in second["failure"]


# -------------------------------------------------------------------- call and journal


@pytest.mark.usefixtures("env")
def test_call_in_process_hears_greeting_and_price() -> None:
    result = voicebot("call", "omega", "--at", MONDAY_9AM_PACIFIC, input="4\nno\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Calling +15035550100 from +15555550123." in out
    assert "  bot: Thank you for calling Omega Tech Service." in out
    assert "The service call is $85." in out
    assert "  bot: Thank you for calling Omega Tech Service. Goodbye." in out
    assert out.rstrip().endswith("-- call ended --\n(a trial call on a scratch database: nothing was "
                                 "kept or sent; with --live it goes into the journal)")


@pytest.mark.usefixtures("env")
def test_call_hangup_ends_the_call_and_the_journal_says_so() -> None:
    result = voicebot("call", "omega", "--live", "--at", MONDAY_9AM_PACIFIC, "--from", "+15035550145",
                      input="/hangup\n")
    assert result.exit_code == 0, result.output
    assert "press 1 or say insurance" in result.stdout
    assert result.stdout.rstrip().endswith("-- call ended --")
    assert "Goodbye" not in result.stdout

    listed = voicebot("journal", "--json")
    assert listed.exit_code == 0, listed.output
    (entry,) = json.loads(listed.stdout)
    assert entry["from"] == "+15035550145" and entry["outcome"] == "abandoned"
    assert "Outcome: the caller hung up" in entry["note"]


@pytest.mark.usefixtures("env")
def test_journal_lists_a_call_with_its_note() -> None:
    voicebot("call", "omega", "--live", "--at", MONDAY_9AM_PACIFIC, "--from", "+15035550146",
             input="4\nno\n")

    listed = voicebot("journal", "--json")
    assert listed.exit_code == 0, listed.output
    (entry,) = json.loads(listed.stdout)
    assert entry["flow"] == "omega" and entry["from"] == "+15035550146"
    assert entry["outcome"] == "completed"
    assert entry["note"].startswith("2026-11-23 09:00: +15035550146 called Omega Tech Service")
    assert "Outcome: the flow finished the call" in entry["note"]
    # The path stays for developers, beside the note, never in it.
    assert "menu → price_info → anything_else → goodbye" in " → ".join(entry["path"])
    assert "→" not in entry["note"] and "price_info" not in entry["note"]

    text = voicebot("journal", "--flow", "omega")
    # The time in the flow's zone, as in the note beside it, with the zone shown.
    assert text.stdout.startswith("2026-11-23 09:00 PST  omega        +15035550146")
    assert entry["note"] in text.stdout
    assert voicebot("journal", "--flow", "telesputnik").stdout.strip() == "no calls"


@pytest.mark.usefixtures("env")
def test_call_at_needs_an_offset_and_no_url() -> None:
    naive = voicebot("call", "omega", "--at", "2026-11-23T09:00")
    assert naive.exit_code == 2 and "give a UTC offset" in naive.output
    remote = voicebot("call", "omega", "--at", MONDAY_9AM_PACIFIC, "--url", "http://127.0.0.1:9")
    assert remote.exit_code == 2 and "--at sets the clock of an in-process call" in remote.output


@pytest.mark.usefixtures("env")
def test_call_an_unknown_flow_suggests_the_nearest_name() -> None:
    result = voicebot("call", "omgea")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no flow 'omgea'; did you mean 'omega'? known: car_service,")
    far = voicebot("call", "zzz")
    assert far.exit_code == 1 and "no flow 'zzz'; known: car_service," in far.stderr


# -------------------------------------------------------------------- db


@pytest.mark.usefixtures("env")
def test_db_upgrade_creates_a_fresh_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "fresh" / "new.db"
    monkeypatch.setenv("VOICEBOT_DATABASE_URL", f"sqlite:///{database}")
    result = voicebot("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"database at sqlite:///{database} is at head" in result.stdout
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"calls", "alembic_version"} <= tables
    assert version


# -------------------------------------------------------------------- serve + call --url


@pytest.mark.e2e
def test_serve_then_call_over_http(env: dict[str, str], tmp_path: Path) -> None:
    """The README's tour: `voicebot serve` in one terminal, `voicebot call omega --url` in
    another. The server's clock is the real one, so only the greeting is certain."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process_env = {**os.environ, **env}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*voicebot_command(), "serve", "--port", str(port)], cwd=REPO,
                                  env=process_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, server, log)
        caller = subprocess.run([*voicebot_command(), "call", "omega", "--url", url], cwd=REPO,
                                env=process_env, input="/hangup\n", capture_output=True,
                                text=True, timeout=60)
    finally:
        stop(server)
    assert caller.returncode == 0, caller.stderr
    assert "  bot: Thank you for calling Omega Tech Service." in caller.stdout
    assert "!!" not in caller.stdout
    assert caller.stdout.rstrip().endswith("-- call ended --")
    assert f"voicebot on {url}" in log.read_text()
    # Issue 13: one line at start per language no recognizer serves, with the fix.
    (russian,) = [line for line in log.read_text().splitlines() if "Russian voicemails" in line]
    assert ("Russian voicemails (lines: car_service, hotline, telesputnik) will not be "
            "transcribed: no speech recognizer for Russian") in russian
    assert russian.endswith("Messages are kept for a person. Fix: `voicebot models download ru`")


# -------------------------------------------------------------------- visits, callbacks, tickets


@pytest.mark.usefixtures("env")
def test_a_booked_visit_shows_its_confirmation_call_in_the_callbacks_list() -> None:
    """RT-5: the dispatcher books a visit from the command line and sees when the confirmation
    call goes out (an hour before the window, Moscow time) and how many tries it gets."""
    result = voicebot("visits", "add", "--flow", "field_visit", "--phone", "+79005550301",
                      "--window", "2030-01-15 10:00-12:00", "--name", "Ольга Викторовна",
                      "--address", "ул. Условная, д. 5")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "visit #1: +79005550301 2030-01-15 10:00-12:00 (Europe/Moscow)",
        "  confirm_visit: call at 2030-01-15 09:00, up to 3 attempt(s)",
    ]
    listed = voicebot("callbacks", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert (row["rule"], row["status"], row["phone"], row["max_attempts"], row["next_at"]) == (
        "confirm_visit", "scheduled", "+79005550301", 3, "2030-01-15T06:00:00+00:00")
    # The same moment as `visits add` printed, in the same zone, which is named.
    assert re.search(r"^#1 +scheduled +field_visit/confirm_visit .* 0/3  2030-01-15 09:00 MSK ",
                     voicebot("callbacks").stdout, re.M)
    once = voicebot("worker", "--once")
    assert once.exit_code == 0, once.output
    assert once.stdout.strip() == "ran 0 job(s)"  # the call is not due for years


LATER = ("--window", "2030-01-15 10:00-12:00")


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(("args", "message"), [
    (("visits", "add", "--flow", "omega", "--phone", "+15035550199", *LATER),
     "flow 'omega' has no callbacks rule on visit_scheduled"),
    (("visits", "add", "--flow", "field_visit", "--phone", "89005550301", *LATER),
     "expected the client's number in E.164"),
    (("tickets", "answer", "99", "Мы не устанавливаем тарелки."), "no ticket #99"),
    (("call", "field_visit"), "flow 'field_visit' is an outbound flow"),
])
def test_commands_refuse_what_cannot_be_done_and_say_why(args: tuple[str, ...],
                                                         message: str) -> None:
    assert voicebot("db", "upgrade").exit_code == 0
    result = voicebot(*args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_bookings_lists_the_schedule(env: dict[str, str]) -> None:
    """CS-3: what the line booked is listed for the workshop, earliest first."""
    import datetime as dt

    from sqlalchemy import create_engine, insert

    from voicebot.models import Booking

    assert voicebot("db", "upgrade").exit_code == 0
    start = dt.datetime(2030, 1, 15, 7, 0, tzinfo=dt.UTC)
    engine = create_engine(env["VOICEBOT_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(insert(Booking), [
            {"dedupe_key": f"k{n}", "flow_id": "car_service", "calendar": "repair",
             "phone": "+79005550177", "client_name": name,
             "starts_at": start + dt.timedelta(hours=2 * n),
             "ends_at": start + dt.timedelta(hours=2 * n + 2), "hours": 2.0, "status": "booked",
             "note": "", "created_at": start}
            for n, name in enumerate(["Дмитрий", "Светлана"])])
    engine.dispose()
    result = voicebot("bookings", "--json")
    assert result.exit_code == 0, result.output
    assert [(b["client_name"], b["starts_at"]) for b in json.loads(result.stdout)] == [
        ("Дмитрий", "2030-01-15T07:00:00+00:00"), ("Светлана", "2030-01-15T09:00:00+00:00")]
    # For people: the workshop's own time, with its zone, as `visits add` shows times.
    assert voicebot("bookings").stdout.splitlines() == [
        "2030-01-15 10:00 MSK  car_service/repair     2 h  Дмитрий  +79005550177  booked",
        "2030-01-15 12:00 MSK  car_service/repair     2 h  Светлана  +79005550177  booked"]


# -------------------------------------------------------------------- help and small things


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_every_command_has_help_in_plain_words() -> None:
    """Help is for the people running the line: no internal rule ids like (CS-3, CS-9), and
    no command without a sentence saying what it does."""
    for path in _commands(main):
        result = voicebot(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert not re.search(r"\b(OM|TS|CS|HL|RT)-\d", result.stdout), (path, result.stdout)
        description = result.stdout.split("\n\n")[1].strip()
        assert description and not description.startswith("Options:"), (path, result.stdout)


@pytest.mark.usefixtures("env")
def test_serve_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = voicebot("serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use; is "
                             "another voicebot running there? Stop it or choose another --port\n")
    assert "Try it" not in result.stdout


@pytest.mark.usefixtures("env")
def test_jobs_lists_queued_work_per_queue() -> None:
    """`voicebot jobs`: what waits on which queue, each job with its key and time."""
    from voicebot import close_app, create_app
    from voicebot.voicemail import mailing, pipeline

    app = create_app({})
    later = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
    pipeline.start(app, 41, at=later)
    jobs_module.enqueue(app, mailing.send_voicemail_email, 5, at=later, key="email-5")
    close_app(app)
    result = voicebot("jobs")
    assert result.exit_code == 0, result.output
    assert "engine: inprocess" in result.output
    assert re.search(r"^  transcription\s+todo\s+1$", result.stdout, re.M)
    assert re.search(r"^  quick\s+todo\s+1$", result.stdout, re.M)
    assert re.search(r"^voicemail-41\s+todo\s+process_voicemail voicemail-41 due 2030-01-07 09:00:00$",
                     result.stdout, re.M)
    listed = json.loads(voicebot("jobs", "--json").stdout)
    assert {(j["key"], j["queue"], j["args"][0]) for j in listed["jobs"]} == {
        ("voicemail-41", "transcription", 41), ("email-5", "quick", 5)}
