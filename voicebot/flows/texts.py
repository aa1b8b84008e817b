"""Filling `{name}` placeholders from call variables, facts and built-ins: what a call says,
what an SMS of a step, a quote or a callback rule says. Here, beside the flow model, so the
engine, the callbacks and the voicemail pipeline share it without importing one another."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from voicebot.flows import hours as hours_text
from voicebot.flows.fields import BUILTINS, BUSINESS_DAYS
from voicebot.flows.model import Flow, Text
from voicebot.language import inflect

log = logging.getLogger("voicebot.engine")


class _Values(dict[str, Any]):
    """The values a text is filled from. The clock's built-ins (`date`, `time`, `hours_today`,
    `hours`, `in_N_business_days`) are worked out when a placeholder asks for one: most
    lines name none, and working them all out for every line a turn says cost a webhook
    more than the line itself (issue 15). A fact, staff name or call variable of the same
    name is set in the dict, so it wins, as it always did."""

    def __init__(self, flow: Flow, now: dt.datetime, **given: Any) -> None:
        super().__init__(**given)
        self.flow, self.now = flow, now

    def __missing__(self, key: str) -> str:
        built_in = _BUILT_INS.get(key)
        if built_in is not None:
            value = self[key] = built_in(self.flow, self.now)
            return value
        days = BUSINESS_DAYS.match(key)
        if days:
            day = hours_text.after_business_days(self.flow.hours, self.now, int(days[1]))
            return hours_text.spoken_date(day, self.flow.language)
        # A variable the flow captures later, or one this caller skipped: say nothing
        # rather than fail the call; the loader already rejected names that can never exist.
        log.warning("placeholder {%s} has no value yet; spoken as empty", key)
        return ""


def _date(flow: Flow, now: dt.datetime) -> str:
    here = hours_text.local(flow.hours, now)
    # Russian dates stay as the Russian flows write them on tickets ("23.11.2026"); an
    # English line says "Monday, November 23", never "November 23" with a leading zero.
    return (here.strftime("%d.%m.%Y") if flow.stem_language == "russian"
            else hours_text.spoken_date(here.date(), flow.language))


_BUILT_INS: dict[str, Callable[[Flow, dt.datetime], str]] = {
    "date": _date,
    "time": lambda flow, now: hours_text.spoken_time(hours_text.local(flow.hours, now).time(),
                                                     flow.language),
    "hours_today": lambda flow, now: hours_text.today(flow.hours, now, flow.language),
    "hours": lambda flow, _: hours_text.week(flow.hours, flow.language),
}
assert {"name", "caller", *_BUILT_INS} == BUILTINS, "every built-in placeholder has a value"


def values(flow: Flow, variables: Mapping[str, Any], caller: str, now: dt.datetime) -> _Values:
    out = _Values(flow, now, name=flow.name, caller=caller)
    for member in reversed(flow.staff):  # the first member of a role names it
        if member.name:
            out[f"{member.role}_name"] = member.name
    out.update(flow.facts)
    out.update(variables)
    return out


def render(text: Text, vals: Mapping[str, Any]) -> str:
    """The text filled in; `{slot:вин}` puts the value in the case the sentence needs."""
    return inflect.render(text.template, vals)
