"""Webhook latency when Twilio's REST API is slow (issue 15 item 7): the same calls, whose flow
sends SMS on the call path, against a Twilio double that answers at once and against one that
answers every REST request 500 ms late. The webhook never waits on Twilio (its SMS are rows
the worker sends after the commit), so its p99 should not move.

    .venv/bin/python -m bench.slow_twilio [--calls 100] [--think 5] [--delay 0.5] [--rounds 2]

One voicebot server on the production settings (`bench.servers voicebot`: gunicorn, a JSON log
line per request) on a PostgreSQL database of the run's own, one `voicebot worker` beside it,
and the tests' Twilio double in a process of its own (bench.twilio), really sending: no dry run.
Callers play `flows/calls/telesputnik_ts9_outage_other_word_order.yaml` (TS-9: an outage
reported, the director and the master texted at once) through the call emulator over HTTP,
every call's expectations checked. Each round plays the same calls with the double instant
and 500 ms slow (which goes first alternates); after each run it waits until every SMS the
webhooks stored has reached the double, so a run's SMS are really sent while its webhooks
are timed, and none is left over for the next.

Prints one JSON line: per run the caller-side latency (p50/p95/p99), the app's own p99 (its
request log), the SMS the double received and how long after the run's last webhook the last
one arrived; then `p99_ms_instant`, `p99_ms_slow` and `p99_ratio_slow_vs_instant` (medians
over the rounds), and the app-side ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from bench import webhooks
from bench.common import DEFAULT_DB, REPO, interrupt, machine, run_main, say, scratch_database
from bench.twilio import RemoteDouble
from voicebot.compiler.loader import load_flow
from voicebot.devtools.scripted_call import load_script

SCRIPT = REPO / "flows" / "calls" / "telesputnik_ts9_outage_other_word_order.yaml"
SMS_WAIT = 300.0


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A `voicebot worker` process: it sends the SMS the webhooks stored."""
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "voicebot.cli", "worker"], cwd=REPO,
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_sms(double: RemoteDouble, database: Engine) -> float:
    """Seconds until the double has received every SMS the webhooks stored (the outbox)."""
    started = time.monotonic()
    with database.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM messages WHERE direction = 'out'")).scalar_one()
    while (got := len(double.messages())) < stored:
        if time.monotonic() - started > SMS_WAIT:
            raise SystemExit(f"the worker sent {got} of {stored} SMS in {SMS_WAIT:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_twilio",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="concurrent calls per run")
    parser.add_argument("--think", type=float, default=5.0,
                        help="seconds a caller takes before each answer (x0.5 to x1.5)")
    parser.add_argument("--delay", type=float, default=0.5,
                        help="seconds the slow double takes to answer each REST request")
    parser.add_argument("--rounds", type=int, default=2, help="instant and slow runs, in turn")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="web worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per web worker")
    parser.add_argument("--database-url", default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--max-seconds", type=float, default=600.0, help="deadline for each run")
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= 1000 or args.rounds < 1:
        parser.error("--calls: 1 to 1000; --rounds: at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    script = load_script(SCRIPT)
    to = script.to or load_flow(REPO / "flows" / f"{script.flow}.yaml").numbers[0]
    at = script.at.isoformat() if script.at else None
    signal.signal(signal.SIGTERM, interrupt)
    report: dict[str, Any] = {"bench": "slow_twilio", "machine": machine(), "script": script.name,
                              "calls": args.calls, "think_s": args.think, "delay_s": args.delay}
    with ExitStack() as stack:
        double = stack.enter_context(RemoteDouble())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voicebot-bench-")))
        database = stack.enter_context(scratch_database(args.database_url))
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
        env.update({f"VOICEBOT_{k}": str(v) for k, v in double.settings().items()
                    if k != "PUBLIC_URL"})  # Twilio reaches the server at the URL it was called on
        env.update({
            "VOICEBOT_DATABASE_URL": database, "VOICEBOT_INSTANCE_DIR": str(tmp / "instance"),
            "VOICEBOT_FLOWS_DIR": str(REPO / "flows"), "VOICEBOT_LOG_FORMAT": "json",
            "VOICEBOT_LOG_LEVEL": "INFO", "VOICEBOT_RECORDINGS_DIR": str(tmp / "recordings"),
            "VOICEBOT_WEB_WORKERS": str(args.workers), "VOICEBOT_WEB_THREADS": str(args.threads),
        })
        token = double.auth_token  # webhooks are signed with the account's token
        target = stack.enter_context(webhooks.server("voicebot", env, tmp / "voicebot.log", at,
                                                     script))
        stack.enter_context(worker(env, tmp / "worker.log"))
        report["server"] = {"workers": args.workers, "threads": args.threads,
                            "worker_processes": 1}

        say("warming up")
        warm = webhooks.play(target, to, token, callers=args.workers * args.threads * 2,
                             think=0.0, repeat=2, deadline=args.max_seconds)
        if not warm["calls_ok"]:
            raise SystemExit("no call of the warm-up went as scripted")
        outbox = create_engine(database, poolclass=NullPool)
        stack.callback(outbox.dispose)
        wait_for_sms(double, outbox)
        with outbox.connect() as conn:
            calls = conn.execute(text("SELECT count(*) FROM calls")).scalar_one()
        report["sms_per_call"] = round(len(double.messages()) / max(calls, 1), 2)

        runs = []
        for turn in range(args.rounds):
            # In turn, so neither always meets the machine's load after the other.
            for delay in (0.0, args.delay) if turn % 2 == 0 else (args.delay, 0.0):
                double.set_delay(delay)
                say(f"round {turn + 1}: Twilio answers after {delay:g} s; {args.calls} calls, "
                    f"{args.think:g} s think time")
                before = len(double.messages())
                result = webhooks.play(target, to, token, callers=args.calls, think=args.think,
                                       repeat=1, deadline=args.max_seconds)
                result["twilio_delay_s"] = delay
                result["sms_last_after_s"] = round(wait_for_sms(double, outbox), 1)
                result["sms_sent"] = len(double.messages()) - before
                say(f"  SMS: {result['sms_sent']}, the last {result['sms_last_after_s']} s after "
                    f"the last call ended")
                runs.append(result)
        report["runs"] = runs
        report["twilio_contract_violations"] = double.violations()[:5]

    def median(delay: float, key: str) -> float:
        return float(statistics.median(r[key] for r in runs if r["twilio_delay_s"] == delay))

    instant, slow = median(0.0, "p99_ms"), median(args.delay, "p99_ms")
    report.update({
        "p99_ms_instant": instant, "p99_ms_slow": slow,
        "p99_ratio_slow_vs_instant": webhooks.ratio(slow, instant),
        "app_p99_ratio_slow_vs_instant": webhooks.ratio(median(args.delay, "app_p99_ms"),
                                                        median(0.0, "app_p99_ms")),
        "load_average_at_end": os.getloadavg()[0],
    })
    print(json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    run_main(main, "servers stopped, database dropped")
