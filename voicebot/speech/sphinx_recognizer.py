"""pocketsphinx: a fallback recognizer that needs no download. Its US English model ships
inside the wheel; on 8 kHz phone speech it hears little (WER about 0.9, bench/README.md), so
Whisper comes before it, and Vosk before both wherever a model is installed.

Its bundled model has 16 kHz features (filters up to 6.8 kHz): it refuses `-samprate 8000`,
so phone audio is resampled to 16 kHz. Tuned on the 8 kHz set: one forward pass (no flat
second pass, no best-path search) and a language-model weight of 10 cost 0.27 s of CPU per
second of audio instead of 0.68, at about the same accuracy (WER 0.90 instead of 0.89)."""

from __future__ import annotations

import re

from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import Transcript, Word

FRAMES_PER_SECOND = 100
LANGUAGE_WEIGHT = 10.0
"""The default is 6.5; on phone speech a heavier language model mishears less."""
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
        decoder = Decoder(Config(samprate=self.sample_rate, loglevel="FATAL", fwdflat=False,
                                 bestpath=False, lw=LANGUAGE_WEIGHT))
        decoder.start_utt()
        decoder.process_raw(audio.pcm, full_utt=True)
        decoder.end_utt()
        words = tuple(
            Word(_VARIANT.sub("", seg.word), round(float(seg.prob), 3),
                 seg.start_frame / FRAMES_PER_SECOND, (seg.end_frame + 1) / FRAMES_PER_SECOND)
            for seg in decoder.seg() if not _is_filler(seg.word)
        )
        return Transcript(" ".join(w.word for w in words), words, self.name)
