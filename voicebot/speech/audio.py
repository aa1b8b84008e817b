"""Preparing a recording for a recognizer: mono, 16-bit, at the rate its model was trained on.

Recordings come from Twilio as 8 kHz WAV; recognizers want their model's rate (the small
Vosk models, Whisper and pocketsphinx's English model 16 kHz) and refuse or mishear anything
else. What is not usable audio is said plainly in the log (the voicemail itself is marked
`empty_recording` or `transcription_failed` for a person): empty, not a WAV file, cut short,
too short to hold a word, or silent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is missing; WAV, all Twilio sends us, needs no ffmpeg.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.audio_segment import extract_wav_headers
    from pydub.exceptions import CouldntDecodeError

MIN_SECONDS = 0.5
"""Shorter than this holds no word: a hang-up right after the beep."""
SPEECH_DBFS = -45.0
"""A 20 ms stretch louder than this counts as sound; phone speech is around -30 to -15 dBFS."""
MIN_SOUND_SECONDS = 0.3
"""Sound needed in a recording for it to be worth transcribing."""
CHUNK_MS = 20


class Unusable(ValueError):
    """The audio cannot be transcribed; the message says why, for the log. `empty`: nothing
    was said (no bytes, too short, silent), rather than audio that cannot be read."""

    def __init__(self, reason: str, *, empty: bool = False) -> None:
        super().__init__(reason)
        self.empty = empty


@dataclass(frozen=True)
class Prepared:
    """Raw PCM for a recognizer: mono, signed 16-bit little-endian, `rate` frames a second."""

    pcm: bytes
    rate: int
    seconds: float


def decode(data: bytes) -> AudioSegment:
    """The recording as an AudioSegment, or Unusable with the reason."""
    if not data:
        raise Unusable("the recording is empty (0 bytes)", empty=True)
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Unusable(f"not a WAV audio file ({len(data)} bytes starting {data[:12]!r})")
    headers = extract_wav_headers(data)
    if not headers or headers[-1].id != b"data":
        raise Unusable("the WAV file has no audio data chunk (cut short?)")
    chunk = headers[-1]
    available = len(data) - (chunk.position + 8)
    if available < chunk.size:
        raise Unusable(f"the WAV file is truncated: its header promises {chunk.size} bytes of "
                       f"audio, {available} arrived")
    try:
        return AudioSegment(data=data)
    except (CouldntDecodeError, ValueError) as exc:
        raise Unusable(f"the WAV file cannot be decoded: {exc}") from None


def sound_seconds(audio: AudioSegment) -> float:
    """Seconds of the recording louder than `SPEECH_DBFS`, in 20 ms steps."""
    loud = 0
    for start in range(0, len(audio), CHUNK_MS):
        chunk = audio[start : start + CHUNK_MS]
        if chunk.rms and chunk.dBFS > SPEECH_DBFS:
            loud += 1
    return loud * CHUNK_MS / 1000


def check(data: bytes) -> AudioSegment:
    """Decode `data` (WAV) as mono 16-bit and check it may hold a message; Unusable if not."""
    audio = decode(data)
    seconds = len(audio) / 1000
    if seconds < MIN_SECONDS:
        raise Unusable(f"the recording is too short to hold a message ({seconds:.2f} s)",
                       empty=True)
    audio = audio.set_channels(1).set_sample_width(2)
    heard = sound_seconds(audio)
    if heard < MIN_SOUND_SECONDS:
        raise Unusable(f"the recording is silent ({seconds:.1f} s with {heard:.2f} s of sound "
                       f"above {SPEECH_DBFS:.0f} dBFS)", empty=True)
    return audio


def convert(audio: AudioSegment, rate: int) -> Prepared:
    """Checked audio resampled for a recognizer whose model wants `rate`."""
    mono = audio.set_channels(1).set_sample_width(2).set_frame_rate(rate)
    return Prepared(pcm=mono.raw_data, rate=rate, seconds=len(audio) / 1000)


def prepare(data: bytes, rate: int) -> Prepared:
    """`check` then `convert`: a WAV file ready for a recognizer at `rate`."""
    return convert(check(data), rate)
