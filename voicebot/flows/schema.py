"""A small validation kit in the style of Home Assistant's config checks.

A *check* is a function `Node -> value` that converts a YAML value into what the compiled
flow needs, or raises `Invalid` saying what was expected. `check_mapping` applies a schema
(key -> `Key`) to a mapping and keeps going after a failure, so one pass over a file
finds every problem in it, each reported with its line, key path and the value found.

Checks that contain other checks (mappings, lists) report their children's problems
themselves and then raise `Reported`, which tells the parent to give up on the value
without reporting it a second time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from voicebot.flows.errors import Problem
from voicebot.flows.yamlsource import (
    CommentedMap,
    CommentedSeq,
    item_line,
    key_line,
    value_line,
)

T = TypeVar("T")
Check = Callable[["Node"], Any]

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Invalid(Exception):
    """A value is not what its key needs. `message` says what was expected."""

    def __init__(self, message: str, *, show_got: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.show_got = show_got


class Reported(Exception):
    """The problems inside this value are already reported; the parent just drops it."""


@dataclass(frozen=True)
class Ref:
    """A name used somewhere in the file (a target, role, group or placeholder) and where."""

    name: str
    line: int
    path: str


@dataclass
class Context:
    """Everything collected while checking one file: problems, and names to check later.

    Names are collected while checking and resolved afterwards because a target or role may
    be used above the place where it is defined.
    """

    file: str
    stem_language: str = "english"
    problems: list[Problem] = field(default_factory=list)
    state: str = ""
    """The state being checked, so targets found inside it become edges from it."""
    targets: list[tuple[str, Ref]] = field(default_factory=list)
    roles: list[Ref] = field(default_factory=list)
    groups: list[Ref] = field(default_factory=list)
    placeholders: list[Ref] = field(default_factory=list)
    quote_placeholders: list[tuple[Ref, frozenset[str]]] = field(default_factory=list)
    """Placeholders of `quotes:` texts, each with the names allowed there besides facts and
    built-ins: a quote is written outside the call, so call variables are not among them."""
    callback_placeholders: list[Ref] = field(default_factory=list)
    """Placeholders of a callback rule being checked, before its trigger is known."""
    trigger_placeholders: list[tuple[Ref, frozenset[str], bool]] = field(default_factory=list)
    """Placeholders of callback rules: the names their trigger adds, and whether the cause
    call's variables are known then."""
    var_uses: list[Ref] = field(default_factory=list)
    assignee_uses: list[Ref] = field(default_factory=list)
    visit_steps: list[int] = field(default_factory=list)
    """Lines of `visit` steps: they need a rule that calls about a visit."""
    queues: set[str] = field(default_factory=set)
    queue_uses: list[Ref] = field(default_factory=list)
    service_uses: list[Ref] = field(default_factory=list)
    """Services of the `quotes:` catalogue named by choices, each where it is written."""
    variables: dict[str, Ref] = field(default_factory=dict)
    default_fallback: str = ""
    """The flow's `fallback`, used by steps that may leave out their own."""
    http_hosts: list[tuple[str, Ref]] = field(default_factory=list)
    """Hosts `http` steps send to (host[:port], where the URL is): each must be on the
    flow's `http_hosts` allow-list."""

    def report(self, line: int, path: str, message: str, got: str | None = None) -> None:
        self.problems.append(Problem(self.file, line, path, message, got))


