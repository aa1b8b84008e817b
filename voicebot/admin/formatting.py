"""How the desk shows times and reads the phone numbers staff type."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from voicebot.flows.catalog import catalog
from voicebot.phones import is_e164


def desk_zone() -> dt.tzinfo:
    zone: dt.tzinfo = current_app.extensions["voicebot.desk_zone"]
    return zone


def choose_zone(app: Flask) -> dt.tzinfo:
    """DESK_TIMEZONE, else the zone most lines keep (the first by name on a tie), else UTC:
    one zone for every time on the desk, named in its header."""
    name = app.config.get("DESK_TIMEZONE")
    if not name:
        zones = Counter(flow.timezone for flow in catalog(app).flows())
        name = min(zones, key=lambda zone: (-zones[zone], zone)) if zones else "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"VOICEBOT_DESK_TIMEZONE: unknown time zone (got {name!r})") from None


def when(value: dt.datetime | str | None, with_date: bool = True) -> str:
    if value is None or value == "":
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(desk_zone())
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def normalise_number(typed: str) -> str:
    """'+1 (503) 555-0100' or '15035550100' as the E.164 the journal stores; '' if it is no
    phone number."""
    digits = re.sub(r"[\s().-]", "", typed)
    if not digits.startswith("+"):
        digits = "+" + digits
    return digits if is_e164(digits) else ""
