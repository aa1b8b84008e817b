"""Checks that need the whole file: names used vs. defined, and the shape of the state graph."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from voicebot.compiler.graph import BUILTIN_TARGETS
from voicebot.engine.steps import edges, waits
from voicebot.flows.fields import BUILTINS, QUOTE_FIELDS, is_builtin
from voicebot.flows.model import StepBase
from voicebot.flows.schema import Context, Ref, suggest

BUILTIN_GROUPS = frozenset({"staff", "known", "new"})


def _unknown(
    ctx: Context, ref: Ref, what: str, known: Collection[str], why: str = ""
) -> None:
    guess = suggest(ref.name, known)
    hint = f", did you mean {guess!r}?" if guess else ""
    ctx.report(ref.line, ref.path, f"unknown {what} {ref.name!r}{why}{hint}", repr(ref.name))


def check_names(
    ctx: Context,
    *,
    states: Collection[str] | None,
    roles: Collection[str] | None,
    groups: Collection[str] | None,
    facts: Collection[str] | None,
    services: Collection[str] | None,
) -> None:
    """Every target, role, caller group, service, placeholder and tested variable is defined.

    None means the definitions could not be read (already reported): names of that kind are
    then not checked, rather than all reported as unknown.
    """
    _check_defined(ctx, states=states, roles=roles, groups=groups, services=services)
    if facts is None:
        return
    # `{dispatcher_name}`: the name of the role's first member in `staff`.
    known = set(facts) | BUILTINS | {f"{r}_name" for r in roles or ()}
    _check_flow_placeholders(ctx, known)
    _check_quote_placeholders(ctx, known)
    _check_trigger_placeholders(ctx, known)
    for ref in ctx.var_uses:
        if ref.name not in ctx.variables:
            _unknown(
                ctx, ref, "variable", ctx.variables, ": never captured or set in this flow"
            )


def _check_defined(
    ctx: Context,
    *,
    states: Collection[str] | None,
    roles: Collection[str] | None,
    groups: Collection[str] | None,
    services: Collection[str] | None,
) -> None:
    """Queues, targets, roles, caller groups and catalogue services named in steps are
    defined in the file."""
    for ref in ctx.queue_uses:
        if ref.name not in ctx.queues:
            _unknown(ctx, ref, "queue", ctx.queues, ": no queue step puts callers in it")
    if states is not None:
        targets = set(states) | BUILTIN_TARGETS
        for _state, ref in ctx.targets:
            if ref.name not in targets:
                _unknown(ctx, ref, "state", targets)
    if roles is not None:
        for ref in ctx.roles:
            if ref.name not in roles:
                _unknown(ctx, ref, "role", roles)
    if groups is not None:
        # A staff role is a caller group too: a dispatcher calling in is not a technician.
        known_groups = set(groups) | BUILTIN_GROUPS | set(roles or ())
        for ref in ctx.groups:
            if ref.name not in known_groups:
                _unknown(ctx, ref, "caller group", known_groups)
    if services is not None:
        for ref in ctx.service_uses:
            if ref.name not in services:
                ctx.report(ref.line, ref.path,
                           "unknown service: name services of the flow's quotes: section"
                           + (f" ({', '.join(sorted(services))})" if services else
                              ", which this flow does not have"), repr(ref.name))


def _unknown_placeholder(ctx: Context, ref: Ref, why: str, guess: str | None) -> None:
    hint = f", did you mean {guess!r}?" if guess else ""
    ctx.report(ref.line, ref.path, f"unknown placeholder {{{ref.name}}}: {why}{hint}",
               "'{" + ref.name + "}'")


def _check_flow_placeholders(ctx: Context, known: set[str]) -> None:
    """Placeholders in the states' texts: facts, built-ins and the flow's variables."""
    names = known | set(ctx.variables)
    for ref in ctx.placeholders:
        if ref.name not in names and not is_builtin(ref.name):
            _unknown_placeholder(ctx, ref, "not a fact, built-in or variable captured/set in "
                                 "this flow", suggest(ref.name, names))


def _check_quote_placeholders(ctx: Context, known: set[str]) -> None:
    """Placeholders in the quotes section: no call variables (a quote is written after the
    call), and what was understood from the message only in the quote's sms."""
    for ref, extra in ctx.quote_placeholders:
        allowed = known | extra
        if ref.name in allowed or is_builtin(ref.name):
            continue
        guess = None if ref.name in QUOTE_FIELDS else suggest(ref.name, allowed)
        if ref.name in ctx.variables:
            why = "a call variable is not known when a quote is written"
        elif ref.name in QUOTE_FIELDS:
            why = "only the quote's sms can use what was understood from the message"
        else:
            why = "not a fact or built-in" + (f" or one of {', '.join(sorted(extra))}" if extra else "")
        _unknown_placeholder(ctx, ref, why, guess)


