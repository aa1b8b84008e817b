"""The `labels:` and `roles:` sections: what the desk calls a flow's variables and staff roles.

A ticket or call note shows `Автомобиль: Kia Rio` instead of `car = Kia Rio`, and
`мастер-консультант` instead of `master_consultant`, in the line's own language.
"""

from __future__ import annotations

from typing import Any

from voicebot.flows import fields
from voicebot.flows.schema import Context, Key, dict_of, identifier, string, suggest
from voicebot.flows.yamlsource import CommentedMap, key_line

KEYS = {
    "labels": Key(dict_of(identifier, string, what="a mapping of variable: label"), default={}),
    "roles": Key(dict_of(fields.role, string, what="a mapping of role: name"), default={}),
}
"""Top-level keys; an unknown role in `roles:` is reported with the other role names."""


def check_labels(ctx: Context, mapping: CommentedMap, top: dict[str, Any]) -> None:
    """Every label names a variable the flow captures or sets, or a field its tickets carry:
    a label for a misspelt name would silently never show."""
    known = set(ctx.variables) | ticket_fields(mapping)
    for name in top.get("labels") or ():
        if name in known:
            continue
        guess = suggest(name, known)
        hint = f", did you mean {guess!r}?" if guess else ""
        ctx.report(key_line(mapping["labels"], name), f"labels.{name}",
                   f"no step captures or sets variable {name!r} and no ticket has a field of "
                   f"that name{hint}", repr(name))


def ticket_fields(mapping: CommentedMap) -> set[str]:
    """Names of the `fields:` the flow's ticket steps write (read from the file as written:
    the steps themselves are checked elsewhere)."""
    states = mapping.get("states")
    if not isinstance(states, dict):
        return set()
    return {str(name) for step in states.values() if isinstance(step, dict)
            and isinstance(step.get("fields"), dict) for name in step["fields"]}
