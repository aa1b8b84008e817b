"""Deciding `route` rules: who is calling, whether we are open, who is available."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from voicebot.flows.hours import is_open
from voicebot.flows.model import Flow, StaffMember, VarTest, When
from voicebot.language import entities, numbers

SAYS_BELOW = 0.5
"""A `says` test holds from this confidence: a single keyword said plainly (0.75) or a near
spelling of it; a route cannot ask the caller to confirm, so it does not follow the flow's
`confirm_below`."""


HISTORY_GROUPS = frozenset({"known", "new"})
"""The `caller:` groups that need the caller's earlier calls to this line."""


@dataclass(frozen=True)
class CallerFacts:
    number: str
    calls_before: int | Callable[[], int]
    """The caller's earlier calls to this line, or how to count them: a query, made only when
    a rule reads them (most routes ask who is calling, not how often they called)."""
    variables: Mapping[str, Any]

    @functools.cached_property
    def previous_calls(self) -> int:
        return self.calls_before if isinstance(self.calls_before, int) else self.calls_before()


def available(member: StaffMember, now: dt.datetime) -> bool:
    return member.available and (member.hours is None or is_open(member.hours, now))


def available_members(flow: Flow, role: str, now: dt.datetime) -> tuple[StaffMember, ...]:
    return tuple(m for m in flow.members(role) if available(m, now))


def caller_groups(flow: Flow, caller: CallerFacts, wanted: frozenset[str] = HISTORY_GROUPS) -> set[str]:
    """The groups the caller is in, of those `wanted`: "known" and "new" only when wanted."""
    groups = {name for name, phones in flow.callers.items() if caller.number in phones}
    roles = {m.role for m in flow.staff if m.phone == caller.number}
    if roles:
        groups |= roles | {"staff"}
    if wanted & HISTORY_GROUPS:
        groups.add("known" if caller.previous_calls > 0 else "new")
    return groups


def says(test: VarTest, value: str) -> bool:
    """The variable says one of the test's phrases, and not under a negation: "это не
    срочно" does not say "срочно" (TS-7)."""
    assert test.heard is not None
    verdict = test.heard.hear(value)
    return verdict.best is not None and verdict.confidence >= SAYS_BELOW


def holds(when: When, flow: Flow, caller: CallerFacts, now: dt.datetime) -> bool:  # noqa: PLR0911  one return per condition
    # Tests that need no query first: a rule that fails on them never counts earlier calls.
    if when.open is not None and is_open(flow.hours, now) != when.open:
        return False
    if when.available is not None and not available_members(flow, when.available, now):
        return False
    if when.from_prefix and not caller.number.startswith(when.from_prefix):
        return False
    if when.caller is not None and not (when.caller & caller_groups(flow, caller, when.caller)):
        return False
    if when.min_previous_calls is not None and caller.previous_calls < when.min_previous_calls:
        return False
    for test in when.vars:
        value = caller.variables.get(test.name)
        if test.present is not None and (value not in (None, "")) != test.present:
            return False
        if test.equals and str(value).casefold() not in {v.casefold() for v in test.equals}:
            return False
        if test.heard is not None and not says(test, str(value or "")):
            return False
        if not _ages_hold(test, str(value or "")):
            return False
    return True


ADULT_AGE = 18
"""A grown-up named without an age ("останется дедушка") is at least this old."""


def _ages_hold(test: VarTest, value: str) -> bool:
    """RT-2: `age_below` holds when the answer names ages and every one is below the limit
    (a 16-year-old at home with an 8-year-old is someone over 14), and names no grown-up
    without an age (a grandfather with a 7-year-old); `age_at_least` when some age named
    reaches it, or a grown-up is named and the limit is an adult's age at most. An answer
    that names neither an age nor a grown-up satisfies neither."""
    if test.age_below is None and test.age_at_least is None:
        return True
    named = numbers.ages(value)
    # "с дочкой семи лет останется дедушка": the child's age is named, the grown-up's is not.
    adult = entities.names_an_adult(value)
    if test.age_below is not None and (adult or not (named and max(named) < test.age_below)):
        return False
    return test.age_at_least is None or any(age >= test.age_at_least for age in named) \
        or (adult and test.age_at_least <= ADULT_AGE)
