"""What the benchmarks share: a scratch PostgreSQL database, the machine they ran on."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from bench.loadgen import NotLoopback, require_loopback
from voicebot import db

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def scratch_database(base_url: str) -> Iterator[str]:
    """A database of the benchmark's own on the server of `base_url`, dropped at the end."""
    base = make_url(base_url)
    try:
        require_loopback(f"http://{base.host or 'localhost'}/")
    except NotLoopback:
        raise NotLoopback(f"refusing database server {base.host!r}: benchmarks use a PostgreSQL "
                          "server on this machine only") from None
    with db.scratch_database(base_url, "voicebot_bench") as url:
        yield url


def server_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
    finally:
        engine.dispose()


def machine() -> dict[str, Any]:
    """What a figure was measured on; the load average says how busy the machine already was."""
    try:
        model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        model = platform.processor()
    return {"cores": len(os.sched_getaffinity(0)), "cpu": model,
            "python": platform.python_version(), "load_average_at_start": os.getloadavg()[0]}


