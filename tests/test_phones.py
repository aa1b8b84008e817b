"""How the desk reads a number staff type (voicebot.phones.read): as the chosen line's
country writes it, or with the country code; '' for what no such country could have."""

from __future__ import annotations

import pytest

from voicebot.phones import read

US_LINE, RU_LINE, BY_LINE = "+15035550100", "+74955550100", "+375295550100"


@pytest.mark.parametrize(("typed", "line", "number"), [
    ("(503) 555-0177", US_LINE, "+15035550177"),
    ("1-503-555-0177", US_LINE, "+15035550177"),  # the US trunk prefix
    ("8 916 555-01-77", RU_LINE, "+79165550177"),  # the Russian one
    ("8 029 555-01-60", BY_LINE, "+375295550160"),  # the Belarusian one
    ("+7 916 555 01 77", US_LINE, "+79165550177"),  # with its country code, on any line
    ("+1 (503) 555-0100", "", "+15035550100"),  # the hand-off search: no line, international
    ("15035550100", "", "+15035550100"),
])
def test_a_number_is_read_as_the_lines_country_writes_it(typed: str, line: str,
                                                          number: str) -> None:
    assert read(typed, line) == number


@pytest.mark.parametrize(("typed", "line"), [
    ("555-01", US_LINE), ("8 916 555-01-77", US_LINE),  # a Russian number on a US line
    ("call me", RU_LINE), ("", US_LINE), ("12", ""),
])
def test_what_no_country_could_have_is_no_number(typed: str, line: str) -> None:
    assert read(typed, line) == ""
