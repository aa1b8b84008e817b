"""The `callbacks:` section: rules that act after a call, a ticket, a quote or a visit (issue 5).

Each rule names its trigger (`on`), exactly one action key (`call`, `sms`, `notify`, `ticket`)
and its timing. Rules compile to `CallbackRule`s; their `within:` hours need the flow's time
zone and are resolved by the loader once the whole file is read.

Texts are written outside any call turn, so their placeholders are checked per trigger: facts
and built-ins everywhere, the cause call's variables where there is a call, and the fields of
the ticket, quote or visit the rule is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voicebot.flows import fields
from voicebot.flows.model import (
    ASSIGNEE,
    TRIGGERS,
    ActionKind,
    CallbackAction,
    CallbackRule,
    Source,
    Text,
    TimeRange,
    Trigger,
)
from voicebot.flows.schema import (
    Invalid,
    Key,
    Node,
    Ref,
    Reported,
    Schema,
    boolean,
    check_mapping,
    check_mapping_partly,
    integer,
    list_of,
    list_with_ids,
    one_of,
    pattern,
    run,
)
from voicebot.flows.yamlsource import CommentedMap, CommentedSeq, key_line

TICKET_FIELDS = frozenset({"ticket_id", "ticket_text", "ticket_kind"})
EXTRA_PLACEHOLDERS: Mapping[Trigger, frozenset[str]] = {
    "dropped_active": frozenset(),
    "dropped_early": frozenset(),
    "ticket_created": TICKET_FIELDS,
    "ticket_answered": TICKET_FIELDS | {"answer"},
    "quote_approved": frozenset({"service", "caller_name", "callback_number"}),
    "visit_scheduled": frozenset(
        {"visit_id", "visit_date", "visit_window", "visit_start", "visit_end", "client_name",
         "address"}
    ),
}
"""Placeholders a rule's texts may use besides facts and built-ins, by trigger."""
ALWAYS = frozenset({"attempts"})
"""`{attempts}`: the attempts made so far, in every rule's texts."""
CALL_TRIGGERS = frozenset({"dropped_active", "dropped_early", "ticket_created", "ticket_answered"})
"""Triggers that come with a call whose variables the texts may use."""
TICKET_TRIGGERS = frozenset({"ticket_created", "ticket_answered"})

def _within(node: Node) -> str | Mapping[int, tuple[TimeRange, ...]]:
    if node.value in ("hours", "always"):
        return str(node.value)
    if isinstance(node.value, CommentedMap):
        result: Mapping[int, tuple[TimeRange, ...]] = fields.week(node)
        return result
    raise Invalid('expected hours (the flow\'s), always, or hours by day like {mon-fri: "09:00-20:00"}')


def _text_for(node: Node) -> Text:
    """A rule's text: placeholders are collected for the per-trigger check, not the call's."""
    if isinstance(node.value, CommentedSeq):
        parts = [run(_text_for, item) for item in node.items()]
        if not parts:
            raise Invalid("expected text")
        return Text(" ".join(p.template for p in parts), parts[0].source,
                    frozenset().union(*(p.names for p in parts)))
    if not isinstance(node.value, str) or not node.value.strip():
        raise Invalid("expected text")
    names = fields.placeholders(node.value)
    node.ctx.callback_placeholders.extend(Ref(n, node.line, node.path) for n in names)
    return Text(node.value, Source(node.ctx.file, node.line), frozenset(names))


def _notified(node: Node) -> str:
    if node.value == ASSIGNEE:
        node.ctx.assignee_uses.append(Ref(ASSIGNEE, node.line, node.path))
        return ASSIGNEE
    return fields.role(node)


ACTION_KEYS: Mapping[ActionKind, Schema] = {
    "call": {"call": Key(fields.target, required=True)},
    "sms": {"sms": Key(_text_for, required=True),
            "to": Key(lambda n: "caller" if n.value == "caller" else fields.role(n),
                      default="caller")},
    "notify": {"notify": Key(list_of(_notified, min_items=1), required=True),
               "text": Key(_text_for, required=True),
               "urgent": Key(boolean, default=False)},
    "ticket": {"ticket": Key(pattern(r"^[a-z][a-z0-9_-]*$", "a ticket kind word like callback"),
                             required=True),
               "text": Key(_text_for, required=True),
               "assign": Key(fields.role),
               "urgent": Key(boolean, default=False)},
}
ALL_ACTION_KEYS = frozenset(k for schema in ACTION_KEYS.values() for k in schema)

