"""`voicebot models download en|ru`: fetch a standard small Vosk model, verify it, install it.

A model is installed only once it has passed every check: the zip is whole (every member's
CRC), it holds one model folder of the expected name and layout, and `vosk.Model` really
loads it (in a child process, so a model that crashes the Kaldi loader cannot take the
command down). Everything happens in a scratch folder inside the models folder, renamed into
place at the end: a failed or interrupted download leaves nothing half-installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import requests

from voicebot.speech.vosk_recognizer import model_problem

MODELS = {"en": "vosk-model-small-en-us-0.15", "ru": "vosk-model-small-ru-0.22"}
TIMEOUT = 30.0
LOAD_TIMEOUT = 600.0
_LOAD = "import sys, vosk; vosk.SetLogLevel(-1); vosk.Model(sys.argv[1])"


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


def unpack(archive: Path, name: str, into: Path) -> Path:
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
    problem = model_problem(folder)
    if problem:
        raise DownloadError(problem)
    return folder


def check_loads(folder: Path) -> None:
    try:
        done = subprocess.run([sys.executable, "-c", _LOAD, str(folder)], capture_output=True,
                              text=True, timeout=LOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DownloadError(f"vosk did not load the model in {LOAD_TIMEOUT:g} s") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise DownloadError(f"vosk cannot load the model: {why}")


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
        folder = unpack(archive, name, work / "unpacked")
        check_loads(folder)
        if target.exists():
            shutil.rmtree(target)  # a broken or older copy: the new one has passed every check
        os.replace(folder, target)
    return target.resolve()
