"""GET /audio/NAME: the `audio/` folder beside the flows folder, for Twilio's `<Play>` (hold
music a flow names as `audio/NAME.mp3`). Public like any hold music: Twilio fetches media
without the webhook signature, and nothing here is private; only .mp3 and .wav are served."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

bp = Blueprint("audio", __name__)
KINDS = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


def folder() -> Path:
    return Path(current_app.config["FLOWS_DIR"]).resolve().parent / "audio"


@bp.get("/audio/<name>")
def audio(name: str) -> Response:
    kind = KINDS.get(Path(name).suffix.lower())
    if kind is None:
        abort(404)
    # send_from_directory refuses names that climb out of the folder.
    return send_from_directory(folder(), name, mimetype=kind, max_age=3600)
