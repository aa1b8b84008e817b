"""Reading YAML so that every key, value and list item still knows its line in the file.

ruamel.yaml's round-trip loader is used (not PyYAML) because it keeps line/column
information on every mapping and sequence: without it, errors could only say *what* is
wrong, not *where*. Plain scalars (str, int, ...) carry no position themselves, so
positions are always asked of the container that holds them. All lines returned here are
1-based, as editors show them.

A flow file may be hostile (or just a mistake: a generated file, a file pasted twice).
ruamel.yaml is pure Python: merge keys cost it far worse than linear time (a thousand take
seconds, a hundred thousand minutes), its composer recurses once per level of nesting, and
aliases let a few lines stand for millions of values. So before ruamel builds anything, the
file's events are counted by libyaml's C parser (through PyYAML), which reads even a
megabyte in milliseconds, and a file over any limit below is refused with the line where it
went over. The limits are generous: the largest shipped flow has about 1,200 values, nests 7
levels, and uses 4 aliases and no merge keys.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from voicebot.flows.errors import FlowLoadError, Problem

__all__ = [
    "CommentedMap",
    "CommentedSeq",
    "item_line",
    "key_line",
    "node_line",
    "parse_yaml",
    "value_line",
]

MAX_DEPTH = 20
"""Levels of nesting (the top mapping is the first)."""
MAX_VALUES = 5_000
"""Scalars, mappings and sequences, each alias counted as all the values it stands for."""
MAX_ALIASES = 100
MAX_ANCHORS = 50
MAX_MERGE_KEYS = 20

TOO_DEEP = f"nested too deeply: a flow file may nest at most {MAX_DEPTH} levels"

_FAST_LOADER: Any = getattr(pyyaml, "CBaseLoader", None)
"""libyaml's parser; None where PyYAML was built without it (then ruamel counts, slower)."""


@dataclass
class _Open:
    """A mapping or sequence whose end has not been reached yet."""

    anchor: str | None
    mapping: bool
    values: int = 1
    """Values so far, itself included, aliases expanded."""
    key_next: bool = True
    """In a mapping: whether the next node is a key."""


def check_shape(events: Iterable[Any], file: str) -> None:
    """Count `events` (PyYAML's or ruamel's, which share names and fields) and raise
    FlowLoadError at the first limit exceeded; the file is never composed then."""
    shape = _Shape(file)
    for event in events:
        shape.see(event)


@dataclass
class _Shape:
    """The counts `check_shape` keeps while the events go by."""

    file: str
    stack: list[_Open] = field(default_factory=list)
    anchored: dict[str, int] = field(default_factory=dict)
    """Values each anchor stands for, so an alias counts as all of them."""
    total: int = 0
    aliases: int = 0
    anchors: int = 0
    merge_keys: int = 0

    def see(self, event: Any) -> None:
        kind = type(event).__name__
        line = event.start_mark.line + 1
        # An alias names its anchor in the same field; only other nodes define one.
        anchor = None if kind == "AliasEvent" else getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors += 1
            self._limit(self.anchors, MAX_ANCHORS, line, "too many anchors (&name): a flow "
                        f"file may define at most {MAX_ANCHORS}")
        if kind == "AliasEvent":
            values = self._alias(event, line)
        elif kind == "ScalarEvent":
            values = self._scalar(event, line)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            self._start(anchor, kind == "MappingStartEvent", line)
            values = 0  # counted when it ends, with everything inside it
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            self._end()
            return
        else:
            return  # stream and document boundaries
        if values:
            if anchor is not None:
                self.anchored[anchor] = values
            self.total += values
            self._done(values)
        self._limit(self.total, MAX_VALUES, line, f"too large: a flow file may hold at most "
                    f"{MAX_VALUES} values, counting each alias as the values it stands for")

    def _limit(self, count: int, limit: int, line: int, message: str) -> None:
        if count > limit:
            raise FlowLoadError([Problem(self.file, line, "", message)])

    def _alias(self, event: Any, line: int) -> int:
        self.aliases += 1
        self._limit(self.aliases, MAX_ALIASES, line, "too many aliases (*name): a flow file "
                    f"may use at most {MAX_ALIASES}")
        if any(o.anchor == event.anchor for o in self.stack):
            # ruamel would build a value that contains itself (and fails on some).
            raise FlowLoadError([Problem(self.file, line, "",
                                         f"alias *{event.anchor} is inside the value it names")])
        return self.anchored.get(event.anchor, 1)

    def _scalar(self, event: Any, line: int) -> int:
        if (event.value == "<<" and event.style in (None, "") and self.stack
                and self.stack[-1].mapping and self.stack[-1].key_next):
            self.merge_keys += 1
            self._limit(self.merge_keys, MAX_MERGE_KEYS, line, "too many merge keys (<<): a "
                        f"flow file may use at most {MAX_MERGE_KEYS}")
        return 1

    def _start(self, anchor: str | None, mapping: bool, line: int) -> None:
        self.stack.append(_Open(anchor, mapping))
        self._limit(len(self.stack), MAX_DEPTH, line, TOO_DEEP)
        self.total += 1

    def _end(self) -> None:
        closed = self.stack.pop()
        if closed.anchor is not None:
            self.anchored[closed.anchor] = closed.values
        self._done(closed.values)

    def _done(self, values: int) -> None:
        """A node of `values` values is complete inside the innermost open collection."""
        if self.stack:
            self.stack[-1].values += values
            self.stack[-1].key_next = not self.stack[-1].key_next if self.stack[-1].mapping else True


