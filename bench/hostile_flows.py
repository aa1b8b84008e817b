"""Calls answered while hostile flow files are written (issue 12): how much slower omega's
first webhook is answered while a file of 100,000 merge keys and one nested 10,000 deep are
saved into flows/, another line's file is replaced by a hostile one, and a big valid flow is
added, against the same calls before. The suite proves that calls are answered, right, and
never wait for a load (tests/engine/test_flow_edits_and_faults.py); this measures the cost.

    python -m bench.hostile_flows                        # the embedded server (SQLite)
    python -m bench.hostile_flows --production --rounds 5

Prints one JSON line: per phase (before, while writing, after) the calls, their latency at
the caller (p50/p99/max) and the wrong or failed answers; `p50_ratio` and `p99_ratio`, while
writing over before; and /healthz's counts once written (merges.yaml and deep.yaml refused:
`flows_with_problems` 2). Before issue 12 the first call after a save parsed the file inside its
request, under a lock the others waited on: minutes. Loopback only; the server is always
stopped, and a production run's PostgreSQL database dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_DB, REPO, interrupt, machine, run_main, say, scratch_database
from bench.webhooks import DEFAULT_SCRIPT, server
from voicebot.devtools.emulator import CallEmulator, HttpTransport
from voicebot.devtools.scripted_call import load_script

sys.path.insert(0, str(REPO / "tests"))

from support.hostile_flows import many_states, merge_keys, nested, save_in_pieces

OMEGA = "+15035550100"
MONDAY_9AM_PACIFIC = "2026-11-23T09:00:00-08:00"
GREETING = "Thank you for calling Omega Tech Service."


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_flows", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--production", action="store_true",
                        help="gunicorn on PostgreSQL (two workers, each with its watcher) "
                             "instead of the embedded server on SQLite")
    parser.add_argument("--database-url", default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--rounds", type=int, default=3, help="times the hostile files are saved")
    parser.add_argument("--callers", type=int, default=4, help="callers calling back to back")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of the before and after phases")
    parser.add_argument("--check-interval", type=float, default=0.2,
                        help="VOICEBOT_FLOW_CHECK_INTERVAL: how often the watcher looks")
    return parser.parse_args(argv)


def _slowly() -> None:
    """Between two pieces of a file: a slow upload's pause."""
    time.sleep(0.05)


def write_hostile_files(folder: Path, rounds: int, done: threading.Event) -> None:
    """The files of issue 12's attack, saved `rounds` times; telesputnik's good file is put
    back after each round, so the next round replaces it again."""
    for _ in range(rounds):
        save_in_pieces(folder / "merges.yaml", merge_keys(100_000), _slowly, pieces=20)
        save_in_pieces(folder / "deep.yaml", nested(10_000), _slowly, pieces=20)
        save_in_pieces(folder / "telesputnik.yaml", merge_keys(100_000, "telesputnik"), _slowly, pieces=20)
        # Within every limit, but the most a file may make the watcher do (about a second).
        (folder / "big.yaml").write_text(many_states(800))
        shutil.copy(REPO / "flows" / "telesputnik.yaml", folder / "telesputnik.yaml")
    done.set()


def calls(url: str, token: str, callers: int, until: threading.Event | float) -> dict[str, Any]:
    """`callers` threads each calling omega back to back until the event is set or the
    deadline (time.monotonic) passes: each call's first answer, timed and checked."""
    seconds: list[float] = []
    wrong: list[str] = []
    lock = threading.Lock()

    def over() -> bool:
        return until.is_set() if isinstance(until, threading.Event) else time.monotonic() > until

    def caller(n: int) -> None:
        while not over():
            emulator = CallEmulator(HttpTransport(url, timeout=15), auth_token=token,
                                    public_url=url, to=OMEGA, from_=f"+1503555{n:04d}")
            started = time.perf_counter()
            try:
                turn = emulator.start()
                problem = "" if GREETING in turn.heard and turn.waiting == "gather" \
                    else f"heard {turn.heard}"
            except Exception as exc:  # a refused or timed-out request is a figure, not a crash
                problem = repr(exc)
            elapsed = time.perf_counter() - started
            with lock:
                seconds.append(elapsed)
                if problem:
                    wrong.append(problem)

    threads = [threading.Thread(target=caller, args=(170 + n,)) for n in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(seconds)

    def ms(value: float) -> float:
        return round(value * 1000, 1)

    return {"calls": len(ordered), "wrong": len(wrong), "first_wrong": wrong[:3],
            "p50_ms": ms(statistics.median(ordered)) if ordered else None,
            "p99_ms": ms(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])
            if ordered else None,
            "max_ms": ms(ordered[-1]) if ordered else None}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    token = secrets.token_hex(16)
    signal.signal(signal.SIGTERM, interrupt)
    report: dict[str, Any] = {"bench": "hostile_flows", "machine": machine(),
                              "server": "production" if args.production else "embedded",
                              "rounds": args.rounds, "callers": args.callers}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voicebot-bench-")))
        folder = tmp / "flows"
        folder.mkdir()
        for name in ("omega.yaml", "telesputnik.yaml"):
            shutil.copy(REPO / "flows" / name, folder / name)
        database = (stack.enter_context(scratch_database(args.database_url)) if args.production
                    else f"sqlite:///{tmp / 'voicebot.db'}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
        env.update({
            "VOICEBOT_DATABASE_URL": database, "VOICEBOT_INSTANCE_DIR": str(tmp / "instance"),
            "VOICEBOT_FLOWS_DIR": str(folder), "VOICEBOT_TWILIO_AUTH_TOKEN": token,
            "VOICEBOT_DRY_RUN": "true", "VOICEBOT_LOG_FORMAT": "json",
            "VOICEBOT_LOG_LEVEL": "WARNING", "VOICEBOT_RECORDINGS_DIR": str(tmp / "recordings"),
            "VOICEBOT_FLOW_CHECK_INTERVAL": str(args.check_interval),
        })
        kind = "voicebot" if args.production else "embedded"
        target = stack.enter_context(server(kind, env, tmp / "server.log", MONDAY_9AM_PACIFIC,
                                            load_script(DEFAULT_SCRIPT)))
        calls(target.url, token, 1, time.monotonic() + 2)  # warm up, unmeasured
        say(f"before: {args.callers} callers for {args.seconds:g} s")
        before = calls(target.url, token, args.callers, time.monotonic() + args.seconds)
        say(f"while writing: {args.rounds} rounds of hostile files")
        done = threading.Event()
        writer = threading.Thread(target=write_hostile_files, args=(folder, args.rounds, done))
        writer.start()
        during = calls(target.url, token, args.callers, done)
        writer.join()
        # The server did meet the files: the ones still on disk are counted as refused.
        time.sleep(args.check_interval * 5)
        with urllib.request.urlopen(target.url + "/healthz", timeout=15) as answer:
            report["healthz_counts_after_writing"] = json.load(answer)["counts"]
        say(f"after: {args.seconds:g} s")
        after = calls(target.url, token, args.callers, time.monotonic() + args.seconds)

    def ratio(key: str) -> float | None:
        a, b = during[key], before[key]
        return round(a / b, 2) if a and b else None

    report.update(before=before, while_writing=during, after=after,
                  p50_ratio=ratio("p50_ms"), p99_ratio=ratio("p99_ms"))
    print(json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    run_main(main, "server stopped, scratch database dropped")