TIMING: Schema = {
    "id": Key(pattern(r"^[a-z0-9_-]+$", "a rule id of a-z, 0-9, _ and -"), required=True),
    "on": Key(one_of(*TRIGGERS), required=True),
    "kind": Key(pattern(r"^[a-z][a-z0-9_-]*$", "a ticket kind word like callback")),
    "except_in": Key(list_of(fields.target, min_items=1), default=()),
    "delay": Key(fields.duration, default=dt.timedelta(0)),
    "at": Key(fields.variable_use),
    "before": Key(fields.duration),
    "attempts": Key(integer(1), default=1),
    "spacing": Key(fields.duration, default=dt.timedelta(minutes=10)),
    "within": Key(_within),
    "max_late": Key(fields.duration),
    "repeat": Key(fields.duration),
    "until": Key(one_of("answered", "closed")),
    "then": Key(lambda n: n.value),  # checked by `then_action` once the rule's kind is known
}


def _kind_of(node: Node, what: str) -> ActionKind:
    mapping: CommentedMap = node.value
    found = [k for k in ACTION_KEYS if k in mapping]
    if len(found) != 1:
        node.ctx.report(node.line, node.path,
                        f"{what} needs exactly one of: {', '.join(ACTION_KEYS)}"
                        + (f" (found {', '.join(found)})" if found else ""))
        raise Reported
    kind: ActionKind = found[0]
    return kind


def _action(kind: ActionKind, v: dict[str, Any], source: Source) -> CallbackAction:
    return CallbackAction(
        kind=kind, source=source, state=v.get("call") or "",
        text=v.get("sms") if kind == "sms" else v.get("text"),
        to=v.get("to") or "caller", roles=v.get("notify") or (),
        ticket_kind=v.get("ticket") or "", assign=v.get("assign"), urgent=bool(v.get("urgent")),
    )


def then_action(node: Node) -> CallbackAction:
    """One follow-up after the last unanswered call: notify, sms or ticket."""
    if not isinstance(node.value, CommentedMap):
        raise Invalid("expected an action: a mapping with notify, sms or ticket")
    kind = _kind_of(node, "a follow-up action")
    if kind == "call":
        node.ctx.report(key_line(node.value, "call"), f"{node.path}.call",
                        "a follow-up cannot place another call: raise attempts instead")
        raise Reported
    v = check_mapping(node, ACTION_KEYS[kind], noun=f"key for a {kind} action")
    return _action(kind, v, Source(node.ctx.file, node.line))


@dataclass(frozen=True)
class DraftRule:
    """A compiled rule and its raw `within`, which the loader resolves with the flow's zone."""

    rule: CallbackRule
    within: str | Mapping[int, tuple[TimeRange, ...]] | None


def _rule(node: Node) -> DraftRule:
    if not isinstance(node.value, CommentedMap):
        raise Invalid("expected a callback rule: a mapping with id, on and an action")
    mapping: CommentedMap = node.value
    start = len(node.ctx.callback_placeholders)
    assignees = len(node.ctx.assignee_uses)
    try:
        kind: ActionKind | None = _kind_of(node, "a callback rule")
    except Reported:
        kind = None
    schema = {**TIMING, **(ACTION_KEYS[kind] if kind else {})}
    v, ok = check_mapping_partly(node, schema, skip=() if kind else ALL_ACTION_KEYS,
                                 noun="key for a callback rule")
    on: Trigger | None = v.get("on")
    # Each rule below is checked as soon as what it needs could be read, so one run shows
    # every problem of the rule.
    problems: list[tuple[str, str]] = []
    if on is not None:
        ok = _assignee_on_ticket_rules(node, on, assignees) and ok
        problems += _trigger_problems(mapping, v, on, kind)
    problems += _action_problems(mapping, v, kind)
    for key, why in problems:
        node.ctx.report(key_line(mapping, key), f"{node.path}.{key}", why)
    then: tuple[CallbackAction, ...] = ()
    if "then" in mapping and kind in (None, "call"):
        try:
            then = run(list_of(then_action, min_items=1, single=False), node.child("then"))
        except Reported:
            ok = False
    # Texts were collected before the trigger was known; tag them with what it allows.
    refs = node.ctx.callback_placeholders[start:]
    del node.ctx.callback_placeholders[start:]
    if on is not None:
        extra = EXTRA_PLACEHOLDERS[on] | ALWAYS
        node.ctx.trigger_placeholders.extend((ref, extra, on in CALL_TRIGGERS) for ref in refs)
    if kind is None or on is None or not ok or problems:
        raise Reported
    rule = CallbackRule(
        id=v["id"], source=Source(node.ctx.file, node.line), on=on,
        action=_action(kind, v, Source(node.ctx.file, node.line)), kind=v["kind"],
        except_in=frozenset(v["except_in"]), delay=v["delay"], at=v["at"], before=v["before"],
        attempts=v["attempts"], spacing=v["spacing"], max_late=v["max_late"], repeat=v["repeat"],
        until=v["until"], then=then,
    )
    return DraftRule(rule, v["within"])


