"""Twilio's own transcription, for voicemail steps that ask for it (`transcribe: true`).

Twilio posts the text to our transcribeCallback some time after the recording; it gives no
word timings or confidences, so the words carry none.
"""

from __future__ import annotations

from voicebot.flows import words as tokenizer
from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import Transcript, Word

LANGUAGES = frozenset({"en"})
"""Twilio transcribes <Record> in English only."""


class TwilioTranscriber:
    name = "twilio"
    sample_rate = 8000
    """Twilio transcribes its own 8 kHz recording; the audio we prepare is not used."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()

    def transcribe(self, audio: Prepared) -> Transcript:  # noqa: ARG002  the Transcriber protocol's
        found = tuple(Word(w, None, None, None) for w in tokenizer.tokens(self.text))
        return Transcript(self.text, found, self.name)
