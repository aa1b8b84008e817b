"""CPU per webhook, voicebot against the hand-written handler (and the bare endpoint), in one
process, on PostgreSQL: a figure a busy shared machine cannot spoil.

    .venv/bin/python -m bench.cpu [--calls 300] [--profile 20]

The scripted call (OM-7, four webhooks) is played in-process through each app's WSGI
callable, the three servers taking turns call by call, so a drift in the machine (another
process's cache, the clock speed) meets them alike. What is counted is the CPU time of the
thread answering (`time.thread_time`) from the moment the WSGI app is called until its
response is consumed: Flask, the app, the driver; not the emulator playing Twilio, not
waiting on PostgreSQL, not another process's time. Waiting for a core does not count either,
which is why this figure holds on a loaded machine where `bench.webhooks`' CPU figures move.
gunicorn's own HTTP work (the same for all three) is not in it, so the ratio here is a bit
higher than bench.webhooks' end to end.

Both apps log one JSON line per request as in production (voicebot.logs), to /dev/null.
`--profile N` then plays N more calls of one server (`--profile-server`, voicebot by default)
under cProfile (inside the WSGI call only) and prints the CPU by part and the functions that
cost most (`--pstats FILE` keeps the whole profile).

Prints one JSON line: CPU ms per webhook of each server (median of `--rounds` rounds, and each
round's), voicebot's ratio to each baseline, and the profile.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import json
import logging
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import make_url

from bench import loadgen
from bench.common import DEFAULT_DB, REPO, machine, run_main, say, scratch_database, server_version
from bench.handwritten import create_schema, handwritten_app
from bench.hotpath import part_of
from bench.servers import bare_app
from voicebot import close_app, create_app, logs
from voicebot.compiler.loader import load_flow
from voicebot.devtools.emulator import CallEmulator, WsgiTransport
from voicebot.devtools.scripted_call import Script, load_script, run_script

DEFAULT_SCRIPT = REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml"
TOKEN = "bench-token"
WARM_CALLS = 20

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def consume(app: Wsgi, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Call a WSGI app and read its whole body, closing it as a server does: the work a
    request costs ends only there."""
    body = app(environ, start_response)
    try:
        return list(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


class Metered:
    """A WSGI app's CPU time (this thread's), from the call until its body is consumed."""

    def __init__(self, app: Wsgi) -> None:
        self.app = app
        self.seconds = 0.0
        self.requests = 0
        self.profiler: cProfile.Profile | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        started = time.thread_time()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            chunks = consume(self.app, environ, start_response)
        finally:
            if self.profiler is not None:
                self.profiler.disable()
            self.seconds += time.thread_time() - started
            self.requests += 1
        return iter(chunks)


class Server:
    def __init__(self, name: str, app: Flask, script: Script) -> None:
        self.name, self.app, self.script = name, app, script
        self.meter = Metered(app.wsgi_app)
        app.wsgi_app = self.meter  # type: ignore[method-assign]
        self.transport = WsgiTransport(app)
        self.rounds: list[float] = []

    def play(self, to: str, number: int) -> None:
        def emulator(_: Script) -> CallEmulator:
            return CallEmulator(self.transport, auth_token=TOKEN, public_url="http://localhost",
                                to=to, from_=f"+1202{number:07d}")

        result = run_script(self.script, emulator)
        if not result.ok:
            raise SystemExit(f"{self.name}: the scripted call failed: {result.failure}")

    def start_round(self) -> None:
        self.meter.seconds, self.meter.requests = 0.0, 0

    def end_round(self) -> None:
        self.rounds.append(self.meter.seconds * 1000 / max(1, self.meter.requests))


def profile_shares(profiler: cProfile.Profile, requests: int) -> dict[str, Any]:
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1.0
    by_part: dict[str, float] = collections.defaultdict(float)
    by_function: list[tuple[float, str]] = []
    for (path, line, function), (_, _, tottime, _, _) in raw.items():
        part = part_of(path) if path != "~" else _builtin_part(function)
        by_part[part.split(" (")[0]] += tottime
        where = path.split("site-packages/")[-1].split("/voicebot/")[-1]
        by_function.append((tottime, f"{function} ({where}:{line})"))
    by_function.sort(reverse=True)
    return {
        "cpu_ms_per_webhook_profiled": round(total * 1000 / max(1, requests), 3),
        "by_part_pct": {k: round(v * 100 / total, 1)
                        for k, v in sorted(by_part.items(), key=lambda kv: -kv[1])},
        "top_functions_self_pct": [(name, round(t * 100 / total, 1))
                                   for t, name in by_function[:25]],
    }


def _builtin_part(function: str) -> str:
    """cProfile names C functions by their object: the driver's C code shows as psycopg's."""
    if "psycopg" in function:
        return "database driver"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="voicebot calls to profile")
    parser.add_argument("--profile-server", choices=["voicebot", "handwritten", "bare"],
                        default="voicebot", help="the server --profile profiles")
    parser.add_argument("--pstats", type=Path, help="also write the profile here (pstats)")
    parser.add_argument("--script", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--database-url", default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    if not 1 <= args.calls <= 5000 or not 1 <= args.rounds <= 20:
        parser.error("--calls: 1 to 5000; --rounds: 1 to 20")
    with in_process(args.database_url, args.script) as (servers, to, version):
        report = measure(servers, to, args.calls, args.rounds, args.profile, args.pstats,
                         args.profile_server)
        report["database"] = f"PostgreSQL {version} on loopback"
    print(json.dumps(report, ensure_ascii=False), flush=True)


@contextmanager
def in_process(database_url: str, script_path: Path,
               settings: dict[str, Any] | None = None) -> Iterator[tuple[list[Server], str, str]]:
    """The three servers in this process on a scratch database, each logging its JSON line
    per request to /dev/null as in production: the servers, the number the script calls,
    and PostgreSQL's version. `settings` adds to voicebot's (bench.instructions')."""
    script = load_script(script_path)
    to = script.to or load_flow(REPO / "flows" / f"{script.flow}.yaml").numbers[0]
    # As in production: a JSON line per request at INFO, formatted, then thrown away.
    handler = logging.FileHandler(os.devnull)
    handler.setFormatter(logs.formatter("json"))
    logging.basicConfig(level="INFO", handlers=[handler])
    with scratch_database(database_url) as database, ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="voicebot-cpu-"))
        app = create_app({"DATABASE_URL": database, "INSTANCE_DIR": tmp,
                          "FLOWS_DIR": str(REPO / "flows"), "TWILIO_AUTH_TOKEN": TOKEN,
                          "DRY_RUN": True, "LOG_FORMAT": "json",
                          "RECORDINGS_DIR": f"{tmp}/recordings", **(settings or {})})
        stack.callback(close_app, app)
        app.extensions["voicebot.clock"].set(script.at)
        dsn = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
        create_schema(dsn)
        plain = loadgen.without_expectations(script)
        yield ([Server("voicebot", app, script),
                Server("handwritten", handwritten_app(dsn, TOKEN), plain),
                Server("bare", bare_app(), plain)], to, server_version(database))


