"""pytest plugin: ``pytest_plugins = ["tests.support.fixtures"]`` in the root conftest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.rest import Client

from .twilio_double import TwilioDouble


@pytest.fixture
def twilio_double() -> Iterator[TwilioDouble]:
    """A running Twilio double with the test credentials; contract violations fail the test
    at teardown unless the test took them with ``take_violations()``."""
    with TwilioDouble() as double:
        yield double
        double.assert_contract()


@pytest.fixture
def twilio_client(twilio_double: TwilioDouble) -> Client:
    """The real ``twilio.rest.Client`` pointed at ``twilio_double``."""
    return twilio_double.client()
