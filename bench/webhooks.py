"""Webhook benchmark: emulated concurrent calls against the production server on PostgreSQL,
and the same load, in the same run, against two baselines on the same server settings: a bare
Flask endpoint (fixed TwiML, no database) and a hand-written stateful handler on the same
PostgreSQL (bench.handwritten: one transaction of lock, update and insert per webhook).

    .venv/bin/python -m bench.webhooks [--calls 100,1000] [--think 20] [--saturate 32]

Prints one JSON line of figures on stdout (progress goes to stderr). For each number of
concurrent calls it plays the scripted call (default flows/calls/omega_prices_by_keypad.yaml:
greeting, press 4 for prices, "no that's all", goodbye: four webhooks with the status
callback) against each server, and reports requests/s and p50/p95/p99 latency of each, the
CPU each server used per request, and voicebot's ratios to both baselines. `--saturate C`
adds a run where C callers call back to back without thinking: the most requests/s this
machine answers. Before the runs, the database round trips of each webhook are counted
in-process (bench.roundtrips).

It creates a PostgreSQL database of its own next to --database-url's and drops it at the end;
it starts the servers on 127.0.0.1 and always stops them. Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from bench import loadgen, roundtrips
from bench.common import (
    DEFAULT_DB,
    REPO,
    interrupt,
    machine,
    run_main,
    say,
    scratch_database,
    server_version,
)
from voicebot import create_app
from voicebot.compiler.loader import load_flow
from voicebot.config import SETTINGS
from voicebot.devtools.scripted_call import Script, load_script

DEFAULT_SCRIPT = REPO / "flows" / "calls" / "omega_prices_by_keypad.yaml"


# -- the servers ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Target:
    """A server under test, and the call its callers play."""

    name: str
    url: str
    pid: int
    log: Path
    script: Script

    def app_durations(self, since: int) -> tuple[list[float], int]:
        """Milliseconds the app took per webhook, from its JSON request lines written after
        byte `since` of its log; and where the log ends now."""
        with self.log.open("rb") as log:
            log.seek(since)
            text = log.read()
        durations = []
        for line in text.decode("utf-8", "replace").splitlines():
            if '"voicebot.request"' in line:
                entry = json.loads(line)
                if entry["method"] == "POST":  # webhooks, not /healthz
                    durations.append(float(entry["duration_ms"]))
        return sorted(durations), since + len(text)


@contextmanager
def server(kind: str, env: dict[str, str], log: Path, at: str | None,
           script: Script) -> Iterator[Target]:
    """Start `python -m bench.servers KIND`, wait until it answers, stop it (the whole process
    group) however the benchmark ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bench.servers", kind, "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, *(["--at", at] if at else [])], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{kind} server exited with {process.returncode}:\n"
                                   f"{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield Target(kind, url, process.pid, log, script)
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _processes() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, the fields of /proc/PID/stat after the name) of every process."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        yield int(stat.parent.name), head.split("(", 1)[1], tail.split()


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (the gunicorn workers)."""
    return sum(_cpu(f) for p, _, f in _processes() if p == pid or int(f[1]) == pid)


def tree_waits(pid: int) -> float:
    """Seconds the threads of a process and its children (the gunicorn workers' request
    threads) have so far spent ready to run but waiting for a core (the kernel's run-queue
    wait, /proc/PID/task/TID/schedstat). Beside the CPU they used, it tells a server starved
    of cores (long waits) from one whose threads wait on something else (a lock, the
    database, the GIL held by a thread that is itself running)."""
    tree = [p for p, _, f in _processes() if p == pid or int(f[1]) == pid]
    waited = 0
    for process in tree:
        for stat in Path(f"/proc/{process}/task").glob("*/schedstat"):
            try:
                waited += int(stat.read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a thread that ended meanwhile
    return waited / 1e9


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (all databases: other
    users of the server count too, so this is an upper bound)."""
    return sum(_cpu(f) for _, name, f in _processes() if name.startswith("postgres"))


def machine_times() -> tuple[int, int]:
    """(idle, total) clock ticks of every core so far (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle and iowait; up to steal


def idle_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Percent of the machine's cores left idle between two readings."""
    total = after[1] - before[1]
    return 100 * (after[0] - before[0]) / total if total else 0.0


# -- one run --------------------------------------------------------------------------------
def figures(outcome: loadgen.Outcome, server_cpu: float, db_cpu: float,
            app: list[float], server_waits: float, machine_idle: float) -> dict[str, Any]:
    times = sorted(s.seconds for s in outcome.samples)
    errors = sum(1 for s in outcome.samples if not 200 <= s.status < 300)
    count = len(times)

    def ms(value: float) -> float:
        return round(value * 1000, 2)

    return {
        "requests": count,
        "requests_per_s": round(count / outcome.seconds, 1) if outcome.seconds else 0.0,
        "p50_ms": ms(loadgen.percentile(times, 50)) if times else None,
        "p95_ms": ms(loadgen.percentile(times, 95)) if times else None,
        "p99_ms": ms(loadgen.percentile(times, 99)) if times else None,
        "max_ms": ms(times[-1]) if times else None,
        # Inside Flask, from the server's own request log: the rest is waiting for a thread,
        # gunicorn, and the loopback network.
        "app_p50_ms": loadgen.percentile(app, 50) if app else None,
        "app_p99_ms": loadgen.percentile(app, 99) if app else None,
        "errors": errors,
        "calls_ok": outcome.calls_ok,
        "calls_failed": len(outcome.failures),
        "calls_cut_by_deadline": outcome.stopped,
        "most_calls_open": outcome.most_open,
        "seconds": round(outcome.seconds, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / count, 2) if count else None,
        "postgres_cpu_ms_per_request": round(db_cpu * 1000 / count, 2) if count else None,
        # Waiting for a core while ready to run: on a machine with every core busy (other
        # users, the load generator, PostgreSQL), this grows where CPU per request does.
        "server_runqueue_wait_ms_per_request": round(server_waits * 1000 / count, 2)
        if count else None,
        "server_cores_used": round(server_cpu / outcome.seconds, 2) if outcome.seconds else None,
        "machine_idle_pct": round(machine_idle, 1),
        "client_cpu_s": round(outcome.client_cpu, 1),
    }


def play(target: Target, to: str, token: str, *, callers: int, think: float, repeat: int,
         deadline: float) -> dict[str, Any]:
    load = loadgen.Load(url=target.url, script=target.script, to=to, auth_token=token,
                        callers=callers, think=think, ramp=think, deadline=deadline, repeat=repeat)
    before, db_before, log_at = tree_cpu(target.pid), postgres_cpu(), target.log.stat().st_size
    waits_before, idle_before = tree_waits(target.pid), machine_times()
    outcome = loadgen.run(load)
    server_cpu, db_cpu = tree_cpu(target.pid) - before, postgres_cpu() - db_before
    idle = idle_share(idle_before, machine_times())
    result = figures(outcome, server_cpu, db_cpu, target.app_durations(log_at)[0],
                     tree_waits(target.pid) - waits_before, idle)
    say(f"  {target.name:8} {result['requests']:6} requests  {result['requests_per_s']:7} req/s  "
        f"p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms  p99 {result['p99_ms']} ms  "
        f"errors {result['errors']}  calls ok {result['calls_ok']}/{callers * repeat}  "
        f"cpu {result['server_cpu_ms_per_request']} ms/req on {result['server_cores_used']} "
        f"cores, run-queue wait {result['server_runqueue_wait_ms_per_request']} ms/req, "
        f"machine idle {result['machine_idle_pct']}%")
    for failure in outcome.failures[:3]:
        say(f"    FAILED CALL: {failure}")
    return result


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def compare(row: dict[str, Any]) -> dict[str, Any]:
    """voicebot against the bare endpoint (issue 7) and the hand-written handler (issue 15)."""
    voicebot, bare, hand = row["voicebot"], row["bare"], row["handwritten"]
    out = {"p99_ratio": ratio(voicebot["p99_ms"], bare["p99_ms"]),
           "p50_ratio": ratio(voicebot["p50_ms"], bare["p50_ms"]),
           "flow_engine_adds_p99_ms": round(voicebot["p99_ms"] - bare["p99_ms"], 2)
           if voicebot["p99_ms"] and bare["p99_ms"] else None,
           "p99_ratio_vs_handwritten": ratio(voicebot["p99_ms"], hand["p99_ms"]),
           "p50_ratio_vs_handwritten": ratio(voicebot["p50_ms"], hand["p50_ms"]),
           "cpu_ratio_vs_handwritten": ratio(voicebot["server_cpu_ms_per_request"],
                                             hand["server_cpu_ms_per_request"])}
    if row["mode"] == "saturated":
        out["throughput_ratio_vs_handwritten"] = ratio(voicebot["requests_per_s"],
                                                       hand["requests_per_s"])
        out["throughput_ratio_vs_bare"] = ratio(voicebot["requests_per_s"], bare["requests_per_s"])
    return out


def count_round_trips(database: str, env: dict[str, str], script: Script, to: str) -> dict[str, Any]:
    """The database work of each webhook, counted in-process on the run's own database."""
    config = {k.removeprefix("VOICEBOT_"): v for k, v in env.items() if k.startswith("VOICEBOT_")}
    app = create_app({**config, "DATABASE_URL": database, "DRY_RUN": True, "AUTO_MIGRATE": False,
                      "LOG_LEVEL": "WARNING"})
    try:
        return roundtrips.count_calls(app, script, to)
    finally:
        app.extensions["voicebot.db"].kw["bind"].dispose()


# -- the whole benchmark --------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", default="100,1000",
                        help="concurrent calls, one run per number (comma separated, at most "
                             f"{loadgen.MAX_CALLS})")
    parser.add_argument("--think", type=float, default=20.0,
                        help="seconds a caller takes before each answer (x0.5 to x1.5); omega's "
                             "greeting and menu take 20 s to say, its price answer 25 s")
    parser.add_argument("--saturate", type=int, default=32, metavar="C",
                        help="also run C callers calling back to back with no think time "
                             "(0: skip)")
    parser.add_argument("--saturate-calls", type=int, default=1000,
                        help="calls in the saturation run, in all")
    parser.add_argument("--workers", type=int, help="web worker processes (VOICEBOT_WEB_WORKERS)")
    parser.add_argument("--threads", type=int, help="threads per worker (VOICEBOT_WEB_THREADS)")
    parser.add_argument("--database-url", default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL", DEFAULT_DB),
                        help="a PostgreSQL server on this machine; the benchmark makes its own "
                             "database there")
    parser.add_argument("--no-synchronous-commit", action="store_true",
                        help="voicebot and the hand-written handler commit without waiting for "
                             "the disk flush (VOICEBOT_DB_SYNCHRONOUS_COMMIT=false)")
    parser.add_argument("--script", type=Path, default=DEFAULT_SCRIPT, help="the scripted call to play")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="deadline for each run; calls still open then are cut")
    args = parser.parse_args(argv)
    args.call_counts = [int(n) for n in args.calls.split(",") if n.strip()]
    if any(not 1 <= n <= loadgen.MAX_CALLS for n in args.call_counts):
        parser.error(f"--calls: each number must be 1 to {loadgen.MAX_CALLS}")
    if args.saturate < 0 or args.saturate > loadgen.MAX_CALLS:
        parser.error(f"--saturate: 0 to {loadgen.MAX_CALLS}")
    if not 1 <= args.saturate_calls <= loadgen.MAX_CALLS * 10:
        parser.error(f"--saturate-calls: 1 to {loadgen.MAX_CALLS * 10}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    script = load_script(args.script)
    to = script.to or load_flow(REPO / "flows" / f"{script.flow}.yaml").numbers[0]
    at = script.at.isoformat() if script.at else None
    bare_script = loadgen.without_expectations(script)
    token = secrets.token_hex(16)
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the servers and database go too.
    signal.signal(signal.SIGTERM, interrupt)

    report: dict[str, Any] = {"bench": "webhooks", "machine": machine(), "script": script.name}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voicebot-bench-")))
        database = stack.enter_context(scratch_database(args.database_url))
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
        env.update({
            "VOICEBOT_DATABASE_URL": database, "VOICEBOT_INSTANCE_DIR": str(tmp / "instance"),
            "VOICEBOT_FLOWS_DIR": str(REPO / "flows"), "VOICEBOT_TWILIO_AUTH_TOKEN": token,
            "VOICEBOT_DRY_RUN": "true", "VOICEBOT_LOG_FORMAT": "json", "VOICEBOT_LOG_LEVEL": "INFO",
            "VOICEBOT_RECORDINGS_DIR": str(tmp / "recordings"),
        })
        if args.no_synchronous_commit:
            env["VOICEBOT_DB_SYNCHRONOUS_COMMIT"] = "false"
        workers = args.workers or int(os.environ.get("VOICEBOT_WEB_WORKERS") or 0) or \
            len(os.sched_getaffinity(0))
        threads = args.threads or int(os.environ.get("VOICEBOT_WEB_THREADS") or 0) or \
            SETTINGS["WEB_THREADS"][0]
        env.update(VOICEBOT_WEB_WORKERS=str(workers), VOICEBOT_WEB_THREADS=str(threads))
        report["server"] = {"workers": workers, "threads": threads, "worker_class": "gthread",
                            "log": "json lines at INFO, one per request",
                            "database": f"PostgreSQL {server_version(database)} on loopback",
                            "synchronous_commit": not args.no_synchronous_commit}
        say(f"servers: gunicorn {workers} worker(s) x {threads} thread(s); "
            f"database {make_url(database).database}")
        servers = (stack.enter_context(server("bare", env, tmp / "bare.log", None, bare_script)),
                   stack.enter_context(server("handwritten", env, tmp / "handwritten.log", None,
                                              bare_script)),
                   stack.enter_context(server("voicebot", env, tmp / "voicebot.log", at, script)))
        # After the voicebot server migrated the database, before anything is timed.
        report["round_trips"] = count_round_trips(database, env, script, to)
        say(f"database round trips per webhook (counted): {report['round_trips']['per_webhook']}")
        for path, counts in report["round_trips"]["by_path"].items():
            say(f"  {path:24} {counts}")

        # Unmeasured: every worker thread opens its database connection and psycopg prepares
        # its statements, as on a server that has been up a while.
        say("warming up")
        for target in servers:
            play(target, to, token, callers=workers * threads * 2, think=0.0, repeat=2,
                 deadline=args.max_seconds)

        runs = []
        for calls in args.call_counts:
            say(f"{calls} concurrent calls, {args.think:g} s think time:")
            row: dict[str, Any] = {"mode": "paced", "calls": calls, "think_s": args.think}
            for target in servers:
                row[target.name] = play(target, to, token, callers=calls, think=args.think,
                                        repeat=1, deadline=args.max_seconds)
            row.update(compare(row))
            runs.append(row)
        if args.saturate:
            repeat = max(1, args.saturate_calls // args.saturate)
            say(f"saturation: {args.saturate} callers, {repeat} calls each, no think time:")
            row = {"mode": "saturated", "callers": args.saturate, "calls": args.saturate * repeat}
            for target in servers:
                row[target.name] = play(target, to, token, callers=args.saturate, think=0.0,
                                        repeat=repeat, deadline=args.max_seconds)
            row.update(compare(row))
            runs.append(row)
        report["runs"] = runs
    report["targets"] = targets(runs, report["round_trips"])
    print(json.dumps(report, ensure_ascii=False), flush=True)


def targets(runs: list[dict[str, Any]], round_trips: dict[str, Any]) -> dict[str, Any]:
    """Where we stand against issue 7's and issue 15's targets."""
    paced = [r for r in runs if r["mode"] == "paced" and r.get("p99_ratio")]
    saturated = [r for r in runs if r["mode"] == "saturated"]
    out: dict[str, Any] = {"round_trips_per_webhook": {
        "target_max": 5.5, "measured": round_trips["per_webhook"]["round_trips"]}}
    if paced:
        largest = max(paced, key=lambda r: r["calls"])
        out.update({
            "flow_engine_p99_over_bare_pct": {
                "target_max": 30,
                "measured": {str(r["calls"]): round((r["p99_ratio"] - 1) * 100) for r in paced}},
            "p99_ms_at_most_calls": {"target_max": 50, "calls": largest["calls"],
                                     "measured": largest["voicebot"]["p99_ms"]},
        })
    every = paced + saturated
    if every:
        out["p99_ratio_vs_handwritten"] = {
            "target_max": 1.3, "measured": {_run_name(r): r["p99_ratio_vs_handwritten"] for r in paced}}
        out["cpu_ratio_vs_handwritten"] = {
            "target_max": 1.5, "measured": {_run_name(r): r["cpu_ratio_vs_handwritten"] for r in every}}
    if saturated:
        out["throughput_ratio_vs_handwritten"] = {
            "target_min": 0.7,
            "measured": {_run_name(r): r["throughput_ratio_vs_handwritten"] for r in saturated}}
    return out


def _run_name(run: dict[str, Any]) -> str:
    return f"{run['calls']} calls" if run["mode"] == "paced" else f"saturated {run['callers']}"


if __name__ == "__main__":
    run_main(main, "servers stopped, database dropped")
