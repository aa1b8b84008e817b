"""Twilio's webhook parameters, read in one place.

Every `/twilio/*` route reads its form and its continuation URL through here:
- text is made storable: PostgreSQL refuses NUL in text, and no encoder takes a lone
  surrogate, so both become U+FFFD (what the caller wrote around them is kept);
- numbers are ASCII digits within bounds (`str.isdigit` passes "²" and 20-digit numbers,
  which `int()` refuses or no column holds); one that is not is treated as absent;
- identifiers, phone numbers and statuses match what Twilio sends and fit their columns,
  or the request is a 400 that names the field.

The signature check reads the raw form (Twilio signed the bytes it sent); everything else
reads this.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import g, request
from werkzeug.exceptions import BadRequest

log = logging.getLogger("voicebot.webhooks")

SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
# E.164 and what Twilio writes for other callers, no longer than the 32 characters kept.
NUMBER = re.compile(r"^(\+?[0-9]{3,15}|client:[\w.-]{1,25}|sip:\S{1,28}|anonymous|restricted|unknown)$",
                    re.IGNORECASE | re.ASCII)
# Twilio's call, message and recording statuses: lower-case words with dashes.
STATUS = re.compile(r"^[a-z][a-z-]{0,15}$")

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"^[0-9]{1,9}$", re.ASCII)
_DECIMAL = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,12})?$", re.ASCII)

DAY = 86_400
# Numeric fields the engine or a webhook reads: (whole number?, lowest, highest).
NUMBERS: dict[str, tuple[bool, float, float]] = {
    "RecordingDuration": (True, 0, DAY),
    "CallDuration": (True, 0, DAY),
    "DialCallDuration": (True, 0, DAY),
    "QueueTime": (True, 0, DAY),
    "Confidence": (False, 0.0, 1.0),
}
# Text fields stored in short columns: longer values are cut to fit.
SHORT = {"AnsweredBy": 32, "QueueResult": 16, "DialCallStatus": 32, "ErrorCode": 200}


def storable(text: str) -> str:
    """`text` with what no database column takes (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _number(name: str, raw: str) -> int | float | None:
    whole, low, high = NUMBERS[name]
    if not (_INTEGER if whole else _DECIMAL).match(raw):
        return None
    value = int(raw) if whole else float(raw)
    return value if low <= value <= high else None


class TwilioForm:
    """One webhook's parameters, cleaned. Twilio never repeats a parameter; if one comes
    twice (the signature covers both), the first counts, as everywhere in Flask."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self._values: dict[str, str] = {}
        for key in form:
            value = storable(form[key])
            if key in NUMBERS and _number(key, value.strip()) is None:
                if value.strip():
                    log.warning("ignored %s=%r: not a number Twilio sends", key, value[:40])
                continue
            if key in SHORT:
                value = value[:SHORT[key]]
            self._values[storable(key)] = value

    def text(self, name: str, default: str = "") -> str:
        return self._values.get(name, default)

    def required(self, name: str, pattern: re.Pattern[str] | None = None) -> str:
        """A field the request is meaningless without: missing or malformed is a 400."""
        value = self._values.get(name, "").strip()
        if not value:
            raise BadRequest(f"missing {name}")
        if pattern is not None and not pattern.match(value):
            raise BadRequest(f"malformed {name}")
        return value

    def optional(self, name: str, pattern: re.Pattern[str], default: str) -> str:
        """A field Twilio may leave out: absent gives `default`, malformed is a 400."""
        if not self._values.get(name, "").strip():
            return default
        return self.required(name, pattern)

    def integer(self, name: str) -> int | None:
        """A bounded whole number (see NUMBERS), or None when absent or impossible."""
        value = self._values.get(name)
        return None if value is None else int(value)

    def as_dict(self) -> dict[str, str]:
        """All fields, for the flow engine: numbers are valid or absent."""
        return dict(self._values)


def form() -> TwilioForm:
    """The current webhook's parameters, parsed once per request."""
    if "twilio_form" not in g:
        g.twilio_form = TwilioForm(request.form)
    parsed: TwilioForm = g.twilio_form
    return parsed


def url_number(name: str, highest: int = 2**31 - 1) -> int:
    """A whole number from a continuation URL voicebot wrote (a turn, a dial id): anything
    else is a forged or mangled URL, a 400. Bounded by what an INTEGER column holds."""
    raw = request.args.get(name, "")
    if not _INTEGER.match(raw) or int(raw) > highest:
        raise BadRequest(f"malformed {name}")
    return int(raw)


def url_text(name: str) -> str:
    """A state or event name from a continuation URL, storable."""
    return storable(request.args.get(name, ""))[:64]
