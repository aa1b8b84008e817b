"""`on: quote_approved` callback rules: a caller's YES to a quote sets them off (OM-4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot import db
from voicebot.devtools.emulator import new_sid
from voicebot.jobs import run_due
from voicebot.models import Callback, Message, Voicemail
from voicebot.services import quotes

from support.records import stored
from support.twilio_double import TEST_ACCOUNT_SID
from support.voicemails import OMEGA, post_signed

REPO = Path(__file__).resolve().parents[2]
CALLER = "+15035550177"
RULE = """callbacks:
  - id: approved_visit
    on: quote_approved
    delay: 1h
    within: always
    notify: [dispatcher]
    text: >-
      Quote for {service} approved by {caller_name} ({callback_number}) an hour ago:
      has anyone called to set the visit?
"""


@pytest.fixture
def settings(settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    flows = tmp_path / "flows"
    flows.mkdir()
    omega = (REPO / "flows" / "omega.yaml").read_text()
    (flows / "omega.yaml").write_text(omega.replace("callbacks:\n", RULE, 1))
    return {**settings, "FLOWS_DIR": str(flows)}


def test_om4_an_approved_quote_sets_off_the_flows_rules(app: Flask, client: FlaskClient,
                                                       set_clock: Any) -> None:
    """OM-4: the caller approves the quote by SMS; besides the staff note, the flow's
    `quote_approved` rule runs, here a reminder to the dispatcher an hour later."""
    now = set_clock("2026-11-28T17:00:00-08:00")
    with db.session_scope(app) as session:
        voicemail = Voicemail(recording_sid=new_sid("RE"), flow_id="omega", from_number=CALLER,
                              status="quoted", understanding={"caller_name": "Ann"})
        session.add(voicemail)
        session.flush()
        quotes.store(session, voicemail, flow_id="omega", service_id="dryer",
                     service_name="dryer repair", body="...", now=now)
    answer = post_signed(client, "/twilio/sms", {"MessageSid": new_sid("SM"),
                                                 "AccountSid": TEST_ACCOUNT_SID, "From": CALLER,
                                                 "To": OMEGA, "Body": "YES"})
    assert answer.status_code == 200
    (rule,) = stored(app, Callback)
    assert (rule.rule_id, rule.trigger, rule.phone) == ("approved_visit", "quote_approved", CALLER)
    set_clock("2026-11-28T18:00:00-08:00")
    run_due(app, raise_errors=True)
    reminder = [m for m in stored(app, Message) if "has anyone called" in m.body]
    assert [m.body for m in reminder] == [
        "Quote for dryer repair approved by Ann (+15035550177) an hour ago: has anyone called to "
        "set the visit?"]
    assert stored(app, Callback)[0].status == "done"
    assert dt.timedelta(hours=1) == rule.next_at - now  # type: ignore[operator]
