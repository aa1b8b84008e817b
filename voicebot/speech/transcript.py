"""What a recognizer gives back, and the interface every recognizer offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from voicebot.speech.audio import Prepared


@dataclass(frozen=True)
class Word:
    word: str
    conf: float | None
    """0..1 as the recognizer rates it; None when it gives no rating (Twilio's text)."""
    start: float | None
    end: float | None
    """Seconds from the start of the recording."""

    def as_dict(self) -> dict[str, Any]:
        return {"word": self.word, "conf": self.conf, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...]
    transcriber: str


class Transcriber(Protocol):
    name: str
    sample_rate: int
    """Frames a second the recognizer's model wants; audio is prepared at this rate."""

    def transcribe(self, audio: Prepared) -> Transcript: ...


class RecognizerUnavailable(RuntimeError):
    """A recognizer cannot run here (no model, a model that does not load): the reason is
    logged and written on the voicemail."""