def describe(value: Any) -> str:
    """The value found, as shown after 'got': YAML spelling for scalars, kind for containers."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, CommentedMap | dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list" if value else "an empty list"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return repr(str(value))


def join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


@dataclass(frozen=True)
class Node:
    """A YAML value with its line and key path, ready to be checked."""

    value: Any
    line: int
    path: str
    ctx: Context

    def fail(self, message: str, *, show_got: bool = True) -> None:
        self.ctx.report(self.line, self.path, message, describe(self.value) if show_got else None)

    def child(self, key: Any) -> Node:
        mapping: CommentedMap = self.value
        value = mapping[key]
        # A nested block starts on the line of its key, which is where a reader looks.
        if value is None or isinstance(value, CommentedMap | CommentedSeq):
            line = key_line(mapping, key)
        else:
            line = value_line(mapping, key)
        return Node(value, line, join(self.path, key), self.ctx)

    def items(self) -> list[Node]:
        seq: CommentedSeq = self.value
        return [
            Node(item, item_line(seq, i), f"{self.path}[{i}]", self.ctx)
            for i, item in enumerate(seq)
        ]


def run(check: Check, node: Node) -> Any:
    """Apply `check`, reporting `Invalid`; raises `Reported` so callers can skip the value."""
    try:
        return check(node)
    except Invalid as exc:
        node.fail(exc.message, show_got=exc.show_got)
        raise Reported from exc


def suggest(word: str, options: Collection[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown(word: str, options: Collection[str], what: str) -> str:
    guess = suggest(word, options)
    if guess is not None:
        return f"unknown {what}, did you mean {guess!r}?"
    return f"unknown {what}; expected one of: {', '.join(sorted(options))}"


@dataclass(frozen=True)
class Key:
    check: Check
    required: bool = False
    default: Any = None


Schema = Mapping[str, Key]


def require_mapping(node: Node, what: str = "a mapping") -> CommentedMap:
    if not isinstance(node.value, CommentedMap):
        node.fail(f"expected {what}")
        raise Reported
    return node.value


def check_mapping(
    node: Node,
    schema: Schema,
    *,
    skip: Collection[str] = (),
    what: str = "a mapping",
    noun: str = "key",
) -> dict[str, Any]:
    """Check every key of a mapping against `schema`; defaults fill in absent optional keys.

    Keys in `skip` are accepted unchecked (the caller handles them). Raises `Reported` after
    checking all keys if any of them failed.
    """
    values, ok = check_mapping_partly(node, schema, skip=skip, what=what, noun=noun)
    if not ok:
        raise Reported
    return values


def check_mapping_partly(
    node: Node,
    schema: Schema,
    *,
    skip: Collection[str] = (),
    what: str = "a mapping",
    noun: str = "key",
) -> tuple[dict[str, Any], bool]:
    """Like `check_mapping`, but returns the values that did pass and whether all did.

    Whole-file checks use the partial result so that, say, a typo in one fact does not
    also make every role in the file look undefined.
    """
    mapping = require_mapping(node, what)
    values: dict[str, Any] = {}
    ok = True
    for key in mapping:
        if key in skip:
            continue
        line = key_line(mapping, key)
        if not isinstance(key, str):
            node.ctx.report(line, join(node.path, key), "keys must be words", describe(key))
            ok = False
            continue
        spec = schema.get(key)
        if spec is None:
            node.ctx.report(line, join(node.path, key), unknown(key, schema, noun))
            ok = False
            continue
        try:
            values[key] = run(spec.check, node.child(key))
        except Reported:
            ok = False
    for key, spec in schema.items():
        if key in mapping:
            continue
        if spec.required:
            node.ctx.report(node.line, node.path, f"missing required key {key!r}")
            ok = False
        else:
            values[key] = spec.default
    return values, ok


def list_of(item: Check, *, single: bool = True, min_items: int = 0) -> Check:
    """A list of `item`s; with `single`, one bare item stands for a list of one."""

    def check(node: Node) -> tuple[Any, ...]:
        if not isinstance(node.value, CommentedSeq):
            if single and node.value is not None:
                return (run(item, node),)
            raise Invalid("expected a list")
        if len(node.value) < min_items:
            raise Invalid(f"expected at least {min_items} item{'s' if min_items > 1 else ''}")
        results: list[Any] = []
        failed = False
        for child in node.items():
            try:
                results.append(run(item, child))
            except Reported:
                failed = True
        if failed:
            raise Reported
        return tuple(results)

    return check


def list_with_ids(item: Check, ident: Callable[[Any], tuple[str, int]], *, what: str,
                  noun: str) -> Check:
    """A non-empty list of `item`s, each with an id unique in the list; `ident` gives an
    item's (id, line). Ids are compared among the items that compiled, so a typo elsewhere
    in the list does not hide a duplicate."""

    def check(node: Node) -> tuple[Any, ...]:
        if not isinstance(node.value, CommentedSeq) or not node.value:
            raise Invalid(f"expected {what}")
        found: list[tuple[Any, str]] = []
        failed = False
        for child in node.items():
            try:
                found.append((run(item, child), child.path))
            except Reported:
                failed = True
        seen: dict[str, int] = {}
        for value, path in found:
            key, line = ident(value)
            if key in seen:
                node.ctx.report(line, f"{path}.id", f"{noun} id already used at line {seen[key]}",
                                repr(key))
                failed = True
            seen.setdefault(key, line)
        if failed:
            raise Reported
        return tuple(value for value, _path in found)

    return check


def dict_of(key: Check, value: Check, *, what: str = "a mapping") -> Check:
    """A mapping with free keys: each key is checked by `key`, each value by `value`."""

    def check(node: Node) -> dict[Any, Any]:
        mapping = require_mapping(node, what)
        results: dict[Any, Any] = {}
        failed = False
        for k in mapping:
            child = node.child(k)
            try:
                name = run(key, Node(k, key_line(mapping, k), child.path, node.ctx))
                results[name] = run(value, child)
            except Reported:
                failed = True
        if failed:
            raise Reported
        return results

    return check


def string(node: Node) -> str:
    if not isinstance(node.value, str) or not node.value.strip():
        raise Invalid("expected text")
    return str(node.value)


def scalar_text(node: Node) -> str:
    """Text, also accepting a bare number (facts like `price: 85`); booleans are too ambiguous."""
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return str(node.value)
    if isinstance(node.value, str):
        return str(node.value)
    raise Invalid("expected text or a number")


def identifier(node: Node) -> str:
    if not isinstance(node.value, str) or not IDENTIFIER.match(node.value):
        raise Invalid("expected a name of letters, digits and _ (not starting with a digit)")
    return str(node.value)


def pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex)

    def check(node: Node) -> str:
        if not isinstance(node.value, str) or not compiled.match(node.value):
            raise Invalid(f"expected {what}")
        return str(node.value)

    return check


def boolean(node: Node) -> bool:
    if not isinstance(node.value, bool):
        raise Invalid("expected true or false")
    return node.value


def integer(minimum: int = 0) -> Check:
    def check(node: Node) -> int:
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise Invalid(f"expected a whole number >= {minimum}")
        if node.value < minimum:
            raise Invalid(f"expected a whole number >= {minimum}")
        return int(node.value)

    return check


def whole_number(node: Node) -> int:
    if isinstance(node.value, bool) or not isinstance(node.value, int):
        raise Invalid("expected a whole number")
    return int(node.value)


def positive_number(node: Node) -> float:
    if isinstance(node.value, bool) or not isinstance(node.value, int | float):
        raise Invalid("expected a number > 0")
    if node.value <= 0:
        raise Invalid("expected a number > 0")
    return float(node.value)


def one_of(*options: str) -> Check:
    def check(node: Node) -> str:
        if not isinstance(node.value, str) or node.value not in options:
            word = node.value if isinstance(node.value, str) else ""
            guess = suggest(word, options) if word else None
            hint = f", did you mean {guess!r}?" if guess else ""
            raise Invalid(f"expected one of: {', '.join(options)}{hint}")
        return str(node.value)

    return check
