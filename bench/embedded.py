"""How many calls at once the embedded default (`voicebot serve`: waitress, SQLite, the job
worker in the same process) answers in good time: paced callers playing the scripted call,
as bench.webhooks plays them against the production server.

    python -m bench.embedded                      # 25, 50, 100 and 200 calls, 20 s think time
    python -m bench.embedded --calls 50,150 --think 10

Prints one JSON line: per number of calls, the latency at the caller (p50/p95/p99/max), the
slowest answers' share above 5 s (what the server logs as slow) and above Twilio's 15 s, and
the calls that went as scripted. Loopback only, bounded like bench.webhooks.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import REPO, interrupt, machine, run_main, say
from bench.webhooks import DEFAULT_SCRIPT, play, server
from voicebot.compiler.loader import load_flow
from voicebot.config import SETTINGS
from voicebot.devtools.scripted_call import load_script
from voicebot.logs import SLOW_REQUEST_SECONDS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.embedded", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", default="25,50,100,200",
                        help="numbers of concurrent calls, comma-separated (at most 1000)")
    parser.add_argument("--think", type=float, default=20.0, help="seconds a caller thinks")
    parser.add_argument("--threads", type=int, help="waitress threads (VOICEBOT_WEB_THREADS)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="each run stops by then")
    args = parser.parse_args(argv)
    args.call_counts = [int(c) for c in args.calls.split(",")]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    script = load_script(DEFAULT_SCRIPT)
    to = script.to or load_flow(REPO / "flows" / f"{script.flow}.yaml").numbers[0]
    at = script.at.isoformat() if script.at else None
    token = secrets.token_hex(16)
    signal.signal(signal.SIGTERM, interrupt)
    threads = args.threads or SETTINGS["WEB_THREADS"][0]
    report: dict[str, Any] = {"bench": "embedded", "machine": machine(), "script": script.name,
                              "server": {"waitress_threads": threads, "database": "SQLite (WAL)",
                                         "jobs": "in the same process"}}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voicebot-bench-")))
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
        env.update({
            "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / 'voicebot.db'}",
            "VOICEBOT_INSTANCE_DIR": str(tmp / "instance"), "VOICEBOT_FLOWS_DIR": str(REPO / "flows"),
            "VOICEBOT_TWILIO_AUTH_TOKEN": token, "VOICEBOT_DRY_RUN": "true",
            "VOICEBOT_LOG_FORMAT": "json", "VOICEBOT_LOG_LEVEL": "INFO",
            "VOICEBOT_RECORDINGS_DIR": str(tmp / "recordings"), "VOICEBOT_WEB_THREADS": str(threads),
        })
        target = stack.enter_context(server("embedded", env, tmp / "embedded.log", at, script))
        runs = []
        for calls in args.call_counts:
            say(f"{calls} concurrent calls, {args.think:g} s think time:")
            before = target.log.stat().st_size
            row = play(target, to, token, callers=calls, think=args.think, repeat=1,
                       deadline=args.max_seconds)
            durations, _ = target.app_durations(before)
            slow = sum(1 for ms in durations if ms >= SLOW_REQUEST_SECONDS * 1000)
            runs.append({"calls": calls, "think_s": args.think, **row,
                         "app_answers_over_slow_limit": slow})
        report["runs"] = runs
    print(json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    run_main(main, "server stopped")
