"""A flow as a graph: its edges, and drawings of it (Mermaid, Graphviz DOT, SVG/PNG via `dot`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Literal

from voicebot.engine.steps import Edge, edges, kind_of
from voicebot.engine.steps.ask import choice_label
from voicebot.flows.model import CallbackRule, Flow, StepBase

__all__ = ["BUILTIN_TARGETS", "Edge", "edges", "flow_edges", "render", "to_dot", "to_mermaid"]

BUILTIN_TARGETS = frozenset({"hangup", "restart"})
"""Targets the engine handles itself unless the flow defines a state of that name."""


def callback_entries(flow: Flow) -> list[tuple[CallbackRule, str]]:
    """Rules that place a call into a state: other ways into the flow than `start`."""
    return [(r, r.action.state) for r in flow.callbacks if r.action.kind == "call"]


def _callback_label(rule: CallbackRule) -> str:
    return f"call back: {rule.id}\n(on {rule.on})"


def flow_edges(flow: Flow) -> list[Edge]:
    return [edge for step in flow.states.values() for edge in edges(step)]


def _builtins_used(flow: Flow) -> list[str]:
    used = {e.target for e in flow_edges(flow)} | {flow.fallback}
    used |= {c.goto for c in flow.anywhere}
    return sorted(t for t in used if t in BUILTIN_TARGETS and t not in flow.states)


def _kind(step: StepBase) -> str:
    return kind_of(step).key


# --- Mermaid ------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(flow: Flow) -> str:
    # Node ids are generated: state names such as `end` or `a-b` break Mermaid syntax.
    ids = {state: f"s{i}" for i, state in enumerate(flow.states)}
    for name in _builtins_used(flow):
        ids[name] = f"b_{name}"
    lines = ["flowchart TD", '    entry(("start")) --> ' + ids[flow.start]]
    for state, step in flow.states.items():
        label = _mermaid_text(f"{state}\n({_kind(step)})").replace("\n", "<br/>")
        lines.append(f'    {ids[state]}["{label}"]')
    for name in _builtins_used(flow):
        lines.append(f'    {ids[name]}(["{name} (built-in)"])')
    for edge in flow_edges(flow):
        lines.append(
            f'    {ids[edge.source]} -->|"{_mermaid_text(edge.label)}"| {ids[edge.target]}'
        )
    if flow.anywhere:
        lines.append('    anywhere{{"anywhere"}}')
        for c in flow.anywhere:
            lines.append(f'    anywhere -.->|"{_mermaid_text(choice_label(c))}"| {ids[c.goto]}')
    for n, (rule, state) in enumerate(callback_entries(flow)):
        label = _mermaid_text(_callback_label(rule)).replace("\n", "<br/>")
        lines.append(f'    cb{n}(("{label}")) -.-> {ids[state]}')
    lines.append('    failure(("step fails")) -.->|"fallback"| ' + ids[flow.fallback])
    return "\n".join(lines) + "\n"


# --- Graphviz -----------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(flow: Flow) -> str:
    q = _dot_text
    lines = [
        f"digraph {q(flow.id)} {{",
        "    node [shape=box, fontname=Helvetica];",
        "    edge [fontname=Helvetica, fontsize=10];",
        '    "__start__" [label="start", shape=circle];',
        f'    "__start__" -> {q(flow.start)};',
    ]
    for state, step in flow.states.items():
        label = q(f"{state}\n({_kind(step)})")
        lines.append(f"    {q(state)} [label={label}];")
    for name in _builtins_used(flow):
        lines.append(f"    {q(name)} [label={q(name + ' (built-in)')}, shape=oval];")
    for edge in flow_edges(flow):
        lines.append(f"    {q(edge.source)} -> {q(edge.target)} [label={q(edge.label)}];")
    if flow.anywhere:
        lines.append('    "__anywhere__" [label="anywhere", shape=hexagon];')
        for c in flow.anywhere:
            lines.append(
                f'    "__anywhere__" -> {q(c.goto)} [label={q(choice_label(c))}, style=dashed];'
            )
    for n, (rule, state) in enumerate(callback_entries(flow)):
        lines.append(f'    "__callback{n}__" [label={q(_callback_label(rule))}, shape=circle];')
        lines.append(f'    "__callback{n}__" -> {q(state)} [style=dashed];')
    lines.append('    "__failure__" [label="step fails", shape=circle];')
    lines.append(f'    "__failure__" -> {q(flow.fallback)} [label="fallback", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(flow: Flow, fmt: Literal["svg", "png"], out: Path) -> bool:
    """Draw `flow` into `out` with Graphviz; False when `dot` is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return False
    result = subprocess.run(
        [dot, f"-T{fmt}", "-o", str(out)],
        input=to_dot(flow).encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return True
