"""Real `voicebot` processes for end-to-end tests: a free port, the command, waiting for
/healthz, and stopping what a test started."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def voicebot_command() -> list[str]:
    script = Path(sys.executable).parent / "voicebot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "voicebot.cli"]


def wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"voicebot serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"voicebot serve did not answer /healthz within {limit:.0f} s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> int:
    """Signal the server and wait for it; kill it if it does not stop in time."""
    if server.poll() is None:
        server.send_signal(sig)
    try:
        return server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
        raise


def start_worker(settings: dict[str, object], log: Path, *args: str,
                 **env: str) -> subprocess.Popen[bytes]:
    """`voicebot worker ARGS` on a test's settings, quick to notice a dead worker or a lost job,
    logging to `log`; `env` adds VOICEBOT_* variables (without the prefix)."""
    import os

    from .twilio_double import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

    variables = {**os.environ, "VOICEBOT_LOG_LEVEL": "INFO", "VOICEBOT_WORKER_TICK": "0.2",
                 "VOICEBOT_WORKER_SWEEP": "0.5", "VOICEBOT_WORKER_STALLED_AFTER": "2",
                 "VOICEBOT_JOBS": "auto", "VOICEBOT_STUCK_AFTER": "5",
                 "VOICEBOT_TWILIO_TIMEOUT": "2.5", "VOICEBOT_DRY_RUN": "false",
                 "VOICEBOT_TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
                 "VOICEBOT_TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN}
    for name in ("DATABASE_URL", "FLOWS_DIR", "INSTANCE_DIR", "TWILIO_API_URL", "PUBLIC_URL",
                 "RECORDINGS_DIR"):
        if name in settings:
            variables[f"VOICEBOT_{name}"] = str(settings[name])
    variables.update({f"VOICEBOT_{name}": value for name, value in env.items()})
    return subprocess.Popen([*voicebot_command(), "worker", *args], env=variables,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
