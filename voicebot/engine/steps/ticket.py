"""`ticket`: open a ticket for a person (once per exchange) and go on.

Every ticket fires the flow's `ticket_created` rules; the effect that makes it does that."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, Event, StepKind, Words, next_key, register, sentence
from voicebot.engine.turn import Turn
from voicebot.flows import fields, texts
from voicebot.flows.model import Flow, Source, StepBase, Text
from voicebot.flows.schema import (
    Key,
    Node,
    Schema,
    boolean,
    dict_of,
    identifier,
    pattern,
    positive_number,
)
from voicebot.ticket_language import normalise


@dataclass(frozen=True)
class Ticket(StepBase):
    kind: str
    text: Text
    next: str
    assign: str | None = None
    urgent: bool = False
    due_hours: float | None = None
    fields: tuple[tuple[str, Text], ...] = ()


KIND_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "ru": {"callback": "перезвон", "question": "вопрос", "message": "сообщение",
           "request": "заявка", "note": "заметка", "disconnect": "отключение"},
}
"""Ticket kinds as a Russian dispatcher reads them; English reads the kind word itself."""


@register
class TicketKind(StepKind[Ticket]):
    key = "ticket"
    rank = 100
    step = Ticket
    schema: ClassVar[Schema] = {
        "ticket": Key(
            pattern(r"^[a-z][a-z0-9_-]*$", "a ticket kind word like callback"), required=True
        ),
        "text": Key(fields.joined_text, required=True),
        "assign": Key(fields.role),
        "urgent": Key(boolean, default=False),
        "due_hours": Key(positive_number),
        "fields": Key(dict_of(identifier, fields.value_text), default={}),
        "next": next_key(),
    }
    notes = ("ticket",)
    words: ClassVar[Words] = {
        "en": {"ticket": "Ticket #{id} opened ({kind}{urgent}): {text}", "urgent": ", urgent"},
        "ru": {"ticket": "Создана заявка №{id} ({kind}{urgent}): {text}", "urgent": ", срочно"},
    }

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Ticket:
        return Ticket(sid, src, kind=values["ticket"], text=values["text"], next=values["next"],
                      assign=values["assign"], urgent=values["urgent"],
                      due_hours=values["due_hours"], fields=tuple(values["fields"].items()))

    def run(self, turn: Turn, step: Ticket) -> str | None:
        vals = turn.values()
        made = turn.effects.create_ticket(
            turn.flow, turn.call, turn.now, key=turn.dedupe(step.id), kind=step.kind,
            text=normalise(texts.render(step.text, vals)), assign=step.assign,
            urgent=step.urgent, fields={name: texts.render(t, vals) for name, t in step.fields},
            due_at=turn.now + dt.timedelta(hours=step.due_hours) if step.due_hours else None,
        )
        if made is not None:  # None: a replayed webhook, the ticket is there already
            turn.event("ticket", made.text, ticket_id=made.id, ticket_kind=step.kind,
                       urgent=step.urgent)
        return step.next

    def edges(self, step: Ticket) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w, d = self.words[lang], event.data
        kind = str(d.get("ticket_kind"))
        return sentence(w["ticket"].format(
            id=d.get("ticket_id"), kind=KIND_NAMES[lang].get(kind, kind),
            urgent=w["urgent"] if d.get("urgent") else "", text=event.text))
