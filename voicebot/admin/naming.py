"""How the desk names a line's things for people: a flow by its name, a staff role and a
variable by the flow's `roles:` and `labels:`, a call's note in the desk's language; never
the ids the flow file uses inside."""

from __future__ import annotations

from voicebot import notes
from voicebot.admin import i18n
from voicebot.admin.formatting import desk_zone
from voicebot.flows.catalog import flow_or_none
from voicebot.flows.model import Flow
from voicebot.models import Call, Ticket

TICKET_FIELDS = {
    "transcript": "Transcript",
    "official": "Official (from a state body)",
    "recording_sid": "Recording",
}
"""Fields voicebot itself writes on tickets, named by the desk."""
VOICEMAIL_CODES = frozenset({"reason", "code"})
"""Reason codes on a voicemail's ticket, for the log and the tests: its text says why in
words."""


def flow(flow_id: str | None) -> Flow | None:
    if not flow_id:
        return None
    return flow_or_none(flow_id)


def line_name(flow_id: str | None) -> str:
    """The line as its flow names it ("автоцентр «Магистраль»"); the id of a removed flow."""
    found = flow(flow_id)
    return found.name if found else (flow_id or "—")


def role_name(flow_id: str | None, role: str) -> str:
    return notes.role_name(flow(flow_id), role)


def field_label(flow_id: str | None, name: str) -> str:
    if name in TICKET_FIELDS:
        return i18n.gettext(TICKET_FIELDS[name])
    return notes.label(flow(flow_id), name)


def shown_fields(ticket: Ticket) -> list[tuple[str, object]]:
    """A ticket's fields as (label, value), leaving out the empty and the internal."""
    hidden = VOICEMAIL_CODES if ticket.kind == "voicemail" else frozenset()
    return [(field_label(ticket.flow_id, k), v) for k, v in ticket.fields.items()
            if v and k not in hidden]


def stored_text(text: str | None) -> str:
    """A sentence voicebot stored in English (a callback's outcome, a delivery error): in the
    desk's language when it is one of the desk's strings; a Russian desk leaves out the rest
    rather than show English (the status beside it already says what happened)."""
    if not text:
        return ""
    if i18n.language() == "en" or text in i18n.RU:
        return i18n.gettext(text)
    return ""


def note(call: Call) -> str:
    """The call's note in the desk's language and time zone, written from its events; a call
    without events (a row imported from elsewhere) keeps the note it was stored with."""
    if not call.events and call.note:
        return call.note
    return notes.compose(call, flow(call.flow_id), i18n.language(), desk_zone())
