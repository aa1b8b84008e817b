"""Phone number helpers."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def is_e164(number: str) -> bool:
    return bool(_E164.match(number))


def mask(number: str) -> str:
    """Logs show enough of a number to tell callers apart, not enough to dial them."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
