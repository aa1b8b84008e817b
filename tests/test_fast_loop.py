"""The `-m "not slow"` development loop leaves out only tests that exist: a slow test renamed
without its entry in conftest.SLOW would silently join the fast loop and slow it down."""

from __future__ import annotations

import re

from conftest import SLOW, TESTS


def test_every_slow_entry_names_a_test_that_exists() -> None:
    for module, names in SLOW.items():
        source = (TESTS / module).read_text()
        for name in sorted(names or ()):
            assert re.search(rf"^def {name}\(", source, re.M), f"{module} has no {name}"
