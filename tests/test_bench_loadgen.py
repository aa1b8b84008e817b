"""The benchmark's load generator: loopback only, bounded, and it plays real scripted calls.
Nothing here is timed against a target; figures live in bench/README.md."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench import loadgen
from voicebot.devtools.scripted_call import load_script

from support.twilio_double import TEST_AUTH_TOKEN

REPO = Path(__file__).resolve().parents[1]
PRICES = load_script(REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://127.3.2.1/", "http://[::1]:8080",
                                 "http://localhost:5000/twilio/voice"])
def test_loopback_targets_are_accepted(url: str) -> None:
    assert loadgen.require_loopback(url) == url


@pytest.mark.parametrize("url", ["http://10.0.0.7:5000", "http://192.168.1.20", "http://8.8.8.8",
                                 "http://0.0.0.0:5000", "http://example.com", "http://127.0.0.1.nip.io",
                                 "http://localhost.example.com", "https://127.0.0.1", "127.0.0.1:5000"])
def test_other_targets_are_refused(url: str) -> None:
    with pytest.raises(loadgen.NotLoopback, match="refusing"):
        loadgen.require_loopback(url)


def test_a_run_against_another_host_is_refused_before_any_request() -> None:
    load = loadgen.Load(url="http://10.0.0.7:5000", script=PRICES, to="+15035550100",
                        auth_token=TEST_AUTH_TOKEN, callers=5, think=0, ramp=0, deadline=5)
    with pytest.raises(loadgen.NotLoopback):
        loadgen.run(load)


def test_the_benchmark_refuses_a_database_on_another_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", "--calls", "1", "--saturate", "0",
         "--database-url", "postgresql+psycopg://postgres@10.0.0.7:5432/test"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "refusing database server '10.0.0.7'" in result.stderr
    assert result.stdout == ""


def test_calls_are_bounded() -> None:
    load = loadgen.Load(url="http://127.0.0.1:9", script=PRICES, to="+15035550100",
                        auth_token=TEST_AUTH_TOKEN, callers=loadgen.MAX_CALLS + 1, think=0, ramp=0,
                        deadline=5)
    with pytest.raises(ValueError, match=f"at most {loadgen.MAX_CALLS} callers"):
        loadgen.run(load)


@pytest.fixture
def open_for_business(set_clock: Callable[[str], Any]) -> None:
    assert PRICES.at is not None
    set_clock(PRICES.at.isoformat())


@pytest.mark.usefixtures("open_for_business")
def test_callers_play_the_scripted_call_over_http(live_server: str) -> None:
    """OM-7 through the load generator: every caller hears the price and the goodbye (the
    script's expectations), four webhooks each, all answered."""
    load = loadgen.Load(url=live_server, script=PRICES, to="+15035550100", auth_token=TEST_AUTH_TOKEN,
                        callers=3, think=0.01, ramp=0.01, deadline=60, repeat=2)
    outcome = loadgen.run(load)
    assert outcome.failures == [] and outcome.calls_ok == 6 and outcome.stopped == 0
    assert len(outcome.samples) == 6 * 4
    assert all(s.status in (200, 204) and s.seconds > 0 for s in outcome.samples)


@pytest.mark.usefixtures("open_for_business")
def test_the_run_stops_by_itself_at_its_deadline(live_server: str) -> None:
    load = loadgen.Load(url=live_server, script=PRICES, to="+15035550100", auth_token=TEST_AUTH_TOKEN,
                        callers=4, think=60, ramp=0.01, deadline=1)
    started = time.monotonic()
    outcome = loadgen.run(load)
    assert time.monotonic() - started < 10
    assert outcome.stopped == 4 and outcome.calls_ok == 0
    assert len(outcome.samples) == 4  # each call got its greeting, then was cut while thinking


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [loadgen.percentile(values, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert loadgen.percentile([7.0], 99) == 7.0
