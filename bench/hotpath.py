"""Where a webhook's time goes: the scripted call played in-process (no HTTP, no server)
against the app on PostgreSQL, under pyinstrument, with the SQL each webhook sends.

    .venv/bin/python -m bench.hotpath [--calls 200] [--html profile.html]

Prints one JSON line: time per webhook, round trips per webhook by URL (bench.roundtrips), and the share of
time by part (the database driver waiting on PostgreSQL, SQLAlchemy, Flask and Werkzeug,
twilio's signature check and TwiML, the flow engine, logging, and the emulator playing
Twilio). Needs the `bench` extra (pyinstrument).
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.frame import Frame

from bench import roundtrips
from bench.common import DEFAULT_DB, REPO, machine, say, scratch_database, server_version
from bench.loadgen import NotLoopback
from voicebot import create_app, db
from voicebot.compiler.loader import load_flow
from voicebot.devtools.emulator import CallEmulator, WsgiTransport
from voicebot.devtools.scripted_call import Script, load_script, run_script

DEFAULT_SCRIPT = REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml"
TOKEN = "bench-token"

# Which part of the system a source file belongs to, by the first path fragment it contains.
PARTS = (
    ("database driver (psycopg, waiting on PostgreSQL)", ("/psycopg/", "/psycopg_binary/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("Flask and Werkzeug", ("/flask/", "/werkzeug/")),
    ("twilio (signature check, TwiML)", ("/twilio/",)),
    ("flow engine (voicebot/engine, voicebot/flows)", ("/voicebot/engine/", "/voicebot/flows/")),
    ("webhooks and journal (voicebot)", ("/voicebot/web/", "/voicebot/journal.py",
                                         "/voicebot/db.py", "/voicebot/telephony.py",
                                         "/voicebot/clock.py")),
    ("logging", ("/logging/", "/voicebot/logs.py")),
    ("emulator playing Twilio (client side)", ("/voicebot/devtools/", "/xml/etree/",
                                               "/bench/")),
)


def part_of(path: str) -> str:
    for name, fragments in PARTS:
        if any(fragment in path for fragment in fragments):
            return name
    return "other (stdlib, JSON, URL parsing)"


def shares(root: Frame) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Self time by part and by function, in % of the whole."""
    by_part: dict[str, float] = collections.defaultdict(float)
    by_function: dict[str, float] = collections.defaultdict(float)

    def walk(frame: Frame, owner: Frame) -> None:
        # pyinstrument's synthetic "[self]" frames have no file: their time is their parent's.
        real = frame if frame.file_path else owner
        by_part[part_of(real.file_path or "")] += frame.total_self_time
        where = (real.file_path or "").split("site-packages/")[-1].split("/voicebot/")[-1]
        by_function[f"{real.function} ({where}:{real.line_no})"] += frame.total_self_time
        for child in frame.children:
            walk(child, real)

    walk(root, root)
    total = sum(by_part.values()) or 1.0
    def ranked(times: dict[str, float]) -> list[tuple[str, float]]:
        return sorted(((k, round(v * 100 / total, 1)) for k, v in times.items()), key=lambda kv: -kv[1])

    return dict(ranked(by_part)), ranked(by_function)[:15]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--script", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--database-url", default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML call tree here")
    args = parser.parse_args()
    if not 1 <= args.calls <= 5000:
        parser.error("--calls: 1 to 5000")
    script = load_script(args.script)
    to = script.to or load_flow(REPO / "flows" / f"{script.flow}.yaml").numbers[0]
    # As in production: a JSON line per request at INFO, written (here to nowhere).
    logging.basicConfig(level="INFO", handlers=[logging.FileHandler(os.devnull)])
    with scratch_database(args.database_url) as database:
        report = profile(script, to, database, args.calls, args.html)
        report["database"] = f"PostgreSQL {server_version(database)} on loopback"
    print(json.dumps(report, ensure_ascii=False), flush=True)


def profile(script: Script, to: str, database: str, calls: int, html: Path | None) -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="voicebot-hotpath-") as tmp:
        app = create_app({"DATABASE_URL": database, "INSTANCE_DIR": tmp, "FLOWS_DIR": str(REPO / "flows"),
                          "TWILIO_AUTH_TOKEN": TOKEN, "DRY_RUN": True, "LOG_FORMAT": "json",
                          "RECORDINGS_DIR": f"{tmp}/recordings"})
        app.extensions["voicebot.clock"].set(script.at)
        engine = db.engine(app)
        # Warm-up (imports, prepared statements, flow loading), counting the round trips.
        sql = roundtrips.count_calls(app, script, to, calls=20)
        webhooks = calls * sql["per_webhook"]["webhooks"] // 20
        transport = WsgiTransport(app)

        def play(count: int, offset: int) -> None:
            for index in range(count):
                def emulator(_: Script, n: int = offset + index) -> CallEmulator:
                    return CallEmulator(transport, auth_token=TOKEN, public_url="http://localhost",
                                        to=to, from_=f"+1202{n:07d}")
                result = run_script(script, emulator)
                if not result.ok:
                    raise SystemExit(f"the scripted call failed: {result.failure}")

        cpu, wall = time.process_time(), time.perf_counter()
        play(calls, 100_000)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        profiler = Profiler(interval=0.0005)
        profiler.start()
        play(calls, 200_000)
        profiler.stop()
        engine.dispose()
    session = profiler.last_session
    assert session is not None
    root = session.root_frame(trim_stem=False)
    assert root is not None
    by_part, top = shares(root)
    if html:
        html.write_text(profiler.output_html())
        say(f"wrote {html}")
    return {
        "bench": "hotpath", "machine": machine(), "script": script.name, "calls": calls,
        "webhooks": webhooks,
        "ms_per_webhook": round(wall * 1000 / webhooks, 2),
        "cpu_ms_per_webhook": round(cpu * 1000 / webhooks, 2),
        "round_trips": sql,
        "time_by_part_pct": by_part,
        "top_functions_self_pct": top,
    }


if __name__ == "__main__":
    try:
        main()
    except NotLoopback as refused:
        raise SystemExit(str(refused)) from None
