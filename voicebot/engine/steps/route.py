"""`route`: go to the first rule whose conditions hold (caller, hours, staff, variables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.conditions import holds
from voicebot.engine.steps.base import Edge, StepKind, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields
from voicebot.flows.model import Rule, Source, StepBase, VarTest, When
from voicebot.flows.schema import (
    Key,
    Node,
    Reported,
    Schema,
    boolean,
    check_mapping,
    integer,
    list_of,
    pattern,
    scalar_text,
)
from voicebot.language.scorer import Menu


@dataclass(frozen=True)
class Route(StepBase):
    rules: tuple[Rule, ...]
    otherwise: str


WHEN: Schema = {
    "caller": Key(list_of(fields.caller_group, min_items=1)),
    "open": Key(boolean),
    "available": Key(fields.role),
    "from_prefix": Key(
        list_of(pattern(r"^\+\d{1,14}$", "a number prefix like +7"), min_items=1), default=()
    ),
    "min_previous_calls": Key(integer(0)),
    "var": Key(fields.variable_use),
    "equals": Key(list_of(scalar_text, min_items=1)),
    "present": Key(boolean),
    "says": Key(list_of(fields.phrase, min_items=1)),
    # RT-2: "дома будет только сын, ему одиннадцать" names an age; see voicebot.language.numbers.
    "age_below": Key(integer(1)),
    "age_at_least": Key(integer(1)),
}
VAR_TESTS = ("equals", "present", "says", "age_below", "age_at_least")


def when(node: Node) -> When:
    values = check_mapping(node, WHEN, what="a condition mapping, like {caller: staff}")
    given = {k for k in node.value if values.get(k) not in (None, ())}
    problem = None
    if not given:
        problem = f"a condition needs at least one of: {', '.join(WHEN)}"
    elif given & set(VAR_TESTS) and "var" not in given:
        problem = f"{'/'.join(VAR_TESTS)} test a variable: add var"
    elif "var" in given and len(given & set(VAR_TESTS)) != 1:
        problem = f"var needs exactly one of {', '.join(VAR_TESTS)}"
    if problem is not None:
        node.ctx.report(node.line, node.path, problem)
        raise Reported
    tests: tuple[VarTest, ...] = ()
    if values["var"] is not None:
        says = values["says"] or ()
        heard = Menu([("says", [p.pattern for p in says])], says[0].pattern.family) \
            if says else None
        tests = (VarTest(values["var"], values["equals"] or (), values["present"], says,
                         values["age_below"], values["age_at_least"], heard),)
    return When(
        source=Source(node.ctx.file, node.line),
        caller=frozenset(values["caller"]) if values["caller"] else None,
        open=values["open"],
        available=values["available"],
        from_prefix=values["from_prefix"],
        min_previous_calls=values["min_previous_calls"],
        vars=tests,
    )


RULE: Schema = {"when": Key(when, required=True), "goto": Key(fields.target, required=True)}


def rule(node: Node) -> Rule:
    values = check_mapping(node, RULE, what="a rule with when and goto")
    return Rule(values["when"], values["goto"], Source(node.ctx.file, node.line))


def when_label(condition: When) -> str:
    """The conditions in a few words, for the flow picture."""
    parts: list[str] = []
    if condition.caller is not None:
        parts.append(f"caller: {', '.join(sorted(condition.caller))}")
    if condition.open is not None:
        parts.append("open" if condition.open else "closed")
    if condition.available is not None:
        parts.append(f"{condition.available} available")
    if condition.from_prefix:
        parts.append(f"from {', '.join(condition.from_prefix)}")
    if condition.min_previous_calls is not None:
        parts.append(f"previous calls >= {condition.min_previous_calls}")
    for test in condition.vars:
        if test.says:
            parts.append(f"{test.name} says {' | '.join(p.text for p in test.says)}")
        elif test.equals:
            parts.append(f"{test.name} = {' | '.join(test.equals)}")
        elif test.age_below is not None:
            parts.append(f"{test.name}: ages named < {test.age_below}")
        elif test.age_at_least is not None:
            parts.append(f"{test.name}: an age named >= {test.age_at_least}")
        else:
            parts.append(f"{test.name} {'set' if test.present else 'not set'}")
    return " and ".join(parts)


@register
class RouteKind(StepKind[Route]):
    key = "route"
    rank = 30
    step = Route
    schema: ClassVar[Schema] = {
        "route": Key(list_of(rule, single=False, min_items=1), required=True),
        "otherwise": next_key(),
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Route:
        return Route(sid, src, rules=values["route"], otherwise=values["otherwise"])

    def run(self, turn: Turn, step: Route) -> str | None:
        caller = turn.caller()
        for r in step.rules:
            if holds(r.when, turn.flow, caller, turn.now):
                turn.event("route", r.goto, line=r.source.line)
                return r.goto
        turn.event("route", step.otherwise)
        return step.otherwise

    def edges(self, step: Route) -> list[Edge]:
        return [*(Edge(step.id, r.goto, when_label(r.when)) for r in step.rules),
                Edge(step.id, step.otherwise, "otherwise")]
