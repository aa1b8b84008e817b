"""The outbound reminders line that the callback batch tests and the worker process tests
share: a visit booked through the product's own API sets off two callback rules, a
confirmation call and an SMS, `delay` later. Nobody answers those calls in these tests: what
they prove is that each call and SMS goes out once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask

from voicebot.compiler.registry import registry
from voicebot.services.visits import book

from .twilio_double import TwilioDouble

LINE = "+15035550200"
FLOW = """\
flow: reminders
language: en-US
direction: outbound
numbers: ["{line}"]
timezone: UTC
callbacks:
  - id: confirm
    on: visit_scheduled
    call: confirm
    delay: {delay}
    within: always
  - id: note
    on: visit_scheduled
    sms: "Visit {{visit_id}}: {{visit_date}} at {{visit_start}}."
    delay: {delay}
    within: always
start: confirm
fallback: bye
states:
  confirm:
    ask: "Will you be home? Say yes or no."
    choices:
      - words: ["yes"]
        goto: ok
    no_input: bye
    no_match: bye
  ok:
    visit: confirmed
    next: bye
  bye:
    hangup: "Goodbye."
"""


def settings(base: dict[str, Any], double: TwilioDouble, tmp_path: Path, *, delay: str
             ) -> dict[str, Any]:
    """The test's settings with the reminders line as the only flow (its folder is
    `FLOWS_DIR`, for a test to add more) and Twilio's REST API at the double."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "reminders.yaml").write_text(FLOW.format(line=LINE, delay=delay))
    return {**base, "FLOWS_DIR": str(flows), "DRY_RUN": False,
            "TWILIO_API_URL": double.base_url,
            # Twilio never calls this in these tests; a live call needs some public URL.
            "PUBLIC_URL": "http://127.0.0.1:9"}


def clients(first: int, count: int) -> list[str]:
    return [f"+1503555{n:04d}" for n in range(first, first + count)]


def book_visits(app: Flask, phones: Iterable[str], *, days_ahead: int = 1) -> None:
    """A visit for each number, `days_ahead` days on; each one's call and SMS fall due
    `delay` after the booking."""
    flow = registry(app).get("reminders")
    for phone in phones:
        book(app, flow, phone=phone,
             window=f"{dt.date.today() + dt.timedelta(days=days_ahead)} 10:00-12:00")
