"""Telling a flow's staff by SMS about voicemails and quotes (OM-9): the members of the roles
its `quotes.notify` names, each message stored once per key in the outbox."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from voicebot.flows.model import Flow
from voicebot.models import Call, MessagePurpose
from voicebot.services import messages

log = logging.getLogger("voicebot.voicemail")


def notify(session: Session, flow: Flow, *, body: str, call: Call | None, key: str) -> None:
    """Queue `body` to every member of the notify roles, sent after the commit. `key` makes
    it once per member, however often this runs."""
    roles = flow.quotes.notify if flow.quotes else ()
    if not roles:
        log.warning("flow %s names no staff to notify (quotes.notify); only the desk shows: %s",
                    flow.id, body)
    for role in roles:
        for member in flow.members(role):
            messages.queue(session, flow, to=member.phone, body=body,
                           purpose=MessagePurpose.NOTIFY, call=call, key=f"{key}-{member.id}")
