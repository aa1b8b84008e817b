"""How a call's journal events become the note's sentences: the helpers every wording uses,
and the index of the step kinds that word their own events.

Step kinds (`voicebot.engine.steps`) file themselves here as they register, so the note
(`voicebot.notes`), which the services write, finds a kind's sentences without importing
the engine, which sits above the services. A flow exists only once the loader has compiled
it with the registered kinds, so a note of a call of a loaded flow always finds them.
"""

from __future__ import annotations

from typing import Any, Protocol

from voicebot.flows.model import Flow


class Event(Protocol):
    """A journal event as the note reads it (a stored `CallEvent` row is one)."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


class Worded(Protocol):
    """A step kind, as far as the note needs it."""

    def note(self, event: Event, flow: Flow | None, lang: str) -> str: ...


_BY_EVENT: dict[str, Worded] = {}


def file_wording(event_kind: str, kind: Worded) -> None:
    """Say that `kind` words the journal events of `event_kind`."""
    _BY_EVENT[event_kind] = kind


def worded_by(event_kind: str) -> Worded | None:
    """The kind whose module words this journal event, if any does."""
    return _BY_EVENT.get(event_kind)


def sentence(text: str) -> str:
    """`text` ending as a sentence: a full stop unless it already ends like one."""
    return text if text.rstrip().endswith((".", "!", "?", "»", "\u201d")) else text.rstrip() + "."


def role_name(flow: Flow | None, role: str) -> str:
    """A staff role as the flow's `roles:` name it; the role id when the flow has none."""
    return flow.role_names.get(role, role) if flow else role
