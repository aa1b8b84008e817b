"""Fuzzing the flow loader (issue 12, item 14): whatever is in a flow file, loading it gives
either a flow or `FILE:LINE: message` problems, never an exception, and quickly.

Two properties, each bounded to run in well under a minute together:
- a valid flow with wrong values put at any of its keys (every type YAML can say, huge and
  odd text, deep lists), dumped back to YAML;
- a valid flow's text with hostile pieces spliced in anywhere: merge keys, anchors and
  aliases (including ones that refer to themselves), unclosed and deep brackets, tabs, NUL
  and other control characters, a byte-order mark, tags, directives, invalid UTF-8.
The hostile files too big for a property (100,000 merge keys, 10,000 levels) are in
test_hostile.py, the small ones with their exact messages in broken/.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from voicebot.compiler.loader import LoadedFile, read_flow
from voicebot.flows.errors import FlowLoadError

VALID = Path(__file__).parent / "valid" / "omega.yaml"
SOURCE = VALID.read_text()
SECONDS = 5.0
"""Per file: a valid flow loads in about 0.05 s here, a refused one faster; five seconds
leaves room for a busy CI machine and still catches a parse that goes superlinear."""

FUZZ = settings(
    max_examples=300,
    deadline=dt.timedelta(seconds=SECONDS),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Most hostile texts are refused within milliseconds: 300 of each take a few seconds."""
FUZZ_VALID = settings(FUZZ, max_examples=80)
"""A flow that still parses is compiled in full (about 0.1 s): 80 take about 15 s."""


def paths_of(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in a parsed flow, outermost first."""
    if isinstance(node, CommentedMap):
        items: Any = node.items()
    elif isinstance(node, CommentedSeq):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from paths_of(child, (*prefix, key))


PATHS = list(paths_of(YAML(typ="rt").load(SOURCE)))

odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from([
    "", " ", "\t", "\x00", "a\x00b", "\u202eevil", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "{name}", "{", "}}", "{{", "{nope}",
    "restart", "hangup", "<<", "*", "&", "~", "null", "yes", "no", "0x1F", "1e400", "-0",
    "+15555550100", "+" + "9" * 40, "99:99-00:00", "mon-fri", "Mars/Olympus", "ru-RU",
    "x" * 100_000,
])
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | odd_text
           | st.dates() | st.datetimes())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(odd_text | st.integers() | st.booleans(), inner, max_size=4),
    max_leaves=12,
) | st.integers(min_value=1, max_value=18).map(lambda depth: nested_list(depth))


def nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def set_at(root: Any, path: tuple[Any, ...], value: Any) -> None:
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value


def dump(data: Any) -> bytes:
    out = io.StringIO()
    YAML(typ="rt").dump(data, out)
    return out.getvalue().encode("utf-8")


_folder = Path(tempfile.mkdtemp(prefix="voicebot-fuzz-"))


def load_or_report(raw: bytes) -> LoadedFile | None:
    """Load `raw` as a flow file: a flow, or problems that each name the file and a line in
    it. Anything else (an exception, a problem without a line, too long) fails the test."""
    path = _folder / "fuzzed.yaml"
    path.write_bytes(raw)
    lines = raw.count(b"\n") + 1
    started = time.monotonic()
    try:
        loaded: LoadedFile | None = read_flow(path, display_name="flows/fuzzed.yaml", folder=_folder)
    except FlowLoadError as exc:
        assert exc.problems, "a refusal must say why"
        for problem in exc.problems:
            assert problem.file == "flows/fuzzed.yaml"
            assert 1 <= problem.line <= lines + 1, str(problem)
            assert re.fullmatch(r"flows/fuzzed\.yaml:\d+: \S.*", str(problem), re.S), str(problem)
        loaded = None
    assert time.monotonic() - started < SECONDS
    return loaded


def test_the_unchanged_flow_loads() -> None:
    """The properties below start from a valid flow; it must load as it is."""
    assert load_or_report(SOURCE.encode()) is not None
    assert len(PATHS) > 100


@FUZZ_VALID
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3))
def test_wrong_values_at_any_key_are_reported_not_raised(
    changes: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = YAML(typ="rt").load(SOURCE)
    for path, value in changes:
        try:
            set_at(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced what this path went through
    load_or_report(dump(data))


HOSTILE = [
    "<<: *base\n", "  <<: *base\n", "<<: [*a, *b]\n", "&base ", "&a ", "*a", "*base", "&a [*a]\n",
    "- &x\n  - *x\n", "[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]", "{{{{{{{{{{", "}", "? [a, b]\n: c\n",
    "\t", "\x00", "\x07", "\x1b[31m", "\ufeff", "\u2028", "\r", "\r\n", "\\", '"', "'",
    "%YAML 1.2\n---\n", "---\n", "...\n", "!!python/object/apply:os.system [ls]\n", "!!binary AAAA\n",
    "!custom ", "!!map ", "!!str ", "key: value\n", "states:\n", "  x:\n    hangup: true\n",
    "flow: other\n", "#", ": ", "- ", "|\n", ">-\n", "a" * 5_000, "\n" * 200,
]
hostile_bytes = st.sampled_from(HOSTILE).map(str.encode) | st.binary(max_size=12) | odd_text.map(str.encode)


@FUZZ
@given(pieces=st.lists(st.tuples(st.integers(min_value=0), hostile_bytes), min_size=1, max_size=6))
# Found by the fuzzer: an alias where a list of texts was, whose items keep no line (yamlsource.item_line).
@example(pieces=[(1, b"*base"), (25891, b"!custom ")])
def test_hostile_pieces_anywhere_in_a_flow_are_reported_not_raised(
    pieces: list[tuple[int, bytes]],
) -> None:
    raw = SOURCE.encode()
    for position, piece in pieces:
        at = position % (len(raw) + 1)
        raw = raw[:at] + piece + raw[at:]
    load_or_report(raw)


anchor_names = st.sampled_from(["a", "b", "c"])
documents = st.recursive(
    st.sampled_from(["x", "1", "~", "''", "<<", "*a", "*b", "*c"]),
    lambda inner: st.lists(inner, max_size=5).map(lambda items: "[" + ", ".join(items) + "]")
    | st.lists(st.tuples(st.sampled_from(["k", "<<", "flow", "states", "hello"]), inner), max_size=5).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")
    | st.tuples(anchor_names, inner).map(lambda pair: f"&{pair[0]} {pair[1]}"),
    max_leaves=40,
)


@FUZZ
@given(body=documents)
def test_generated_anchors_aliases_and_merges_are_reported_not_raised(body: str) -> None:
    load_or_report(("flow: fuzz\nfacts: " + body + "\n").encode())