def warm_up(servers: list[Server], to: str) -> int:
    """Imports, prepared statements, flows loaded, connections opened: WARM_CALLS calls of
    each server, then the heap frozen as each gunicorn worker freezes it after loading the
    app (voicebot.serving). The last caller number used."""
    number = 0
    for server in servers:
        for _ in range(WARM_CALLS):
            number += 1
            server.play(to, number)
    gc.collect()
    gc.freeze()
    return number


def measure(servers: list[Server], to: str, calls: int, rounds: int, profile: int,
            dump: Path | None = None, profiled: str = "voicebot") -> dict[str, Any]:
    number = warm_up(servers, to)
    load = [os.getloadavg()[0]]
    for round_no in range(rounds):
        say(f"round {round_no + 1} of {rounds}: {calls} calls per server, taking turns")
        for server in servers:
            server.start_round()
        for _ in range(calls):
            for server in servers:
                number += 1
                server.play(to, number)
        for server in servers:
            server.end_round()
        load.append(os.getloadavg()[0])
    cpu = {s.name: round(statistics.median(s.rounds), 3) for s in servers}
    report: dict[str, Any] = {
        "bench": "cpu", "machine": machine(), "calls_per_round": calls, "rounds": rounds,
        "webhooks_per_call": servers[0].meter.requests // calls,
        "method": "thread_time around each WSGI call, in-process, servers taking turns call by call",
        "cpu_ms_per_webhook": cpu,
        "cpu_ms_per_webhook_by_round": {s.name: [round(r, 3) for r in s.rounds] for s in servers},
        "cpu_ratio_vs_handwritten": round(cpu["voicebot"] / cpu["handwritten"], 2),
        "cpu_ratio_vs_bare": round(cpu["voicebot"] / cpu["bare"], 2),
        "load_average_during": [round(x, 2) for x in load],
    }
    if profile:
        server = next(s for s in servers if s.name == profiled)
        server.start_round()
        server.meter.profiler = cProfile.Profile(time.thread_time)
        for _ in range(profile):
            number += 1
            server.play(to, number)
        report[f"{profiled}_profile"] = profile_shares(server.meter.profiler, server.meter.requests)
        if dump is not None:
            server.meter.profiler.dump_stats(dump)
        server.meter.profiler = None
    return report


if __name__ == "__main__":
    run_main(main, "the scratch database was dropped")
