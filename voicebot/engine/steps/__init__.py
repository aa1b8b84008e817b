"""The step kinds, one module each, and what the loader, the interpreter, the flow pictures
and the call note ask of them through the registry in `base`.

Importing this package imports every module in it, and each registers its kind: a new kind
is a new module here and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

from voicebot.engine.steps.base import KINDS, Edge, StepKind, kind_of
from voicebot.flows.model import Source, StepBase
from voicebot.flows.schema import Node, Reported, check_mapping, require_mapping, unknown
from voicebot.flows.wording import worded_by
from voicebot.flows.yamlsource import key_line

__all__ = ["KINDS", "Edge", "StepKind", "compile_state", "edges", "kind_of", "waits",
           "worded_by"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

ALL_STEP_KEYS = frozenset(key for kind in KINDS.values() for key in kind.schema)


def compile_state(node: Node, state_id: str) -> StepBase:
    """Check one state and compile it; its kind key decides which kind's schema applies."""
    mapping = require_mapping(node, f"a step: a mapping with one of {', '.join(KINDS)}")
    found = _kind_keys(mapping)
    if len(found) > 1:
        node.ctx.report(
            key_line(mapping, found[1]),
            node.path,
            f"a state has exactly one kind key, found {len(found)}: {', '.join(found)}",
        )
        raise Reported
    if not found:
        node.ctx.report(node.line, node.path, f"missing kind key: one of {', '.join(KINDS)}")
        for key in mapping:
            if key not in ALL_STEP_KEYS:
                node.ctx.report(
                    key_line(mapping, key), f"{node.path}.{key}", unknown(str(key), KINDS, "key")
                )
        raise Reported
    kind: StepKind[Any] = KINDS[found[0]]
    kind.found(node)
    article = "an" if found[0][0] in "aeiou" else "a"
    values = check_mapping(node, kind.schema, noun=f"key for {article} {found[0]} step")
    step: StepBase = kind.compile(state_id, Source(node.ctx.file, node.line), values, node)
    return step


def _kind_keys(mapping: Mapping[Any, Any]) -> list[str]:
    """The keys of a state that name kinds. A kind's key may also be an option of another
    kind (`say:` takes a `pause:`); beside that other kind's key it is the option."""
    found = [key for key in mapping if key in KINDS]
    options = {option for key in found for option in KINDS[key].schema if option != key}
    return [key for key in found if key not in options] or found


def edges(step: StepBase) -> list[Edge]:
    """Every way out of `step`, in the order the file gives them."""
    return kind_of(step).edges(step)


def waits(step: StepBase) -> bool:
    """Whether `step` waits for the caller (or ends the call), so a loop through it cannot
    spin."""
    return kind_of(step).waits