def _check_trigger_placeholders(ctx: Context, known: set[str]) -> None:
    """Placeholders in callback rules: the trigger's own fields, and call variables only for
    triggers that have a call."""
    for ref, extra, with_vars in ctx.trigger_placeholders:
        allowed = known | extra | (set(ctx.variables) if with_vars else set())
        if ref.name in allowed or is_builtin(ref.name):
            continue
        why = ("a call variable is not known for this trigger" if ref.name in ctx.variables
               else "not a fact, built-in or field of this trigger"
               + (f" ({', '.join(sorted(extra))})" if extra else ""))
        _unknown_placeholder(ctx, ref, why, suggest(ref.name, allowed))


def _successors(states: Mapping[str, StepBase], start: str) -> dict[str, list[str]]:
    """State -> states it can go to; `restart` leads to `start`, built-in `hangup` nowhere."""
    result: dict[str, list[str]] = {}
    for sid, step in states.items():
        nexts: list[str] = []
        for edge in edges(step):
            target = edge.target
            if target not in states and target == "restart":
                target = start
            if target in states and target not in nexts:
                nexts.append(target)
        result[sid] = nexts
    return result


def check_graph(
    ctx: Context,
    states: Mapping[str, StepBase],
    *,
    start: str,
    roots: Collection[str],
    lines: Mapping[str, int],
    anywhere_targets: Collection[str],
) -> None:
    """Unreachable states, and loops of non-waiting steps that would spin forever.

    Call only when every state compiled and every target resolves: otherwise a typo in one
    `goto` would also make the state it meant look unreachable.
    """
    successors = _successors(states, start)

    reached: set[str] = set()
    todo = [s for s in (*roots, *anywhere_targets) if s in states]
    while todo:
        sid = todo.pop()
        if sid not in reached:
            reached.add(sid)
            todo.extend(successors[sid])
    for sid in states:
        if sid not in reached:
            ctx.report(lines[sid], f"states.{sid}", "unreachable from start or fallback")

    # A non-waiting step is fine if some path from it reaches a waiting step or a built-in
    # hangup; those left over can only go round among themselves.
    escapes = {sid for sid, step in states.items() if waits(step)}
    for sid, step in states.items():
        if any(e.target == "hangup" and e.target not in states for e in edges(step)):
            escapes.add(sid)
    # Walked backwards from the escapes, so that a long chain of steps costs one pass.
    predecessors: dict[str, list[str]] = {sid: [] for sid in states}
    for sid, nexts in successors.items():
        for target in nexts:
            predecessors[target].append(sid)
    todo = list(escapes)
    while todo:
        for before in predecessors[todo.pop()]:
            if before not in escapes:
                escapes.add(before)
                todo.append(before)
    stuck = [sid for sid in states if sid not in escapes]
    reported: set[str] = set()
    for sid in stuck:
        path, on_path = [sid], {sid}
        while successors[path[-1]][0] not in on_path:
            path.append(successors[path[-1]][0])
            on_path.add(path[-1])
        loop = path[path.index(successors[path[-1]][0]) :]
        if reported & set(loop):
            continue
        reported |= set(loop)
        first = min(loop, key=lambda s: lines[s])
        at = loop.index(first)
        ordered = [*loop[at:], *loop[:at], first]
        ctx.report(
            lines[first],
            f"states.{first}",
            "these steps loop without ever waiting for the caller or ending the call: "
            + " -> ".join(ordered),
        )
