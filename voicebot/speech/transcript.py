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


NO_RECOGNIZER, WRONG_LANGUAGE, TRANSCRIPTION_FAILED = \
    "no_recognizer", "wrong_language", "transcription_failed"
"""Why no recognizer transcribed a voicemail, as stored on it (the log has the details)."""


class RecognizerUnavailable(RuntimeError):
    """A recognizer cannot run here (no model, a model that does not load, a model of another
    language): the reason is logged, and its short `code` is written on the voicemail."""

    def __init__(self, reason: str, code: str = NO_RECOGNIZER) -> None:
        super().__init__(reason)
        self.code = code
