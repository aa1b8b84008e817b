"""Flows on the desk: which are in service and which files are refused, each flow's picture,
the numbers it answers, and how its scripted calls (flows/calls/*.yaml) fare.

Scripted calls run as `voicebot flows test` runs them, on a throwaway database: the desk runs
that very command (`python -m voicebot flows test --json`) in a process of its own and reads
one JSON line per script. Not a second app inside this request: `create_app` sets up logging,
starts the flow watcher and the job store's thread, and runs migrations, none of which belongs
in the desk's process; a script that hangs or crashes takes its own process down, not the
desk's, and is stopped after SCRIPTS_TIMEOUT. The results are kept until a flow or script file
changes (or staff ask for a new run), so viewing the page costs a look at file times, not a run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from voicebot.admin.blueprint import bp
from voicebot.clock import clock
from voicebot.compiler import graph
from voicebot.compiler.registry import FlowRegistry, registry
from voicebot.flows.errors import FlowNotFound
from voicebot.flows.model import Flow

log = logging.getLogger("voicebot.admin")

Fingerprint = tuple[tuple[str, int, int], ...]
SCRIPTS_TIMEOUT = 300.0
"""Seconds all scripted calls get; the shipped ones take a few. Past it, the run is stopped."""


@dataclass(frozen=True)
class ScriptRun:
    """One scripted call's outcome, as `voicebot flows test --json` reports it
    (voicebot.devtools.flow_tests.FileOutcome.as_json)."""

    path: str
    ok: bool
    name: str | None = None  # None: the file could not be read
    flow: str | None = None
    to: str | None = None
    transcript: tuple[str, ...] = ()
    failure: str | None = None
    problems: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScriptRun:
        return cls(path=str(data["path"]), ok=bool(data["ok"]), name=data.get("name"),
                   flow=data.get("flow"), to=data.get("to"),
                   transcript=tuple(data.get("transcript") or ()), failure=data.get("failure"),
                   problems=tuple(data.get("problems") or ()))


def scripted_calls(scripts: Sequence[Path], flows_dir: Path,
                   timeout: float = SCRIPTS_TIMEOUT) -> tuple[ScriptRun, ...]:
    """Run `scripts` against the flows in `flows_dir` with `voicebot flows test`, in a child
    process on this interpreter. A run that could not finish comes back as one failed outcome
    saying why, shown with the scripts that call no flow."""
    if not scripts:
        return ()
    env = {**os.environ, "VOICEBOT_FLOWS_DIR": str(flows_dir), "VOICEBOT_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "voicebot", "flows", "test", "--json", *map(str, scripts)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        log.error("scripted calls in %s did not finish in %g s: stopped", flows_dir, timeout)
        return (ScriptRun(str(flows_dir / "calls"), ok=False, problems=(
            f"the scripted calls did not finish in {timeout:g} s and were stopped",)),)
    runs = tuple(ScriptRun.from_json(json.loads(line)) for line in done.stdout.splitlines()
                 if line.startswith("{"))
    if done.returncode not in (0, 1) or len(runs) != len(scripts):
        why = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        log.error("scripted calls in %s stopped after %d of %d: %s\n%s", flows_dir, len(runs),
                  len(scripts), why[0], done.stderr)
        runs += (ScriptRun(str(flows_dir / "calls"), ok=False, problems=(
            f"the scripted calls stopped after {len(runs)} of {len(scripts)}: {why[0]}",)),)
    return runs


@dataclass(frozen=True)
class Runs:
    outcomes: tuple[ScriptRun, ...]
    ran_at: dt.datetime
    seconds: float

    def for_flow(self, flow: Flow) -> list[ScriptRun]:
        return [o for o in self.outcomes if o.name is not None
                and (o.flow == flow.id or o.to in flow.numbers)]

    def unmatched(self, flows: list[Flow]) -> list[ScriptRun]:
        """Scripts that could not be read, or that call no flow in service."""
        mine = {id(o) for flow in flows for o in self.for_flow(flow)}
        return [o for o in self.outcomes if id(o) not in mine]


class ScriptRunCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Fingerprint | None = None
        self._runs: Runs | None = None
        self._graphs: dict[tuple[str, str], str | None] = {}

    def runs(self, flows_dir: Path, now: dt.datetime, force: bool = False) -> Runs:
        # One run at a time: a second viewer waits for the first run's results.
        with self._lock:
            key = _fingerprint(flows_dir)
            if force or self._runs is None or key != self._key:
                started = time.monotonic()
                scripts = sorted((flows_dir / "calls").glob("*.yaml"))
                outcomes = scripted_calls(scripts, flows_dir)
                self._runs = Runs(outcomes, now, time.monotonic() - started)
                self._key = key
            return self._runs

    def svg(self, flow: Flow) -> str | None:
        """The flow drawn by Graphviz, or None where `dot` is not installed."""
        key = (flow.id, flow.digest)
        if key not in self._graphs:
            with tempfile.TemporaryDirectory(prefix="voicebot-graph-") as tmp:
                target = Path(tmp) / "flow.svg"
                self._graphs[key] = target.read_text() if graph.render(flow, "svg", target) else None
        return self._graphs[key]


def _fingerprint(folder: Path) -> Fingerprint:
    files = sorted([*folder.glob("*.y*ml"), *(folder / "calls").glob("*.yaml")])
    out = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def init_app(app: Flask) -> None:
    app.extensions["voicebot.desk_flows"] = ScriptRunCache()


def _cache() -> ScriptRunCache:
    cache: ScriptRunCache = current_app.extensions["voicebot.desk_flows"]
    return cache


def _runs(force: bool = False) -> Runs:
    return _cache().runs(Path(current_app.config["FLOWS_DIR"]), clock().now(), force)


def _registry() -> FlowRegistry:
    return registry()


def _flow(flow_id: str) -> Flow:
    try:
        return _registry().get(flow_id)
    except FlowNotFound:
        abort(404)


@bp.get("/flows")
def flows() -> ResponseReturnValue:
    registry = _registry()
    # Staff open this page right after saving a file: show what the watcher makes of it
    # (a webhook never waits like this; a load takes at most a second or so).
    registry.check_now(timeout=5)
    in_service = registry.flows()
    problems = registry.problems()
    served_files = {f.file for f in in_service}
    runs = _runs()
    return render_template(
        "admin/flows.html", flows=in_service, runs=runs,
        problems={f.file: [p for p in problems if p.file == f.file] for f in in_service},
        refused=[p for p in problems if p.file not in served_files],
        unmatched=runs.unmatched(in_service))


@bp.get("/flows/<flow_id>")
def flow(flow_id: str) -> ResponseReturnValue:
    item = _flow(flow_id)
    runs = _runs()
    svg = _cache().svg(item)
    return render_template("admin/flow.html", flow=item, runs=runs.for_flow(item), ran=runs,
                           has_picture=svg is not None,
                           mermaid=None if svg is not None else graph.to_mermaid(item),
                           problems=[p for p in _registry().problems() if p.file == item.file])


@bp.get("/flows/<flow_id>/picture.svg")
def flow_picture(flow_id: str) -> ResponseReturnValue:
    svg = _cache().svg(_flow(flow_id))
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")


@bp.post("/flows/scripts/run")
def run_scripts() -> ResponseReturnValue:
    _runs(force=True)
    return redirect(url_for("admin.flows"))
