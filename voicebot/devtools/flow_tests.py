"""Running scripted calls (flows/calls/*.yaml) against a throwaway database in dry-run, never
the real one: `voicebot flows test` runs them this way, and the desk's Flows page runs that
command in a process of its own (`--json`, one `FileOutcome.as_json()` a line)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from voicebot import close_app, create_app
from voicebot.compiler.registry import FlowRegistry
from voicebot.devtools.emulator import CallEmulator, WsgiTransport
from voicebot.devtools.scripted_call import Script, ScriptError, ScriptResult, load_script, run_script
from voicebot.flows.errors import FlowNotFound
from voicebot.flows.model import Flow


@dataclass
class FileOutcome:
    """One script file: its result, or why it could not be run."""

    path: Path
    script: Script | None = None
    result: ScriptResult | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok

    def as_json(self) -> dict[str, Any]:
        """What `voicebot flows test --json` prints for this file: the desk reads it
        (voicebot.admin.flows.ScriptRun), so a key renamed here is renamed there."""
        return {"path": str(self.path), "ok": self.ok,
                "name": self.script.name if self.script else None,
                "flow": self.script.flow if self.script else None,
                "to": self.script.to if self.script else None,
                "transcript": self.result.transcript if self.result else [],
                "failure": self.result.failure if self.result else None,
                "problems": self.problems}


def first_number(registry: FlowRegistry, flow_id: str) -> str:
    """The number a call to `flow_id` dials; ValueError says why there is none."""
    try:
        flow = registry.get(flow_id)
    except FlowNotFound:
        raise ValueError(f"no flow {flow_id!r}") from None
    return dialled_number(flow)


def dialled_number(flow: Flow) -> str:
    """The number a call to `flow` dials; ValueError for a flow that only places calls."""
    if flow.direction == "outbound" or not flow.numbers:
        raise ValueError(f"flow {flow.id!r} is an outbound flow: its calls are placed by its "
                         "callback rules (for visits: voicebot visits add --flow ...)")
    return str(flow.numbers[0])


@contextmanager
def scratch_app(**overrides: Any) -> Iterator[Flask]:
    with tempfile.TemporaryDirectory(prefix="voicebot-test-") as tmp:
        app = create_app({**overrides, "DATABASE_URL": f"sqlite:///{tmp}/calls.db",
                          "INSTANCE_DIR": tmp, "DRY_RUN": True,
                          "RECORDINGS_DIR": f"{tmp}/recordings"})
        try:
            yield app
        finally:
            # Callbacks the scripts fired put jobs in the scratch store: its thread goes too.
            close_app(app)


def _number(app: Flask, script: Script) -> str:
    if script.to:
        return script.to
    try:
        return first_number(app.extensions["voicebot.flows"], script.flow or "")
    except ValueError as exc:
        raise ScriptError([f"{script.path}:{script.flow_line}: flow: {exc}"]) from None


def _emulator(app: Flask, to: str, script: Script) -> CallEmulator:
    app.extensions["voicebot.clock"].set(script.at)
    return CallEmulator(WsgiTransport(app), auth_token=app.config["TWILIO_AUTH_TOKEN"],
                        public_url="http://localhost", to=to, from_=script.from_)


def run_files(paths: Sequence[Path], settings: Mapping[str, Any] | None = None) -> Iterator[FileOutcome]:
    """Run each script in its own call on one scratch app; `settings` override the app's
    (the desk passes its FLOWS_DIR). Yields as each script finishes."""
    with scratch_app(**dict(settings or {})) as app:
        for path in paths:
            outcome = FileOutcome(path)
            try:
                outcome.script = load_script(path)
                to = _number(app, outcome.script)
            except ScriptError as exc:
                outcome.problems = exc.problems
            else:
                outcome.result = run_script(outcome.script, functools.partial(_emulator, app, to))
            yield outcome
