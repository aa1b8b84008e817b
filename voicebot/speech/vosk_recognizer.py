"""Vosk (Kaldi) recognition: the best offline recognizer voicebot has, one model per language.

A model takes seconds and hundreds of megabytes to load, so each process loads each model
once, on first use, and shares it between threads; recognizers are not thread-safe, so every
job gets a `KaldiRecognizer` of its own.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from typing import Any

from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import RecognizerUnavailable, Transcript, Word

log = logging.getLogger("voicebot.speech")

KALDI_DEFAULT_RATE = 16000
"""Kaldi's own default for `--sample-frequency`, used when a model's config does not say."""
CHUNK_BYTES = 8000
_SAMPLE_FREQUENCY = re.compile(r"^\s*--sample-frequency\s*=\s*([0-9.]+)", re.MULTILINE)
REQUIRED = ("am/final.mdl", "conf/mfcc.conf")
"""Files every Vosk model has, whatever its graph (HCLG, or HCLr+Gr for the small ones)."""

_models: dict[str, Any] = {}
_lock = threading.Lock()


def model_problem(path: Path) -> str | None:
    """Why `path` is not a Vosk model folder, or None when its layout is right."""
    if not path.is_dir():
        return f"no model folder at {path}"
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        return f"{path} is not a Vosk model: missing {', '.join(missing)}"
    if not (path / "graph").is_dir() and not (path / "HCLG.fst").is_file():
        return f"{path} is not a Vosk model: no graph folder"
    return None


def model_rate(path: Path) -> int:
    """The sample rate the model was trained on, from its `conf/mfcc.conf`."""
    found = _SAMPLE_FREQUENCY.search((path / "conf" / "mfcc.conf").read_text())
    return int(float(found.group(1))) if found else KALDI_DEFAULT_RATE


def load_model(path: Path) -> Any:
    """The process's one `vosk.Model` for `path`, loaded on first use."""
    key = str(path.resolve())
    with _lock:
        if key not in _models:
            problem = model_problem(path)
            if problem:
                raise RecognizerUnavailable(problem)
            import vosk

            vosk.SetLogLevel(-1)
            log.info("loading Vosk model %s", path)
            try:
                _models[key] = vosk.Model(str(path))
            except Exception as exc:  # vosk raises a bare Exception on a broken model
                raise RecognizerUnavailable(f"the Vosk model at {path} does not load: {exc}") from None
        return _models[key]


class VoskTranscriber:
    name = "vosk"

    def __init__(self, model_path: Path) -> None:
        problem = model_problem(model_path)
        if problem:
            raise RecognizerUnavailable(problem)
        self.model_path = model_path
        self.sample_rate = model_rate(model_path)

    def transcribe(self, audio: Prepared) -> Transcript:
        if audio.rate != self.sample_rate:
            raise ValueError(f"audio at {audio.rate} Hz for a {self.sample_rate} Hz model")
        import vosk

        recognizer = vosk.KaldiRecognizer(load_model(self.model_path), self.sample_rate)
        recognizer.SetWords(True)
        words: list[Word] = []
        texts: list[str] = []
        for start in range(0, len(audio.pcm), CHUNK_BYTES):
            if recognizer.AcceptWaveform(audio.pcm[start : start + CHUNK_BYTES]):
                _collect(json.loads(recognizer.Result()), words, texts)
        _collect(json.loads(recognizer.FinalResult()), words, texts)
        return Transcript(" ".join(texts), tuple(words), self.name)


def _collect(result: dict[str, Any], words: list[Word], texts: list[str]) -> None:
    """One utterance of Vosk's output: the text, and the words with `SetWords(True)`."""
    if result.get("text"):
        texts.append(result["text"])
    for item in result.get("result", ()):
        words.append(Word(item["word"], round(float(item["conf"]), 3),
                          round(float(item["start"]), 2), round(float(item["end"]), 2)))
