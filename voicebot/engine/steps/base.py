"""What a step kind is, and the one registry of them.

A step kind is one module in this package: the frozen dataclass a state compiles to, the
schema of its YAML keys, its compile step, what it does when the call enters it (`run`) and
when Twilio reports back on it (`resume`), its ways out (graph edges), and the sentences the
journal writes for the events it records. The module registers one `StepKind` subclass with
`@register`, the way Home Assistant's `Registry` decorator files handlers by name and
pipecat-flows and `transitions` keep node kinds in one table; the flow loader, the
interpreter, the flow pictures and the call note all look kinds up here, so adding a kind
is one new module (plus docs and tests) and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Literal, TypeVar

from voicebot.engine.turn import Reply, Turn
from voicebot.flows import fields
from voicebot.flows.errors import FlowError, FlowRuntimeError
from voicebot.flows.model import Choice, Flow, Source, StepBase
from voicebot.flows.schema import Key, Node, Schema

# Event and sentence are part of what a step kind module imports from here (explicit
# re-exports: mypy --strict reads no implicit one).
from voicebot.flows.wording import Event as Event
from voicebot.flows.wording import file_wording, worded_by
from voicebot.flows.wording import sentence as sentence
from voicebot.language.scorer import Pattern

S = TypeVar("S", bound=StepBase)


@dataclass(frozen=True)
class Edge:
    """One way out of a step, labelled for the flow picture."""

    source: str
    target: str
    label: str


Words = Mapping[str, Mapping[str, str]]
"""Sentences by note language ("en", "ru"), then by name."""


class StepKind(Generic[S]):
    """One kind of step. Subclasses set the class attributes and override what differs."""

    key: ClassVar[str]
    """The YAML key that names the kind in a state (`say:`, `ask:`, ...)."""
    rank: ClassVar[int]
    """Where the kind stands when kinds are listed (the loader's messages): common first."""
    step: type[S]
    """The compiled dataclass."""
    schema: ClassVar[Schema]
    waits: ClassVar[bool] = False
    """Whether the step waits for Twilio or ends the call: a loop through one cannot spin."""
    resumes_on: ClassVar[frozenset[str]] = frozenset()
    """The continuation events (`gather`, `dial`, ...) Twilio reports for this step."""
    notes: ClassVar[tuple[str, ...]] = ()
    """The journal events this kind records and words in the call note (`note`)."""
    words: ClassVar[Words] = {}
    """The note's sentences for those events, by language then name."""

    def found(self, node: Node) -> None:
        """A state of this kind is in the file, whether or not its keys check out: for rules
        about the whole file (the loader checks them after every state)."""

    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> S:
        """The checked values of one state (`values`, by key of `schema`) as a step."""
        raise NotImplementedError

    def link(self, step: S, anywhere: tuple[Choice, ...],  # noqa: ARG002  ask links them;
             family: Literal["en", "ru"],  # noqa: ARG002  the default needs none of them
             catalogue: Mapping[str, tuple[Pattern, ...]] = MappingProxyType({}),  # noqa: ARG002
             things: Mapping[str, frozenset[tuple[str, ...]]] = MappingProxyType({}),  # noqa: ARG002
             ) -> S:
        """Finish a compiled step once the flow's `anywhere` choices and language are known;
        most kinds need nothing."""
        return step

    def run(self, turn: Turn, step: S) -> str | None:
        """Enter the step: the next state, or None when it waits for Twilio (or ended)."""
        raise NotImplementedError

    def resume(self, turn: Turn, step: S, event: str,
               reply: Reply) -> str | None:  # noqa: ARG002  a kind that waits reads it
        """Twilio's report on the step (`event` is one of `resumes_on`): the next state, or
        None when the call waits again or is over."""
        raise FlowRuntimeError(f"unexpected {event!r} event for a {self.key} step",
                               flow=turn.flow.id, state=step.id, where=str(step.source))

    def edges(self, step: S) -> list[Edge]:
        """Every way out of the step, in the order the file gives them."""
        raise NotImplementedError

    def note(self, event: Event, flow: Flow | None,  # noqa: ARG002  kinds naming roles read it
             lang: str) -> str:
        """The note's sentence for one of the events in `notes`; "" to leave it out."""
        return sentence(self.words[lang][event.kind].format(text=event.text))


KINDS: dict[str, StepKind[Any]] = {}
"""Kinds by YAML key, in `rank` order (the order error messages list them)."""
_BY_TYPE: dict[type, StepKind[Any]] = {}

K = TypeVar("K", bound=type[StepKind[Any]])


def register(cls: K) -> K:
    """Class decorator: file a step kind under its key, its step type and its events."""
    kind = cls()
    clashes = [f"key {kind.key!r}"] if kind.key in KINDS else []
    clashes += [f"step type {kind.step.__name__}"] if kind.step in _BY_TYPE else []
    clashes += [f"journal event {e!r}" for e in _events(kind) if worded_by(e) is not None]
    if clashes:
        raise FlowError(f"step kind {cls.__name__} takes what another kind has: "
                        + ", ".join(clashes))
    ranked = sorted([*KINDS.values(), kind], key=lambda k: (k.rank, k.key))
    KINDS.clear()
    KINDS.update((k.key, k) for k in ranked)
    _BY_TYPE[kind.step] = kind
    for event in _events(kind):
        file_wording(event, kind)  # for the note, which may not import the engine
    return cls


def _events(kind: StepKind[Any]) -> set[str]:
    return set(kind.notes)


def kind_of(step: StepBase) -> StepKind[Any]:
    """The registered kind of a compiled step."""
    return _BY_TYPE[type(step)]


# --- shared pieces of kinds -------------------------------------------------------------------


def next_key(required: bool = True) -> Key:
    """A key naming the state to go to."""
    return Key(fields.target, required=required)
