"""Telling a flow's staff by SMS about voicemails and quotes (OM-9): the members of the roles
its `quotes.notify` names, each message stored once per key in the outbox."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from voicebot.flows.model import Flow
from voicebot.models import Call
from voicebot.telephony import Telephony

log = logging.getLogger("voicebot.voicemail")


def line_number(flow: Flow, call: Call | None) -> str:
    """The number staff and callers get our SMS from: the one the caller dialled, if it is
    still the flow's, else the flow's first."""
    if call is not None and call.to_number in flow.numbers:
        return call.to_number
    return flow.numbers[0] if flow.numbers else ""


def notify(session: Session, telephony: Telephony, flow: Flow, *, body: str, call: Call | None,
           key: str) -> list[int]:
    """Queue `body` to every member of the notify roles; returns the message ids to deliver
    after the commit. `key` makes it once per member, however often this runs."""
    roles = flow.quotes.notify if flow.quotes else ()
    if not roles:
        log.warning("flow %s names no staff to notify (quotes.notify); only the desk shows: %s",
                    flow.id, body)
        return []
    ids = []
    for role in roles:
        for member in flow.members(role):
            message = telephony.queue_sms(
                session, to=member.phone, from_=line_number(flow, call), body=body,
                purpose="notify", flow_id=flow.id, call_id=call.id if call else None,
                dedupe_key=f"{key}-{member.id}",
            )
            ids.append(message.id)
    return ids
