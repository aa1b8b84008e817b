"""How a pre-booking slot is spoken (CS-3, CS-9); the slots themselves are
`voicebot.services.bookings`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from voicebot.engine.hours import spoken_date
from voicebot.flows.model import Flow


def spoken_slot(flow: Flow, slot: dt.datetime) -> str:
    """'среда, 25 ноября, в 10:00' or 'Wednesday, November 25 at 10:00'."""
    here = slot.astimezone(ZoneInfo(flow.timezone))
    day = spoken_date(here.date(), flow.language)
    if flow.stem_language == "russian":
        return f"{day}, в {here:%H:%M}"
    return f"{day} at {here:%H:%M}"
