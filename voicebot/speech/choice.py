"""Which recognizer transcribes a voicemail: the first usable one in `VOICEBOT_TRANSCRIBERS`.

- `vosk`: needs the model of the flow's language (`VOICEBOT_VOSK_MODEL_EN`, `..._RU`).
- `twilio`: Twilio's own text, when the voicemail step asked for it (`transcribe: true`);
  English only. Its text arrives some time after the recording: while it may still come,
  the voicemail waits for it rather than falling through to a worse recognizer.
- `pocketsphinx`: English only, no download needed.

Every recognizer passed over leaves its reason, so a voicemail that none could transcribe
says exactly what to install or set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.flows.model import language_family
from voicebot.speech import sphinx_recognizer, twilio_text
from voicebot.speech.sphinx_recognizer import PocketsphinxTranscriber
from voicebot.speech.transcript import RecognizerUnavailable, Transcriber
from voicebot.speech.twilio_text import TwilioTranscriber
from voicebot.speech.vosk_recognizer import VoskTranscriber

NAMES = ("vosk", "twilio", "pocketsphinx")


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
    wait_for_twilio: bool = False
    """Twilio's text is the best choice left and may still arrive: try again later."""


def order(config: Mapping[str, Any]) -> list[str]:
    names = [n.strip().lower() for n in str(config["TRANSCRIBERS"]).split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise ValueError(f"VOICEBOT_TRANSCRIBERS names unknown recognizer(s) {', '.join(unknown)}; "
                         f"known: {', '.join(NAMES)}")
    return names


def vosk_setting(language: str) -> str:
    return f"VOSK_MODEL_{language_family(language).upper()}"


def _vosk(config: Mapping[str, Any], language: str) -> Transcriber:
    setting = vosk_setting(language)
    path = config.get(setting)
    if not path:
        family = language_family(language)
        raise RecognizerUnavailable(
            f"no Vosk model for {language}: set VOICEBOT_{setting}"
            + (f" (`voicebot models download {family}` fetches one)" if family in ("en", "ru") else ""))
    return VoskTranscriber(Path(path))


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


def _pocketsphinx(language: str) -> Transcriber:
    if language_family(language) not in sphinx_recognizer.LANGUAGES:
        raise RecognizerUnavailable(f"its bundled model is English only, not {language}")
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        raise RecognizerUnavailable("the pocketsphinx package is not installed") from None
    return PocketsphinxTranscriber()


def choose(config: Mapping[str, Any], language: str, twilio: TwilioText) -> Choice:
    choice = Choice()
    for name in order(config):
        try:
            if name == "vosk":
                choice.candidates.append(_vosk(config, language))
            elif name == "pocketsphinx":
                choice.candidates.append(_pocketsphinx(language))
            elif (text := _twilio(language, twilio)) is not None:
                choice.candidates.append(text)
            elif not choice.candidates:
                choice.wait_for_twilio = True
        except RecognizerUnavailable as exc:
            choice.passed_over.append(f"{name}: {exc}")
    return choice
