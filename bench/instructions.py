"""Instructions per webhook, voicebot against the hand-written handler: counted under
valgrind's callgrind, so the machine's load does not move them (bench.cpu's milliseconds do).

    .venv/bin/python -m bench.instructions [--calls 20] [--servers voicebot,handwritten]
    .venv/bin/python -m bench.instructions --servers voicebot --part voicebot.services.calls:save

Each server is counted in a process of its own, one after the other, run under
`valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no`: bench.cpu's in-process
setup (the three apps, PostgreSQL, the JSON log line per request to /dev/null, its warm-up
calls and `gc.freeze()`), then `--calls` scripted calls (OM-7, four webhooks) of the server
counted, with collection switched on only inside each WSGI call, from the call to the last
byte of its body. The switch is a small C helper of callgrind's client requests
(`CALLGRIND_TOGGLE_COLLECT`; compiled with gcc into a temporary directory, loaded with
ctypes); after each webhook its count is dumped (`CALLGRIND_DUMP_STATS_AT`) under the
webhook's place in the call and its path, which gives the figure per kind of webhook.

`--part MODULE:ATTRIBUTE` counts only what runs inside one function or method (for example
`voicebot.db:DriverStatement.execute`) during the webhooks instead: the attribute is
replaced by a wrapper that switches collection on and off, so a caller holding its own
reference (`from module import function`) is not seen; name the attribute it calls.

Whatever else the process does while collection is on counts too (valgrind runs one thread
at a time): the flow watcher checks its files once an hour here, and the Russian analyser's
loader has finished before counting starts. Two runs of the same code differ by about 0.1 %
on a calm machine; the count of a run beside a busy test suite was 14 % higher (the driver
waits longer on a busy PostgreSQL), so count on a calm machine and repeat.

Prints one JSON line: instructions per webhook of each server (the mean over the calls), per
kind of webhook, and voicebot's ratio to the handler's.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_DB, machine, run_main, say
from bench.cpu import DEFAULT_SCRIPT, StartResponse, Wsgi, consume, in_process, warm_up

HELPER = r"""
#include <valgrind/callgrind.h>
void vb_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void vb_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void vb_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""
"""Callgrind's client requests, callable from Python. Outside valgrind they do nothing."""
SERVERS = ("voicebot", "handwritten", "bare")
SETTINGS = {"FLOW_CHECK_INTERVAL": 3600}
"""The flow watcher's thread must not check its files while a webhook is counted."""
LABEL = re.compile(r"^desc: Trigger: Client Request: (.+)$", re.MULTILINE)
TOTAL = re.compile(r"^(?:totals|summary): (\d+)", re.MULTILINE)


def compile_helper(folder: Path) -> Path:
    source, library = folder / "callgrind_switch.c", folder / "callgrind_switch.so"
    source.write_text(HELPER)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)],
                   check=True)
    return library


class Switch:
    """Callgrind's collection, switched from Python."""

    def __init__(self, library: Path) -> None:
        self.lib = ctypes.CDLL(str(library))
        self.lib.vb_dump.argtypes = [ctypes.c_char_p]

    def start(self) -> None:
        self.lib.vb_start()

    def toggle(self) -> None:
        self.lib.vb_toggle()

    def dump(self, label: str) -> None:
        self.lib.vb_dump(label.encode())


class Counted:
    """A WSGI app whose every call is counted and dumped under its label: collection on
    from the call until its body is consumed (`whole`), or only inside the part wrapped."""

    def __init__(self, app: Wsgi, switch: Switch, *, whole: bool) -> None:
        self.app, self.switch, self.whole = app, switch, whole
        self.in_call = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        path = environ.get("PATH_INFO", "")
        self.in_call = 1 if path == "/twilio/voice" else self.in_call + 1
        if self.whole:
            self.switch.toggle()
        try:
            chunks = consume(self.app, environ, start_response)
        finally:
            if self.whole:
                self.switch.toggle()
            self.switch.dump(f"{self.in_call} {path}")
        return iter(chunks)


def count_inside(target: str, switch: Switch) -> None:
    """Replace MODULE:ATTRIBUTE (a function, or a class's method) by a wrapper that collects
    while it runs (the outermost call only, when it calls itself)."""
    module_name, _, attribute = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original: Callable[..., Any] = getattr(owner, name)
    depth = threading.local()

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        outer = not getattr(depth, "n", 0)
        depth.n = getattr(depth, "n", 0) + 1
        if outer:
            switch.toggle()
        try:
            return original(*args, **kwargs)
        finally:
            depth.n -= 1
            if outer:
                switch.toggle()

    setattr(owner, name, counted)


