"""Reading YAML so that every key, value and list item still knows its line in the file.

ruamel.yaml's round-trip loader is used (not PyYAML) because it keeps line/column
information on every mapping and sequence: without it, errors could only say *what* is
wrong, not *where*. Plain scalars (str, int, ...) carry no position themselves, so
positions are always asked of the container that holds them. All lines returned here are
1-based, as editors show them.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

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


def parse_yaml(text: str, file: str) -> Any:
    """Parse `text`; a syntax error becomes a FlowLoadError with one Problem at its line.

    Duplicate keys are syntax errors too (ruamel refuses them), which matters here: a
    state defined twice would otherwise silently replace the first.
    """
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
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


def node_line(node: Any, default: int = 1) -> int:
    """Line where a mapping or sequence starts; `default` for scalars (which have none)."""
    if isinstance(node, CommentedMap | CommentedSeq):
        return int(node.lc.line) + 1
    return default


def key_line(mapping: CommentedMap, key: Any) -> int:
    return int(mapping.lc.key(key)[0]) + 1


def value_line(mapping: CommentedMap, key: Any) -> int:
    """Line of the value under `key`.

    An empty value (`key:` with nothing after it) is reported by ruamel at the *next*
    line, and a block mapping/sequence at its first child; the key's own line is what a
    reader expects in the first case, so that is used for None.
    """
    if mapping[key] is None:
        return key_line(mapping, key)
    return int(mapping.lc.value(key)[0]) + 1


def item_line(seq: CommentedSeq, index: int) -> int:
    return int(seq.lc.item(index)[0]) + 1
