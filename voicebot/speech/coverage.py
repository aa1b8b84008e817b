"""Which languages of the loaded flows have a speech recognizer here, said where a business
owner looks: `voicebot serve` and `voicebot worker` at start, `voicebot flows check`,
`/healthz` and a banner on the desk. A line whose voicemails nobody transcribes still keeps
every message, listed and playable for a person; it must never be silently so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicebot.flows.model import Flow, RecordsVoicemail
from voicebot.language.tags import language_family
from voicebot.speech import model_download, vosk_recognizer, whisper_recognizer
from voicebot.speech.choice import TwilioText, choose
from voicebot.speech.transcript import WRONG_LANGUAGE, RecognizerUnavailable
from voicebot.speech.vosk_recognizer import language_title

FIX = {"en": "voicebot models download whisper-tiny.en", "ru": "voicebot models download ru"}
"""The one command that gives a language a recognizer."""


@dataclass(frozen=True)
class Coverage:
    language: str
    """A language family: 'en', 'ru'."""
    lines: tuple[str, ...]
    """The ids of the flows that take voicemails in it."""
    recognizer: str | None
    """The recognizer its voicemails get, or None."""
    passed_over: tuple[str, ...]
    refused: tuple[str, ...] = ()
    """Models set for it that are of another language: refused, whether or not another
    recognizer serves the language."""

    @property
    def title(self) -> str:
        return language_title(self.language)

    @property
    def fix(self) -> str:
        return FIX.get(self.language, f"voicebot models download {self.language}")

    def warning(self) -> str:
        """One line for a log or a terminal: what is wrong, for which lines, and the fix."""
        why = "; ".join(self.passed_over)
        return (f"{self.title} voicemails (lines: {', '.join(self.lines)}) will not be "
                f"transcribed: no speech recognizer for {self.title} ({why}). Messages are kept "
                f"for a person. Fix: `{self.fix}`")


def takes_voicemail(flow: Flow) -> bool:
    return any(isinstance(step, RecordsVoicemail) for step in flow.states.values())


def coverage(config: Mapping[str, Any], flows: Iterable[Flow]) -> list[Coverage]:
    """One entry per language the voicemail-taking flows use, in the order first seen."""
    lines: dict[str, list[str]] = {}
    for flow in flows:
        if takes_voicemail(flow):
            lines.setdefault(language_family(flow.language), []).append(flow.id)
    found = []
    for language, ids in lines.items():
        try:
            choice = choose(config, language, TwilioText(requested=False))
        except ValueError as exc:  # a misconfigured VOICEBOT_TRANSCRIBERS
            found.append(Coverage(language, tuple(ids), None, (str(exc),)))
            continue
        first = choice.candidates[0].name if choice.candidates else None
        refused = tuple(why for why, code in zip(choice.passed_over, choice.codes, strict=True)
                        if code == WRONG_LANGUAGE)
        found.append(Coverage(language, tuple(ids), first, tuple(choice.passed_over), refused))
    return found


def missing(config: Mapping[str, Any], flows: Iterable[Flow]) -> list[Coverage]:
    return [c for c in coverage(config, flows) if c.recognizer is None]


def health(config: Mapping[str, Any], flows: Iterable[Flow]) -> dict[str, str]:
    """For /healthz, public: per language 'ready' or 'no recognizer', no paths or reasons."""
    return {c.language: "ready" if c.recognizer else "no recognizer"
            for c in coverage(config, flows)}


@dataclass(frozen=True)
class Installed:
    """A recognizer model found here, as `voicebot models list` shows it."""

    kind: str
    path: Path
    origin: str
    """Where it was found: the setting that names it, the models folder, a bundled wheel."""
    language: str | None
    detail: str
    problem: str | None = None

    @property
    def refused(self) -> bool:
        return self.problem is not None

    def describe(self) -> str:
        language = language_title(self.language) if self.language else "language unknown"
        state = f"REFUSED: {self.problem}" if self.problem else "ok"
        return f"{self.kind} {self.path} ({self.origin}): {language}, {self.detail}: {state}"


def _vosk_installed(path: Path, origin: str, line_language: str | None) -> Installed:
    problem = vosk_recognizer.model_problem(path)
    if problem:
        return Installed("vosk", path, origin, None, "not a model", problem)
    language, how = vosk_recognizer.model_language(path)
    detail = f"{how}; {vosk_recognizer.model_rate(path)} Hz"
    wrong = vosk_recognizer.language_problem(path, line_language) if line_language else None
    return Installed("vosk", path, origin, language, detail, wrong)


def installed(config: Mapping[str, Any]) -> list[Installed]:
    """Every model voicebot would use or could find, each checked as it would be at use: the
    Vosk models of the settings (against the setting's language) and of the models folder,
    and the Whisper model (files against their SHA-256)."""
    found: list[Installed] = []
    seen: set[Path] = set()
    for family in ("en", "ru"):
        setting = f"VOSK_MODEL_{family.upper()}"
        if config.get(setting):
            path = Path(config[setting])
            seen.add(path.resolve())
            found.append(_vosk_installed(path, f"VOICEBOT_{setting}", family))
    models_dir = Path(config.get("MODELS_DIR") or "models")
    if models_dir.is_dir():
        standard = {name: language for language, name in model_download.MODELS.items()}
        for folder in sorted(models_dir.iterdir()):
            if folder.name.startswith("vosk-model") and folder.resolve() not in seen:
                # Under a standard name it serves that language's lines; it must be of it.
                found.append(_vosk_installed(folder, "models folder", standard.get(folder.name)))
    whisper_folders = [(Path(config["WHISPER_MODEL"]), "VOICEBOT_WHISPER_MODEL")] \
        if config.get("WHISPER_MODEL") else []
    downloaded = model_download.installed_whisper(models_dir)
    if downloaded is not None:
        whisper_folders.append((downloaded, "models folder"))
    bundled = whisper_recognizer.bundled_folder()
    if bundled is not None:
        version = whisper_recognizer.bundled_version()
        whisper_folders.append((bundled, f"bundled: {whisper_recognizer.BUNDLED_DISTRIBUTION} {version}"))
    for folder, origin in whisper_folders:
        try:
            whisper_recognizer.verify(folder, whisper_recognizer.expected_hashes(folder))
            problem = None
        except RecognizerUnavailable as exc:
            problem = str(exc)
        found.append(Installed("whisper", folder, origin, "en", "tiny.en, files checked by SHA-256",
                               problem))
    return found
