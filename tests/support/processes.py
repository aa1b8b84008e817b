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
