"""Every ticket fires its flow's `ticket_created` rules the same way, whatever opened it
(issue 14: one home for tickets, `voicebot.services.tickets.open`; docs/flows.md says so):
a voicemail for a person, an SMS that is not a quote answer, a callback rule's ticket and
the desk's. Omega's flow here carries two more rules: one that tells the supervisor of
every new ticket, and one that leaves a ticket when a caller hangs up in the greeting."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot.devtools.emulator import CallEmulator, new_sid
from voicebot.jobs import run_due
from voicebot.models import Callback, Message, Ticket

from support.desk import PASSWORD_HASH, login, post_form
from support.records import stored
from support.voicemails import post_signed

FLOWS = Path(__file__).resolve().parents[2] / "flows"
OMEGA, SUPERVISOR, CALLER = "+15035550100", "+15035550112", "+15035550178"
SATURDAY_NOON = "2026-11-28T12:00:00-08:00"
RULES = """
  - id: every_ticket
    on: ticket_created
    notify: [supervisor]
    text: "New ticket {ticket_id}: {ticket_kind}"
  - id: greeting_drop
    on: dropped_early
    ticket: callback
    text: "Call back {caller}: they hung up in the greeting."
  - id: note_follow_up
    on: ticket_created
    kind: note
    ticket: follow-up
    text: "Follow up on ticket {ticket_id}."
"""


@pytest.fixture
def settings(settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(FLOWS / "omega.yaml", folder / "omega.yaml")
    text = (folder / "omega.yaml").read_text(encoding="utf-8")
    marker = "\n# The dispatcher watches the dispatch mailbox"
    assert marker in text
    (folder / "omega.yaml").write_text(text.replace(marker, RULES + marker, 1), encoding="utf-8")
    return {**settings, "FLOWS_DIR": str(folder), "ADMIN_PASSWORD_HASH": PASSWORD_HASH}


def told_supervisor(app: Flask) -> list[str]:
    run_due(app, raise_errors=True)  # the rules' jobs, then the worker sends their SMS
    return sorted(m.body for m in stored(app, Message, to_number=SUPERVISOR))


def test_a_ticket_from_a_voicemail_an_sms_a_callback_and_the_desk_each_fire_the_rules(
    app: Flask, client: FlaskClient, dial_inprocess: Callable[..., CallEmulator],
    set_clock: Callable[[str], Any],
) -> None:
    set_clock(SATURDAY_NOON)
    # A voicemail that goes to a person (no audio reached this dry run: it could not be
    # fetched), and so a ticket for the dispatcher.
    voicemail = dial_inprocess(OMEGA, from_=CALLER)
    voicemail.start()
    voicemail.record(8)
    # An SMS that answers no quote: kept for a person.
    assert post_signed(client, "/twilio/sms", {"MessageSid": new_sid("SM"), "From": CALLER,
                                               "To": OMEGA, "Body": "are you open monday?"}
                       ).status_code == 200
    # A caller who hangs up in the greeting: the greeting_drop rule leaves a ticket.
    dropped = dial_inprocess(OMEGA, from_="+15035550179")
    dropped.start()
    dropped.hangup()
    # The desk's own ticket.
    desk = login(app.test_client())
    saved = post_form(desk, "/admin/tickets/new", "/admin/tickets/new", line="omega",
                      kind="note", phone=CALLER, text="Call the client about the invoice.")
    assert saved.status_code == 302

    told = told_supervisor(app)
    tickets = {t.kind: t for t in stored(app, Ticket)}
    assert set(tickets) == {"voicemail", "sms", "callback", "note", "follow-up"}
    for kind in ("voicemail", "sms", "callback", "note"):
        ticket = tickets[kind]
        assert f"New ticket {ticket.id}: {kind}" in told
        (fired,) = stored(app, Callback, rule_id="every_ticket", ticket_id=ticket.id)
        assert (fired.trigger, fired.status) == ("ticket_created", "done")
    # A ticket a ticket_created rule opens itself fires no ticket_created rules: it would
    # feed the rule that made it (docs/flows.md).
    follow_up = tickets["follow-up"]
    assert follow_up.text == f"Follow up on ticket {tickets['note'].id}."
    assert stored(app, Callback, ticket_id=follow_up.id) == []
    assert len(told) == 4

    # Run again (a sweep, a job run twice): nothing fires twice.
    assert told_supervisor(app) == told
    assert len(stored(app, Callback, rule_id="every_ticket")) == 4
