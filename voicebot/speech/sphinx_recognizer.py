"""pocketsphinx: the recognizer that needs no download. Its US English model ships inside
the wheel, so an English line transcribes on a fresh install; it is less accurate than Vosk,
which is preferred wherever a model is configured."""

from __future__ import annotations

import re

from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import Transcript, Word

FRAMES_PER_SECOND = 100
LANGUAGES = frozenset({"en"})
_VARIANT = re.compile(r"\(\d+\)$")
"""Pronunciation variants come back as 'the(2)'."""


def _is_filler(word: str) -> bool:
    return word.startswith(("<", "[")) or not word


class PocketsphinxTranscriber:
    name = "pocketsphinx"
    sample_rate = 16000
    """The rate of the bundled en-us model (its feat.params are for 16 kHz)."""

    def transcribe(self, audio: Prepared) -> Transcript:
        from pocketsphinx import Config, Decoder

        if audio.rate != self.sample_rate:
            raise ValueError(f"audio at {audio.rate} Hz for a {self.sample_rate} Hz model")
        # A decoder per job: decoders are not thread-safe, and one costs a fraction of a second.
        decoder = Decoder(Config(samprate=self.sample_rate, loglevel="FATAL"))
        decoder.start_utt()
        decoder.process_raw(audio.pcm, full_utt=True)
        decoder.end_utt()
        words = tuple(
            Word(_VARIANT.sub("", seg.word), round(float(seg.prob), 3),
                 seg.start_frame / FRAMES_PER_SECOND, (seg.end_frame + 1) / FRAMES_PER_SECOND)
            for seg in decoder.seg() if not _is_filler(seg.word)
        )
        return Transcript(" ".join(w.word for w in words), words, self.name)
