"""`/healthz` is public: it says up or down and how many flows serve, never what is inside
(database errors, lines of flow files, paths). The details are on the desk, behind its login,
and in the log."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voicebot.compiler.registry import registry

from support.desk import PASSWORD_HASH, login
from support.processes import free_port

REPO = Path(__file__).resolve().parents[2]
SECRET = "root:x:0:0:root:/root:/bin/bash"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """Two good flows, a broken edit of a third, and a link to a system file."""
    folder = tmp_path / "flows"
    folder.mkdir()
    for name in ("omega.yaml", "telesputnik.yaml"):
        shutil.copy(REPO / "flows" / name, folder / name)
    hotline = (REPO / "flows" / "hotline.yaml").read_text()
    (folder / "hotline.yaml").write_text(hotline.replace("start: ", "start: nowhere_", 1))
    system = tmp_path / "etc" / "passwd.yaml"
    system.parent.mkdir()
    system.write_text(SECRET + "\n")
    (folder / "passwd.yaml").symlink_to(system)
    return folder


@pytest.fixture
def settings(settings: dict[str, Any], flows_dir: Path) -> dict[str, Any]:
    return {**settings, "FLOWS_DIR": str(flows_dir), "ADMIN_PASSWORD_HASH": PASSWORD_HASH}


def test_public_health_gives_counts_and_no_file_contents(client: FlaskClient) -> None:
    """Issue 12: before, /healthz listed each broken file's problems, which with a link in
    flows/ quoted lines of a system file to anyone who asked."""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body.pop("transcription").keys() <= {"en", "ru"}  # per language, no paths
    assert body == {
        "ok": True, "database": "up",
        "counts": {"flows_loaded": 2, "flows_with_problems": 2},
    }
    assert "root:" not in response.text and "yaml" not in response.text


def test_the_desk_shows_the_problems_behind_its_login(client: FlaskClient) -> None:
    anonymous = client.get("/admin/flows", follow_redirects=True).text
    assert "nowhere_" not in anonymous and "passwd.yaml" not in anonymous
    page = login(client).get("/admin/flows").text
    assert "Files that do not load" in page
    assert re.search(r"hotline\.yaml:\d+: start: unknown state &#39;nowhere_", page), page
    assert "passwd.yaml:1: the file is a link to a file outside the flows folder" in page
    assert "root:" not in page  # the linked file was never read


def test_health_down_hides_the_database_error_and_logs_it(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    down = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{free_port()}/voicebot"
    app = make_app(DATABASE_URL=down, AUTO_MIGRATE=False)
    with caplog.at_level(logging.ERROR, logger="voicebot.health"):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "ok": False, "database": "down",
        "counts": {"flows_loaded": 2, "flows_with_problems": 2},
    }
    assert "127.0.0.1" in caplog.text  # the reason is in the log, for whoever runs the service
    assert "s3cret" not in caplog.text


def test_counts_follow_the_flows_in_service(app: Flask, client: FlaskClient, flows_dir: Path) -> None:
    (flows_dir / "passwd.yaml").unlink()
    hotline = (REPO / "flows" / "hotline.yaml").read_text()
    (flows_dir / "hotline.yaml").write_text(hotline)
    registry(app).check_now()
    assert client.get("/healthz").get_json()["counts"] == {"flows_loaded": 3, "flows_with_problems": 0}