def _fast_events(text: str) -> Iterator[Any]:
    if _FAST_LOADER is None:
        return iter(())
    return pyyaml.parse(text, Loader=_FAST_LOADER)


def parse_yaml(text: str, file: str) -> Any:
    """Parse `text`; a syntax error or a file over the limits above becomes a FlowLoadError
    with one Problem at its line.

    Duplicate keys are syntax errors too (ruamel refuses them), which matters here: a
    state defined twice would otherwise silently replace the first.
    """
    counted = _FAST_LOADER is not None
    try:
        check_shape(_fast_events(text), file)
    except pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if getattr(exc, "problem", None) == "exceeded maximum nesting depth" and mark is not None:
            # libyaml's own limit (1,000 levels, met while it reads ahead along a line of
            # brackets, before it hands over the 21st level) is far past ours.
            raise FlowLoadError([Problem(file, mark.line + 1, "", TOO_DEEP)]) from None
        # libyaml stops at something else (a syntax error; or YAML 1.2 it reads otherwise):
        # ruamel counts for itself below, and says what is wrong in its own words.
        counted = False
    with _reported(file, text):
        if not counted:
            check_shape(YAML(typ="rt").parse(text), file)
        return YAML(typ="rt").load(text)


@contextlib.contextmanager
def _reported(file: str, text: str) -> Iterator[None]:
    """ruamel's errors as one Problem at their line."""
    try:
        yield
    except FlowLoadError:
        raise  # already a problem (a limit)
    except ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        line = text[: exc.position].count("\n") + 1
        raise FlowLoadError([Problem(file, line, "", f"invalid YAML: {exc.reason}",
                                     f"U+{exc.character:04X}" if isinstance(exc.character, int)
                                     else repr(exc.character))]) from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = exc.problem or exc.context or "not valid YAML"
        # ruamel quotes both values of a duplicate key in full; the key is what matters.
        message = message.split(" with value ", 1)[0]
        # The real mistake is often where the construct began (an unclosed bracket),
        # which ruamel gives as the context.
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise FlowLoadError([Problem(file, line, "", f"invalid YAML: {message}")]) from exc
    except YAMLError as exc:
        raise FlowLoadError([Problem(file, 1, "", f"invalid YAML: {exc}")]) from exc
    except Exception as exc:  # ruamel.yaml failing inside on odd input: still the file's problem
        raise FlowLoadError([Problem(file, 1, "", "invalid YAML: it cannot be read",
                                     type(exc).__name__)]) from exc


def node_line(node: Any, default: int = 1) -> int:
    """Line where a mapping or sequence starts; `default` for scalars (which have none)."""
    if isinstance(node, CommentedMap | CommentedSeq):
        return int(node.lc.line) + 1
    return default


def _line(mapping: CommentedMap, key: Any, field: int) -> int:
    """Line of `key` (field 0) or of its value (field 2). A key that came in through a merge
    key (`<<: *base`) has no position in the mapping it was merged into: its line is where
    the mapping it came from says it, or else where this mapping starts."""
    positions = mapping.lc.data
    if positions is not None and key in positions:
        return int(positions[key][field]) + 1
    for source in getattr(mapping, "merge", None) or ():
        if isinstance(source, CommentedMap) and key in source:
            return _line(source, key, field)
    return node_line(mapping)


def key_line(mapping: CommentedMap, key: Any) -> int:
    return _line(mapping, key, 0)


def value_line(mapping: CommentedMap, key: Any) -> int:
    """Line of the value under `key`.

    An empty value (`key:` with nothing after it) is reported by ruamel at the *next*
    line, and a block mapping/sequence at its first child; the key's own line is what a
    reader expects in the first case, so that is used for None.
    """
    if mapping[key] is None:
        return key_line(mapping, key)
    return _line(mapping, key, 2)


def item_line(seq: CommentedSeq, index: int) -> int:
    """Line of item `index`. A sequence reached through an alias (`*base`) may carry no
    position for its items; its own line is then the best a reader can be told."""
    position = seq.lc.item(index) if seq.lc.data is not None else None
    return int(position[0]) + 1 if position is not None else node_line(seq)
