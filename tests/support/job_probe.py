"""A job for testing the job machinery itself: it appends a line to a file, so a test (or
another process) can see which jobs ran, how often, and in which process."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask

from voicebot.jobs import job


def probe_file(app: Flask) -> Path:
    return Path(app.instance_path) / "probe.log"


def broken_file(app: Flask) -> Path:
    """While this file exists, `probe` fails as a job whose cause is outside it does (an SMTP
    server not set up): deleting it is the fix."""
    return Path(app.instance_path) / "probe.broken"


@job
def probe(app: Flask, key: str, seconds: float = 0.0) -> None:
    """Write `key` and the process id; `seconds` makes the job take that long."""
    if seconds:
        time.sleep(seconds)
    if broken_file(app).exists():
        raise RuntimeError(broken_file(app).read_text())
    with probe_file(app).open("a") as out:
        out.write(f"{key} {os.getpid()} {time.time():.3f}\n")


def ran(app: Flask) -> list[tuple[str, int]]:
    path = probe_file(app)
    if not path.exists():
        return []
    return [(key, int(pid)) for key, pid, _ in (line.split() for line in path.read_text().splitlines())]
