"""`visit`: write what the client said into the visit the call is about (RT-1, RT-2, RT-4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from typing_extensions import override

from voicebot.engine.steps.base import Edge, Event, StepKind, Words, next_key, register
from voicebot.engine.turn import Turn
from voicebot.flows import fields, texts
from voicebot.flows.errors import FlowRuntimeError
from voicebot.flows.model import VISIT_STATUSES, Flow, Source, StepBase, Text, VisitStatus
from voicebot.flows.schema import Key, Node, Schema, boolean, one_of


@dataclass(frozen=True)
class RecordVisit(StepBase):
    """Write what the client said into the visit the call is about (RT-1, RT-2, RT-4)."""

    status: VisitStatus
    next: str
    note: Text | None = None
    adult_contact: Text | None = None
    no_entry: bool | None = None


STATUS_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "ru": {"confirmed": "подтверждён", "canceled": "отменён", "rescheduled": "перенесён",
           "scheduled": "назначен", "not-reached": "не дозвонились"},
}


@register
class VisitKind(StepKind[RecordVisit]):
    key = "visit"
    rank = 120
    step = RecordVisit
    schema: ClassVar[Schema] = {
        "visit": Key(one_of(*VISIT_STATUSES), required=True),
        "note": Key(fields.joined_text),
        "adult_contact": Key(fields.value_text),
        "no_entry": Key(boolean),
        "next": next_key(),
    }
    notes = ("visit",)
    words: ClassVar[Words] = {
        "en": {"visit": "Visit #{id}: {status}.",
               "no entry": "Only a child under 14 is at home: the technician must not go in.",
               "adult": "Adult at home: {who}."},
        "ru": {"visit": "Выезд №{id}: {status}.",
               "no entry": "Дома только ребёнок младше 14 лет: мастеру нельзя входить.",
               "adult": "Взрослый дома: {who}."},
    }

    def found(self, node: Node) -> None:
        # Only a call placed about a visit can record one: the loader checks the flow has one.
        node.ctx.visit_steps.append(node.line)

    @override
    def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> RecordVisit:
        return RecordVisit(sid, src, status=values["visit"], next=values["next"],
                           note=values["note"], adult_contact=values["adult_contact"],
                           no_entry=values["no_entry"])

    def run(self, turn: Turn, step: RecordVisit) -> str | None:
        raw = str(turn.call.vars.get("visit_id") or "")
        vals = turn.values()
        visit = turn.effects.record_visit(
            int(raw), status=step.status,
            note=texts.render(step.note, vals).strip() if step.note is not None else None,
            adult_contact=(texts.render(step.adult_contact, vals)
                           if step.adult_contact is not None else None),
            no_entry=step.no_entry,
        ) if raw.isdigit() else None
        if visit is None:
            raise FlowRuntimeError("this call is about no visit (no visit_id)", flow=turn.flow.id,
                                   state=step.id, where=str(step.source), given=raw)
        turn.event("visit", step.status, visit_id=visit.id, no_entry=visit.no_entry,
                   adult_contact=visit.adult_contact)
        return step.next

    def edges(self, step: RecordVisit) -> list[Edge]:
        return [Edge(step.id, step.next, "next")]

    @override
    def note(self, event: Event, flow: Flow | None, lang: str) -> str:
        w, d = self.words[lang], event.data
        parts = [w["visit"].format(id=d.get("visit_id"),
                                   status=STATUS_NAMES[lang].get(event.text, event.text))]
        if d.get("adult_contact"):
            parts.append(w["adult"].format(who=d["adult_contact"]))
        if d.get("no_entry"):
            parts.append(w["no entry"])
        return " ".join(parts)
