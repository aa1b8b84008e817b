"""The quote SMS for an understood voicemail, from the flow's `quotes.sms` template (OM-4, OM-7)."""

from __future__ import annotations

import datetime as dt
import re

from voicebot.flows import texts
from voicebot.flows.model import Flow
from voicebot.services.messages import line_number
from voicebot.voicemail.understand import Understanding

URGENT_LABEL = {"english": "URGENT", "russian": "СРОЧНО"}
"""`{urgency}`: this when the caller said it is urgent, else nothing, so a template can write
"{urgency} ..." in its own language without an English word leaking into a Russian SMS."""

_SPACE_BEFORE_MARK = re.compile(r"\s+([,.!?;:])")
_MARK_AFTER_COMMA = re.compile(r",(?=[,.!?;:])")
_SPACES = re.compile(r"[ \t]{2,}")


def _tidy(text: str) -> str:
    """Mend what empty fields leave: "Hi , this is" -> "Hi, this is", "Здравствуйте, !" ->
    "Здравствуйте!". The template then needs no variant for callers who gave no name."""
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    text = _MARK_AFTER_COMMA.sub("", text)
    return _SPACES.sub(" ", text).strip()


def quote_sms(flow: Flow, understanding: Understanding, caller_number: str,
              now: dt.datetime, line: str | None = None) -> str | None:
    """The text to send, or None when the message is not a request for service. `line`:
    the number it goes out from (`services.messages.line_number`), which `{line_number}`
    names; the flow's first number when not given (a dry run of the wording)."""
    service = understanding.service
    if flow.quotes is None or service is None or not understanding.is_service_request:
        return None
    values = texts.values(flow, {}, caller_number, now)
    values.update(
        caller_name=understanding.caller_name or "",
        service=service.name,
        service_price=texts.render(service.price, values) if service.price else "",
        # The number said in the message wins: callers leave it when the one they call
        # from is not the one they answer (a work phone, a landline at the house).
        callback_number=understanding.callback_number or caller_number,
        line_number=line if line is not None else line_number(flow),
        urgency=URGENT_LABEL[flow.stem_language] if understanding.urgency == "urgent" else "",
    )
    return _tidy(texts.render(flow.quotes.sms, values))
