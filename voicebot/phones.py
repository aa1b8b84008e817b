"""Phone number helpers."""

from __future__ import annotations

import re

import phonenumbers

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def is_e164(number: str) -> bool:
    return bool(_E164.match(number))


def mask(number: str) -> str:
    """Logs show enough of a number to tell callers apart, not enough to dial them."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def read(typed: str, line: str = "") -> str:
    """A number staff typed, as the E.164 the journal stores; '' if it is no phone number.
    With `line` (a number of ours), also as that line's country writes its numbers: '(503)
    555-0177' on a US line, '8 916 555-01-77' on a Russian one, '029 555-01-60' on a
    Belarusian one; such a number must be one the country could have. Without it, only
    international: '+1 (503) 555-0100' or '15035550100'."""
    region = _region(line)
    if region and not typed.strip().startswith("+"):
        try:
            number = phonenumbers.parse(typed, region)
        except phonenumbers.NumberParseException:
            return ""
        if not phonenumbers.is_valid_number(number):
            return ""
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"[\s().-]", "", typed)
    if not digits.startswith("+"):
        digits = "+" + digits
    return digits if is_e164(digits) else ""


def _region(line: str) -> str | None:
    """The country of our number `line` ('US', 'RU'), if it is a number."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(line)) if line else None
    except phonenumbers.NumberParseException:
        return None
