"""Twilio callbacks that came while the database was down, kept until it is back.

Twilio does not repeat a status callback, a recording callback or an incoming SMS that failed:
answered with an error, they are lost. So when the database does not answer, those requests
are written as they came (URL, signature, form) to files in the instance folder, and answered
as if stored. Once a later webhook of this process has found the database answering, a thread
replays them in order through the app, signature check included, exactly as Twilio would have
sent them again. Every webhook is safe to apply twice, so a copy stored meanwhile does no harm.

Several web processes on one host share the folder: a file is claimed by renaming it, so each
is replayed by one of them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Request
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.test import EnvironBuilder

log = logging.getLogger("voicebot.spool")

REPLAY = "voicebot.replay"
"""WSGI environ key marking a replayed request: if it fails, it is not spooled again."""
RETRY_AFTER = 5.0
"""Seconds after a replay failed (the database still down) before the next attempt."""


class Spool:
    def __init__(self, app: Flask, folder: Path) -> None:
        self.app = app
        self.folder = folder
        self._lock = threading.Lock()
        self._next_try = 0.0
        # Left by a process that stopped before the database came back.
        self.waiting = folder.is_dir() and any(folder.glob("*.json"))

    def keep(self, request: Request) -> bool:
        """Write `request` down for replay; False if it cannot be (the disk refuses)."""
        entry = {"url": request.url, "signature": request.headers.get("X-Twilio-Signature", ""),
                 "form": list(request.form.items(multi=True))}
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / (name + ".partial")
            partial.write_text(json.dumps(entry))
            partial.rename(self.folder / name)  # whole, or not at all
        except OSError as exc:
            log.error("could not keep %s for later: %s", request.path, exc)
            return False
        self.waiting = True
        log.warning("database down: %s kept in %s, to be applied when it is back",
                    request.path, self.folder / name)
        return True

    def replay_soon(self) -> None:
        """Start replaying in a thread, unless nothing waits, a replay runs, or the last one
        failed a moment ago."""
        if not self.waiting or time.monotonic() < self._next_try:
            return
        if not self._lock.acquire(blocking=False):
            return
        threading.Thread(target=self._replay_all, name="voicebot-spool", daemon=True).start()

    def _replay_all(self) -> None:
        try:
            for path in sorted(self.folder.glob("*.json")):
                if not self._replay(path):
                    self._next_try = time.monotonic() + RETRY_AFTER
                    return
            self.waiting = any(self.folder.glob("*.json"))
        finally:
            self._lock.release()

    def _replay(self, path: Path) -> bool:
        claimed = path.with_name(f"{path.name}.{os.getpid()}.replaying")
        try:
            path.rename(claimed)
        except FileNotFoundError:  # another process took it
            return True
        entry = json.loads(claimed.read_text())
        status = replay(self.app, entry["url"], entry["signature"], entry["form"])
        if status >= 500:
            claimed.rename(path)
            return False
        log.info("applied %s, kept while the database was down: %s", entry["url"], status)
        claimed.unlink()
        return True


def replay(app: Flask, url: str, signature: str, form: list[tuple[str, str]]) -> int:
    """Send one kept request through the app again; its status."""
    parts = urlsplit(url)
    builder = EnvironBuilder(parts.path, base_url=f"{parts.scheme}://{parts.netloc}",
                             query_string=parts.query, method="POST", data=MultiDict(form),
                             headers=Headers({"X-Twilio-Signature": signature}))
    environ = builder.get_environ()
    environ[REPLAY] = True
    with app.request_context(environ):
        response = app.full_dispatch_request()
        return response.status_code


def init_app(app: Flask) -> None:
    app.extensions["voicebot.spool"] = Spool(app, Path(app.instance_path) / "spool")


def spool(app: Flask) -> Spool:
    kept: Spool = app.extensions["voicebot.spool"]
    return kept


def replaying(environ: Mapping[str, object]) -> bool:
    return bool(environ.get(REPLAY))
