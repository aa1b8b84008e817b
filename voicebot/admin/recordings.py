"""Voicemail audio, for the desk's players: only behind the login, and only files inside
RECORDINGS_DIR. Names come from `Voicemail.audio_path`; a name that climbs out of the
folder, by `..`, an absolute path or a symlink, is not found."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_file
from flask.typing import ResponseReturnValue

from voicebot.admin.blueprint import bp


def recording_file(name: str) -> Path | None:
    root = Path(current_app.config["RECORDINGS_DIR"]).resolve()
    if "\0" in name:  # no file has one; the operating system refuses to look (ValueError)
        return None
    try:
        candidate = (root / name).resolve()
        if not candidate.is_relative_to(root) or candidate == root or not candidate.is_file():
            return None
    except OSError:  # a name too long for the file system, a loop of links: no such recording
        return None
    return candidate


@bp.get("/recordings/<path:name>")
def recording(name: str) -> ResponseReturnValue:
    path = recording_file(name)
    if path is None:
        abort(404)
    # conditional: browsers fetch audio by byte ranges to seek and to learn its length.
    response = send_file(path, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