def _misplaced(mapping: CommentedMap, v: Mapping[str, Any], key: str,
               why: str) -> list[tuple[str, str]]:
    """`key` given where it means nothing (an empty value is no harm)."""
    return [(key, why)] if key in mapping and v.get(key) not in (None, (), False) else []


def _assignee_on_ticket_rules(node: Node, on: Trigger, since: int) -> bool:
    """`assignee` (in the rule's texts read since `since`) only on ticket rules."""
    if on in TICKET_TRIGGERS:
        return True
    misused = node.ctx.assignee_uses[since:]
    for ref in misused:
        node.ctx.report(ref.line, ref.path, "assignee is the ticket's role: only on ticket rules",
                        repr(ASSIGNEE))
    return not misused


def _trigger_problems(mapping: CommentedMap, v: Mapping[str, Any], on: Trigger,
                      kind: ActionKind | None) -> list[tuple[str, str]]:
    """Keys that only some triggers have."""
    problems: list[tuple[str, str]] = []
    if on not in CALL_TRIGGERS:
        problems += _misplaced(mapping, v, "at",
                               "at reads a time the caller said: only rules about a call have it")
    if on not in ("dropped_active", "dropped_early"):
        problems += _misplaced(mapping, v, "except_in",
                               "except_in is for dropped_active and dropped_early rules")
    if on not in TICKET_TRIGGERS:
        problems += _misplaced(mapping, v, "kind",
                               "kind filters ticket rules (on: ticket_created or ticket_answered)")
        problems += _misplaced(mapping, v, "until", "until is for ticket rules")
    if on != "visit_scheduled":
        problems += _misplaced(mapping, v, "before", "before is for visit_scheduled rules; use delay")
    elif "before" in mapping and "delay" in mapping:
        problems.append(("delay", "give either delay or before"))
    if kind == "notify" and v.get("urgent") and on not in TICKET_TRIGGERS:
        problems.append(("urgent", "urgent on notify escalates the ticket: only on ticket rules"))
    return problems


def _action_problems(mapping: CommentedMap, v: Mapping[str, Any],
                     kind: ActionKind | None) -> list[tuple[str, str]]:
    """Keys that only a call rule has, and the one it must not."""
    problems: list[tuple[str, str]] = []
    if kind is not None and kind != "call":
        problems += _misplaced(mapping, v, "then",
                               "then follows unanswered calls: only a call rule has it")
        problems += _misplaced(mapping, v, "spacing",
                               "spacing separates call attempts: only a call rule has it")
        if v.get("attempts", 1) > 1 and v.get("repeat") is None and "repeat" not in mapping:
            problems.append(("attempts", "attempts without repeat: only a call is tried again"))
    elif kind == "call" and "repeat" in mapping:
        problems.append(("repeat", "a call rule retries with attempts and spacing, not repeat"))
    return problems


rules = list_with_ids(_rule, lambda d: (d.rule.id, d.rule.source.line),
                      what="a list of callback rules", noun="rule")
"""The `callbacks:` section: every rule checked, ids unique."""
