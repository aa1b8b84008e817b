"""Speech made from text, as Twilio delivers a caller's recording: espeak-ng speaks the text,
sox turns it into 8 kHz mono 16-bit WAV. The call emulator's tour uses it to leave a typed
voicemail (`voicebot call`); the tests use it to make their spoken audio."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

TOOLS = ("espeak-ng", "sox")
PHONE_BAND = ("300", "3400")
"""What a telephone line passes, in Hz."""
LINE_NOISE = 0.01
"""Pink noise on the line, as a fraction of full scale: a quiet line, clearly audible."""
VOICES = {"en": "en-us", "ru": "ru"}
"""espeak-ng's voice for each language family a flow may speak."""


class ToolsMissing(RuntimeError):
    """espeak-ng or sox is not installed."""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(*args: str) -> str:
    missing = missing_tools()
    if missing:
        raise ToolsMissing(f"{' and '.join(missing)} not installed")
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@functools.cache
def spoken(text: str, voice: str, speed: int) -> bytes:
    """`text` spoken, as an 8 kHz mono 16-bit WAV."""
    with tempfile.TemporaryDirectory() as tmp:
        speech, phone = Path(tmp) / "speech.wav", Path(tmp) / "phone.wav"
        _run("espeak-ng", "-v", voice, "-s", str(speed), "-w", str(speech), text)
        _run("sox", str(speech), "-r", "8000", "-c", "1", "-b", "16", str(phone))
        return phone.read_bytes()


@functools.cache
def phone_call(text: str, voice: str, speed: int) -> bytes:
    """`text` spoken and sent down a phone line: band-passed to 300-3400 Hz, with line noise,
    as Twilio's 8 kHz mono 16-bit WAV. Repeatable: the same noise every run (sox -R)."""
    with tempfile.TemporaryDirectory() as tmp:
        speech, band, noise, phone = (Path(tmp) / f"{n}.wav" for n in ("s", "b", "n", "p"))
        _run("espeak-ng", "-v", voice, "-s", str(speed), "-w", str(speech), text)
        _run("sox", "-R", str(speech), "-r", "8000", "-c", "1", "-b", "16", str(band),
             "sinc", "-".join(PHONE_BAND), "pad", "0.3", "0.5")
        seconds = _run("soxi", "-D", str(band)).strip()
        _run("sox", "-R", "-n", "-r", "8000", "-c", "1", "-b", "16", str(noise),
             "synth", seconds, "pinknoise", "vol", str(LINE_NOISE))
        _run("sox", "-R", "-m", str(band), str(noise), str(phone))
        return phone.read_bytes()
