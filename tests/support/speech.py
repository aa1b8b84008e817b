"""Spoken audio for tests, made as Twilio would deliver it: espeak-ng speaks the text, sox
turns it into 8 kHz mono 16-bit WAV. `.ci/run` installs both; elsewhere the tests that need
them skip with the reason (in CI they fail instead, so a missing install cannot pass)."""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import pytest

from .openapi_contract import in_ci

VOICE = "en-us+klatt"
"""espeak-ng's Klatt voice: its formant speech is heard far better by pocketsphinx than the
default voice once cut to telephone bandwidth."""


def require_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed (bash .ci/run installs them)"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@functools.cache
def spoken(text: str, voice: str = VOICE, speed: int = 140) -> bytes:
    """`text` spoken, as an 8 kHz mono 16-bit WAV."""
    require_tools()
    with tempfile.TemporaryDirectory() as tmp:
        speech, phone = Path(tmp) / "speech.wav", Path(tmp) / "phone.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(speech), text],
                       check=True, capture_output=True)
        subprocess.run(["sox", str(speech), "-r", "8000", "-c", "1", "-b", "16", str(phone)],
                       check=True, capture_output=True)
        return phone.read_bytes()


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


PHONE_BAND = ("300", "3400")
"""What a telephone line passes, in Hz."""
LINE_NOISE = 0.01
"""Pink noise on the line, as a fraction of full scale: a quiet line, clearly audible."""


@functools.cache
def phone_call(text: str, voice: str, speed: int) -> bytes:
    """`text` spoken and sent down a phone line: band-passed to 300-3400 Hz, with line noise,
    as Twilio's 8 kHz mono 16-bit WAV. Repeatable: the same noise every run (sox -R)."""
    require_tools()
    with tempfile.TemporaryDirectory() as tmp:
        speech, band, noise, phone = (Path(tmp) / f"{n}.wav" for n in ("s", "b", "n", "p"))
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(speech), text],
                       check=True, capture_output=True)
        subprocess.run(["sox", "-R", str(speech), "-r", "8000", "-c", "1", "-b", "16", str(band),
                        "sinc", "-".join(PHONE_BAND), "pad", "0.3", "0.5"],
                       check=True, capture_output=True)
        seconds = subprocess.run(["soxi", "-D", str(band)], check=True, capture_output=True,
                                 text=True).stdout.strip()
        subprocess.run(["sox", "-R", "-n", "-r", "8000", "-c", "1", "-b", "16", str(noise),
                        "synth", seconds, "pinknoise", "vol", str(LINE_NOISE)],
                       check=True, capture_output=True)
        subprocess.run(["sox", "-R", "-m", str(band), str(noise), str(phone)],
                       check=True, capture_output=True)
        return phone.read_bytes()
