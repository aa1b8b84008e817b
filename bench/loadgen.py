"""The load generator: N emulated calls at once, each a scripted call played over real HTTP by
the call emulator (signed webhooks, TwiML followed as Twilio would), with the caller taking
`think` seconds before each answer.

It only ever talks to this machine: `require_loopback` refuses any other address before a
socket is opened. It is bounded: at most MAX_CALLS calls, every request times out after
Twilio's 15 seconds, and the whole run stops at its deadline, whatever is still open.
"""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import math
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from voicebot.devtools.emulator import CallEmulator, HttpTransport, Turn
from voicebot.devtools.scripted_call import Script, run_script

MAX_CALLS = 1000
REQUEST_TIMEOUT = 15.0  # what Twilio waits for a webhook
_STACK = 512 * 1024  # a call thread mostly sleeps; the default 8 MiB each adds up at 1,000


class NotLoopback(ValueError):
    """A target outside this machine: the load generator refuses it."""


def require_loopback(url: str) -> str:
    """`url` if it names this machine by a loopback address (127.0.0.0/8, ::1) or as
    `localhost`; NotLoopback otherwise. Names are not resolved: a name could point anywhere."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not host:
        raise NotLoopback(f"refusing {url!r}: give an http:// URL on this machine")
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise NotLoopback(f"refusing {url!r}: the load generator targets loopback only "
                              "(127.0.0.0/8, ::1, localhost)")
    return url


class Stopped(Exception):
    """The run reached its deadline while this call was still going."""


@dataclass
class Sample:
    seconds: float
    status: int


class TimedTransport(HttpTransport):
    """HttpTransport that records how long each request took, from connect to last byte."""

    def __init__(self, base_url: str, samples: list[Sample]) -> None:
        super().__init__(base_url, timeout=REQUEST_TIMEOUT)
        self.samples = samples

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        started = time.perf_counter()
        status = 0
        try:
            status, body = super().post(url, params, headers)
            return status, body
        finally:
            self.samples.append(Sample(time.perf_counter() - started, status))


class PacedCall(CallEmulator):
    """A caller who listens before answering: every answer waits its think time first.
    Hanging up at the end of the script does not: the caller is done."""

    def __init__(self, *args: Any, thinks: list[float], stop: threading.Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.thinks = thinks
        self.stop = stop

    def _listen(self) -> None:
        pause = self.thinks.pop(0) if self.thinks else 0.0
        if self.stop.wait(pause):
            raise Stopped

    def press(self, digits: str) -> Turn:
        self._listen()
        return super().press(digits)

    def say(self, text: str, confidence: float = 0.92) -> Turn:
        self._listen()
        return super().say(text, confidence)

    def silence(self) -> Turn:
        self._listen()
        return super().silence()



@dataclass
class Load:
    """What to play: `callers` callers against `url`, starting spread over `ramp` seconds, each
    placing `repeat` calls of `script` one after another and thinking `think` seconds
    (x0.5 to x1.5) before each action. A seed makes the schedule the same for every server."""

    url: str
    script: Script
    to: str
    auth_token: str
    callers: int
    think: float
    ramp: float
    deadline: float  # seconds for the whole run
    repeat: int = 1
    seed: int = 7


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    calls_ok: int = 0
    failures: list[str] = field(default_factory=list)
    stopped: int = 0  # calls cut by the deadline
    seconds: float = 0.0
    most_open: int = 0  # calls in progress at the same moment, at most
    client_cpu: float = 0.0  # seconds of CPU the load generator itself used


def run(load: Load) -> Outcome:
    """Play the load; returns when every call has ended or the deadline passed."""
    require_loopback(load.url)
    if not 1 <= load.callers * load.repeat <= MAX_CALLS * 10 or load.callers > MAX_CALLS:
        raise ValueError(f"at most {MAX_CALLS} callers and {MAX_CALLS * 10} calls in a run")
    outcome = Outcome()
    stop = threading.Event()
    lock = threading.Lock()
    open_calls = 0
    actions = sum(1 for s in load.script.steps if not s.kind.startswith("expect")) + 1
    cpu_before = time.process_time()
    started = time.monotonic()

    def caller(index: int) -> None:
        nonlocal open_calls
        rng = random.Random(load.seed * 1_000_003 + index)
        if stop.wait(rng.uniform(0, load.ramp)):
            return
        for turn in range(load.repeat):
            thinks = [load.think * rng.uniform(0.5, 1.5) for _ in range(actions)]
            samples: list[Sample] = []
            number = f"+1503{(index * load.repeat + turn) % 10_000_000:07d}"

            def emulator(_: Script, thinks: list[float] = thinks, samples: list[Sample] = samples,
                         number: str = number) -> CallEmulator:
                return PacedCall(TimedTransport(load.url, samples), auth_token=load.auth_token,
                                 public_url=load.url, to=load.to, from_=number, thinks=thinks,
                                 stop=stop)

            with lock:
                open_calls += 1
                outcome.most_open = max(outcome.most_open, open_calls)
            try:
                result = run_script(load.script, emulator)
            except Stopped:
                result = None
            with lock:
                open_calls -= 1
                outcome.samples.extend(samples)
                if result is None:
                    outcome.stopped += 1
                elif result.ok:
                    outcome.calls_ok += 1
                else:
                    outcome.failures.append(result.failure or "")
            if result is None or stop.is_set():
                return

    # The generator's own full garbage collections would stall every caller thread and be
    # counted as server latency: what exists now is left out of them.
    gc.freeze()
    previous = threading.stack_size(_STACK)
    try:
        threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(load.callers)]
    finally:
        threading.stack_size(previous)
    for thread in threads:
        thread.start()
    end = started + load.deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    stop.set()
    for thread in threads:  # cut calls wake from their think time at once
        thread.join(REQUEST_TIMEOUT + 1)
    outcome.seconds = time.monotonic() - started
    outcome.client_cpu = time.process_time() - cpu_before
    return outcome


def without_expectations(script: Script) -> Script:
    """The same caller actions with nothing to check: for a server that answers every
    webhook alike (the bare TwiML baseline)."""
    steps = tuple(s for s in script.steps if not s.kind.startswith("expect"))
    return dataclasses.replace(script, steps=steps)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
