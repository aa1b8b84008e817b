"""Hostile flow files as the attack run on issue 12 wrote them: small on the page, ruinous
for a YAML parser that is not careful (tests/flows/test_hostile.py, and the live tests in
tests/engine/test_flow_edits_and_faults.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

HEAD = """\
flow: {id}
language: en-US
numbers: ["{number}"]
timezone: America/Los_Angeles
start: hello
fallback: hello
"""


def merge_keys(count: int, flow_id: str = "merges") -> str:
    """A flow whose states each merge one shared step: `count` merge keys, the `count`-th
    on line 9 + 2 x count."""
    states = "".join(f"  s{i}:\n    <<: *bye\n" for i in range(count))
    return (HEAD.format(id=flow_id, number="+15555550101")
            + 'states:\n  hello: &bye\n    hangup: "Bye."\n' + states)


def nested(depth: int) -> str:
    """A flow with a fact nested `depth` lists deep, on line 8."""
    return (HEAD.format(id="deep", number="+15555550102")
            + "facts:\n  menu: " + "[" * depth + "]" * depth + "\nstates:\n  hello:\n    hangup: true\n")


def many_states(count: int) -> str:
    """A valid flow of `count` states said one after another: at 800 close to the limit on
    values (5,000), the most work a file may give the watcher (about a second to load)."""
    states = "".join(f'  s{i}:\n    say: "Step {i}."\n    next: s{i + 1}\n' for i in range(count))
    return (HEAD.format(id="big", number="+15555550103")
            + "states:\n  hello:\n    say: \"Hello.\"\n    next: s0\n" + states
            + f'  s{count}:\n    hangup: "Bye."\n')


def save_in_pieces(path: Path, text: str, between: Callable[[], None], pieces: int = 10) -> None:
    """Write a file in pieces, as a slow upload or an editor saving a big file does, and
    `between` them (a call): the watcher sees it half-written too."""
    data = text.encode()
    step = len(data) // pieces + 1
    with path.open("wb") as out:
        for start in range(0, len(data), step):
            out.write(data[start:start + step])
            out.flush()
            between()
