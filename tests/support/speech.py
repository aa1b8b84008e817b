"""Spoken audio for tests, made as Twilio would deliver it (voicebot.speech.synthesis needs
espeak-ng and sox). `.ci/run` installs both; elsewhere the tests that need them skip with the
reason (in CI they fail instead, so a missing install cannot pass)."""

from __future__ import annotations

import io
import wave

import pytest

from voicebot.speech import synthesis

from .openapi_contract import in_ci

VOICE = "en-us+klatt"
"""espeak-ng's Klatt voice: its formant speech is heard far better by pocketsphinx than the
default voice once cut to telephone bandwidth."""


def require_tools() -> None:
    missing = synthesis.missing_tools()
    if missing:
        reason = f"{' and '.join(missing)} not installed (bash .ci/run installs them)"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def spoken(text: str, voice: str = VOICE, speed: int = 140) -> bytes:
    """`text` spoken, as an 8 kHz mono 16-bit WAV."""
    require_tools()
    return synthesis.spoken(text, voice, speed)


def tone_or_silence(seconds: float, *, rate: int = 8000, channels: int = 1,
                    amplitude: int = 0) -> bytes:
    """A WAV of silence (amplitude 0) or a square wave, made without any tool."""
    frames = int(seconds * rate)
    period = max(rate // 440, 2)
    samples = bytearray()
    for n in range(frames):
        value = amplitude if (n // (period // 2)) % 2 == 0 else -amplitude
        samples += value.to_bytes(2, "little", signed=True) * channels
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
    return buffer.getvalue()


def phone_call(text: str, voice: str, speed: int) -> bytes:
    """`text` spoken down a phone line (voicebot.speech.synthesis.phone_call)."""
    require_tools()
    return synthesis.phone_call(text, voice, speed)
