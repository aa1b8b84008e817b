from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from voicebot.compiler.graph import edges, render, to_dot, to_mermaid
from voicebot.compiler.loader import load_flow
from voicebot.flows.model import Flow

FLOW = """\
flow: small
language: en-US
numbers: ["+15555550100"]
timezone: UTC
start: menu
fallback: vm
anywhere:
  - words: operator
    goto: vm
states:
  menu:
    ask: "Press 1."
    choices:
      - digits: ["1", "11"]
        words: [sales, "new order"]
        goto: check
    no_input: vm
    no_match: restart
  check:
    route:
      - when: {open: false, caller: staff}
        goto: unused_setter
      - when: {var: who, equals: [a, b]}
        goto: vm
      - when: {var: who, present: false}
        goto: end
    otherwise: end
  unused_setter:
    set: {who: a}
    next: vm
  end:
    say: 'Say "bye".'
    next: hangup
  vm:
    voicemail: "Leave a message."
    next: hangup
"""


@pytest.fixture
def flow(tmp_path: Path) -> Flow:
    path = tmp_path / "small.yaml"
    path.write_text(FLOW)
    return load_flow(path, display_name="small.yaml")


def test_edges_are_labelled(flow: Flow) -> None:
    assert [(e.target, e.label) for e in edges(flow.states["menu"])] == [
        ("check", "1 11 / sales, new order"),
        ("vm", "no input"),
        ("restart", "no match"),
    ]
    assert [(e.target, e.label) for e in edges(flow.states["check"])] == [
        ("unused_setter", "caller: staff and closed"),
        ("vm", "who = a | b"),
        ("end", "who not set"),
        ("end", "otherwise"),
    ]
    assert [(e.target, e.label) for e in edges(flow.states["vm"])] == [("hangup", "next")]


def test_mermaid(flow: Flow) -> None:
    assert to_mermaid(flow) == (
        "flowchart TD\n"
        '    entry(("start")) --> s0\n'
        '    s0["menu<br/>(ask)"]\n'
        '    s1["check<br/>(route)"]\n'
        '    s2["unused_setter<br/>(set)"]\n'
        '    s3["end<br/>(say)"]\n'
        '    s4["vm<br/>(voicemail)"]\n'
        '    b_hangup(["hangup (built-in)"])\n'
        '    b_restart(["restart (built-in)"])\n'
        '    s0 -->|"1 11 / sales, new order"| s1\n'
        '    s0 -->|"no input"| s4\n'
        '    s0 -->|"no match"| b_restart\n'
        '    s1 -->|"caller: staff and closed"| s2\n'
        '    s1 -->|"who = a | b"| s4\n'
        '    s1 -->|"who not set"| s3\n'
        '    s1 -->|"otherwise"| s3\n'
        '    s2 -->|"next"| s4\n'
        '    s3 -->|"next"| b_hangup\n'
        '    s4 -->|"next"| b_hangup\n'
        '    anywhere{{"anywhere"}}\n'
        '    anywhere -.->|"operator"| s4\n'
        '    failure(("step fails")) -.->|"fallback"| s4\n'
    )


def test_dot(flow: Flow) -> None:
    dot = to_dot(flow)
    assert dot.startswith('digraph "small" {\n')
    assert '    "end" [label="end\\n(say)"];\n' in dot
    assert '    "menu" -> "check" [label="1 11 / sales, new order"];\n' in dot
    assert '    "menu" -> "restart" [label="no match"];\n' in dot
    assert '    "restart" [label="restart (built-in)", shape=oval];\n' in dot
    assert '    "__start__" -> "menu";\n' in dot
    assert '    "__failure__" -> "vm" [label="fallback", style=dashed];\n' in dot
    assert '    "__anywhere__" -> "vm" [label="operator", style=dashed];\n' in dot
    assert dot.endswith("}\n")
    assert dot.count(" -> ") == 13


def test_quotes_are_escaped() -> None:
    from voicebot.compiler.graph import _dot_text, _mermaid_text

    assert _dot_text('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert _mermaid_text('say "hi"') == "say #quot;hi#quot;"


def test_render_without_graphviz(flow: Flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "flow.svg"
    assert render(flow, "svg", out) is False
    assert not out.exists()


def test_render_runs_dot(flow: Flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in `dot` that records its arguments and input, so the test needs no Graphviz.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text('#!/bin/sh\necho "$@" > "$0.args"\ncat > "$3"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    out = tmp_path / "flow.png"
    assert render(flow, "png", out) is True
    assert (bin_dir / "dot.args").read_text().split() == ["-Tpng", "-o", str(out)]
    assert out.read_text() == to_dot(flow)


def test_render_reports_dot_failure(flow: Flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text('#!/bin/sh\necho "syntax error" >&2\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(RuntimeError, match="dot failed: syntax error"):
        render(flow, "svg", tmp_path / "x.svg")


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "flows").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_flow_is_drawn_whole(path: Path, tmp_path: Path) -> None:
    """Each line in flows/ is drawn as Mermaid and DOT (and SVG where Graphviz is installed),
    every state appears, and a state only a callback enters hangs from that callback."""
    flow = load_flow(path)
    mermaid, dot = to_mermaid(flow), to_dot(flow)
    for state in flow.states:
        assert f'"{state}\\n(' in dot
    for rule in flow.callbacks:
        if rule.action.kind == "call":
            assert f"call back: {rule.id}<br/>(on {rule.on})" in mermaid
            assert '"__callback' in dot and f'-> "{rule.action.state}" [style=dashed]' in dot
    if render(flow, "svg", tmp_path / "flow.svg"):
        assert (tmp_path / "flow.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_age_conditions_are_labelled() -> None:
    """RT-2's route reads as what it tests, not as "not set"."""
    field_visit = load_flow(Path(__file__).resolve().parents[2] / "flows" / "field_visit.yaml")
    labels = [e.label for e in edges(field_visit.states["who_is_home"])]
    assert labels[0] == "at_home: ages named < 14"
    assert "at_home: an age named >= 14" in labels


def test_a_choice_is_drawn_by_its_label_or_first_example(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(
        "flow: labels\nlanguage: en-US\nnumbers: [\"+15555550100\"]\ntimezone: UTC\n"
        "start: menu\nfallback: bye\nstates:\n  menu:\n    ask: \"Why are you calling?\"\n"
        "    choices:\n      - words: [bill, invoice, charge]\n        label: a billing question\n"
        "        goto: bye\n      - examples: [\"my dishwasher is leaking\"]\n        goto: bye\n"
        "    no_input: bye\n    no_match: bye\n  bye:\n    hangup: Goodbye.\n")
    flow = load_flow(path, display_name="labels.yaml")
    assert [e.label for e in edges(flow.states["menu"])][:2] == [
        "a billing question", "«my dishwasher is leaking»"]
