"""Filling `{name}` placeholders from call variables, facts and built-ins: what a call says,
what an SMS of a step, a quote or a callback rule says. Here, beside the flow model, so the
engine, the callbacks and the voicemail pipeline share it without importing one another."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from voicebot.flows import hours as hours_text
from voicebot.flows.fields import BUSINESS_DAYS
from voicebot.flows.model import Flow, Text
from voicebot.language import inflect

log = logging.getLogger("voicebot.engine")


class _Values(dict[str, Any]):
    def __init__(self, flow: Flow, now: dt.datetime, **given: Any) -> None:
        super().__init__(**given)
        self.flow, self.now = flow, now

    def __missing__(self, key: str) -> str:
        days = BUSINESS_DAYS.match(key)
        if days:
            day = hours_text.after_business_days(self.flow.hours, self.now, int(days[1]))
            return hours_text.spoken_date(day, self.flow.language)
        # A variable the flow captures later, or one this caller skipped: say nothing
        # rather than fail the call; the loader already rejected names that can never exist.
        log.warning("placeholder {%s} has no value yet; spoken as empty", key)
        return ""


def values(flow: Flow, variables: Mapping[str, Any], caller: str, now: dt.datetime) -> _Values:
    here = hours_text.local(flow.hours, now)
    out = _Values(
        flow, now,
        name=flow.name,
        caller=caller,
        # Russian dates stay as the Russian flows write them on tickets ("23.11.2026"); an
        # English line says "Monday, November 23", never "November 23" with a leading zero.
        date=(here.strftime("%d.%m.%Y") if flow.stem_language == "russian"
              else hours_text.spoken_date(here.date(), flow.language)),
        time=hours_text.spoken_time(here.time(), flow.language),
        hours_today=hours_text.today(flow.hours, now, flow.language),
        hours=hours_text.week(flow.hours, flow.language),
    )
    for member in reversed(flow.staff):  # the first member of a role names it
        if member.name:
            out[f"{member.role}_name"] = member.name
    out.update(flow.facts)
    out.update(variables)
    return out


def render(text: Text, vals: Mapping[str, Any]) -> str:
    """The text filled in; `{slot:вин}` puts the value in the case the sentence needs."""
    return inflect.render(text.template, vals)
