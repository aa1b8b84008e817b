"""How the desk shows times (voicebot.phones reads the numbers staff type)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from voicebot.flows.catalog import catalog


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