def child(args: argparse.Namespace) -> None:
    """Under valgrind: the apps warmed up, then `--calls` calls of one server counted."""
    switch = Switch(args.helper)
    with in_process(args.database_url, args.script, SETTINGS) as (servers, to, _):
        number = warm_up(servers, to)
        for thread in threading.enumerate():  # the Russian analyser's loader (language.forms)
            if thread.name == "voicebot-morphology":
                thread.join()
        server = next(s for s in servers if s.name == args.child)
        server.meter.app = Counted(server.meter.app, switch, whole=not args.part)
        if args.part:
            count_inside(args.part, switch)
        switch.start()
        for _ in range(args.calls):
            number += 1
            server.play(to, number)


def counts(folder: Path) -> dict[str, list[int]]:
    """Each labelled dump's instructions, by label, in the order they were dumped."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for dump in folder.glob("callgrind.out.*"):
        text = dump.read_text(errors="replace")
        label, total = LABEL.search(text), TOTAL.search(text)
        if label and total and dump.suffix.lstrip(".").isdigit():
            found[label.group(1)].append((int(dump.suffix.lstrip(".")), int(total.group(1))))
    return {label: [n for _, n in sorted(runs)] for label, runs in sorted(found.items())}


def run_server(name: str, args: argparse.Namespace, helper: Path, folder: Path) -> dict[str, Any]:
    out = folder / name
    out.mkdir()
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
               "--dump-line=no", f"--callgrind-out-file={out}/callgrind.out", "--",
               sys.executable, "-m", "bench.instructions", "--child", name, "--helper",
               str(helper), "--calls", str(args.calls), "--script", str(args.script),
               "--database-url", args.database_url]
    if args.part:
        command += ["--part", args.part]
    say(f"{name}: {args.calls} calls under callgrind (a few minutes)")
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name}: the counted process failed:\n{done.stderr[-3000:]}")
    by_label = counts(out)
    webhooks = [n for runs in by_label.values() for n in runs]
    if not webhooks:
        raise SystemExit(f"{name}: callgrind dumped no webhook:\n{done.stderr[-3000:]}")
    per_call = sum(webhooks) / args.calls
    return {"instructions_per_webhook": round(sum(webhooks) / len(webhooks)),
            "instructions_per_call": round(per_call),
            "webhooks": len(webhooks),
            "by_webhook": {label: {"mean": round(statistics.fmean(runs)),
                                   "min": min(runs), "max": max(runs)}
                           for label, runs in by_label.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20, help="calls counted per server")
    parser.add_argument("--servers", default="voicebot,handwritten",
                        help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument("--part", help="MODULE:ATTRIBUTE: count only inside it")
    parser.add_argument("--script", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--database-url",
                        default=os.environ.get("VOICEBOT_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--keep", type=Path, help="keep callgrind's dumps in this folder")
    parser.add_argument("--child", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--helper", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    servers = [s for s in args.servers.split(",") if s]
    if not servers or any(s not in SERVERS for s in servers) or not 1 <= args.calls <= 500:
        parser.error(f"--servers: of {', '.join(SERVERS)}; --calls: 1 to 500")
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        raise SystemExit("bench.instructions needs valgrind (with its headers) and gcc")
    start = machine()
    with tempfile.TemporaryDirectory(prefix="voicebot-instructions-") as tmp:
        folder = Path(tmp)
        helper = compile_helper(folder)
        results = {name: run_server(name, args, helper, folder) for name in servers}
        if args.keep:
            shutil.copytree(folder, args.keep, dirs_exist_ok=True)
    report: dict[str, Any] = {
        "bench": "instructions", "machine": start, "calls": args.calls, "part": args.part,
        "method": "callgrind, collection on inside each WSGI call only (--part: inside it)",
        "instructions_per_webhook": {n: r["instructions_per_webhook"] for n, r in results.items()},
        "servers": results, "load_average_at_end": round(os.getloadavg()[0], 2),
    }
    if "voicebot" in results and "handwritten" in results:
        report["ratio_vs_handwritten"] = round(
            results["voicebot"]["instructions_per_webhook"]
            / results["handwritten"]["instructions_per_webhook"], 3)
    print(json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    run_main(main, "the scratch databases were dropped")
