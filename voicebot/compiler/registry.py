"""The flows currently in service, reloaded from disk when their files change.

A broken edit must never take a line down: the registry keeps the last good version of
each file and only swaps in a new one once it loads cleanly (and clashes with no other
file's id or numbers). The problems of refused edits are logged once, when the edit is
seen, and stay available from `problems()` for the desk.

A caller must never wait for a file to load (a hostile one once held every call for
minutes). So files are loaded only by a watcher thread, which looks at the folder every
`check_interval` seconds and swaps in a new immutable `Snapshot`; reading one attribute is
atomic, so a request takes no lock and never waits. The watcher starts with the first read
in each process: in every gunicorn worker (a thread does not survive a fork, and the child
starts its own), in `voicebot worker`, in the embedded server, in a CLI command.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from flask import Flask, current_app

from voicebot.compiler.loader import LoadedFile, check_unique, display_name_for, flow_files, read_flow
from voicebot.flows.catalog import EXTENSION
from voicebot.flows.errors import FlowLoadError, FlowNotFound, Problem
from voicebot.flows.model import Flow

log = logging.getLogger("voicebot.flows")

Signature = tuple[int, int]
"""(mtime_ns, size): cheap to read on every check, and changes with every save."""

SHORTEST_INTERVAL = 0.05
"""A check interval of 0 means "as often as is sensible", not a thread spinning."""


@dataclass(frozen=True)
class Snapshot:
    """The flows in service at one moment, and the problems of the files not served."""

    by_id: Mapping[str, Flow] = field(default_factory=lambda: MappingProxyType({}))
    by_number: Mapping[str, Flow] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[Problem, ...] = ()

    @property
    def files_with_problems(self) -> int:
        return len({p.file for p in self.problems})


@dataclass
class _FileState:
    signature: Signature
    good: LoadedFile | None
    """Version being served; None if the file never loaded (or lost a clash)."""
    problems: list[Problem]
    """Why the version on disk is not the one served; empty when it is."""


def _among(loaded: LoadedFile, kept: list[LoadedFile]) -> bool:
    # By identity: an old and a new version of a file may well compare equal.
    return any(k is loaded for k in kept)


_registries: weakref.WeakSet[FlowRegistry] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for registry in list(_registries):
        registry._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


class FlowRegistry:
    def __init__(self, directory: Path, *, check_interval: float = 1.0) -> None:
        self.directory = directory
        self.check_interval = max(check_interval, SHORTEST_INTERVAL)
        self._files: dict[Path, _FileState] = {}
        """Only the thread holding `_loading` touches this."""
        self._snapshot = Snapshot()
        self._closed = False
        self._forked()
        _registries.add(self)
        self.refresh()  # the first load happens before anything is served

    def _forked(self) -> None:
        """Fresh locks and no watcher: what a new process (or a forked child) starts with.
        A lock the parent's watcher held at the fork would stay held in the child forever."""
        self._loading = threading.Lock()
        """Held while files are loaded; never by a reader."""
        self._starting = threading.Lock()
        self._checked = threading.Condition()
        self._checks_started = self._checks_done = 0
        self._wake = threading.Event()
        self._watcher: threading.Thread | None = None

    # --- reading (never waits for a load) ------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The flows in service now. Starts this process's watcher on first use."""
        watcher = self._watcher
        if watcher is None or not watcher.is_alive():
            self._watch()
        return self._snapshot

    def get(self, flow_id: str) -> Flow:
        try:
            return self.snapshot().by_id[flow_id]
        except KeyError:
            raise FlowNotFound(f"no flow with id {flow_id!r} in {self.directory}") from None

    def find(self, flow_id: str) -> Flow | None:
        """The flow, or None when it is gone (a call or a row outliving its flow's file)."""
        return self.snapshot().by_id.get(flow_id)

    def for_number(self, number: str) -> Flow | None:
        return self.snapshot().by_number.get(number)

    def flows(self) -> list[Flow]:
        return sorted(self.snapshot().by_id.values(), key=lambda f: f.id)

    def problems(self) -> list[Problem]:
        """Problems of the files whose current version on disk is not being served."""
        return list(self.snapshot().problems)

    # --- the watcher ---------------------------------------------------------------------

    def _watch(self) -> None:
        with self._starting:
            if self._closed or (self._watcher is not None and self._watcher.is_alive()):
                return
            self._watcher = threading.Thread(target=self._run, name="voicebot-flows", daemon=True)
            self._watcher.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.check_interval)
            self._wake.clear()
            if self._closed:
                return
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any surprise; the next look retries
                log.exception("checking flow files in %s failed", self.directory)

    def check_now(self, timeout: float = 30.0) -> None:
        """Wait until the folder has been looked at since this call (by the watcher, woken
        now; or here, when no watcher runs): for tests, and for the desk's flows page, which
        shows what is on disk. Never call it while answering a call."""
        watcher = self._watcher
        if self._closed or watcher is None or not watcher.is_alive():
            self.refresh()
            return
        with self._checked:
            wanted = self._checks_started + 1
            self._wake.set()
            self._checked.wait_for(lambda: self._checks_done >= wanted, timeout)

    def close(self) -> None:
        """Stop the watcher (an app that ends before its process: tests, scratch apps)."""
        self._closed = True
        self._wake.set()
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(10)

    # --- reloading -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Look at the folder now and load what changed: the watcher's work (and the first
        load). Readers meanwhile keep the snapshot they have."""
        with self._loading:
            with self._checked:
                self._checks_started += 1
            try:
                self._load_changes()
            finally:
                with self._checked:
                    self._checks_done = self._checks_started
                    self._checked.notify_all()

    def _load_changes(self) -> None:
        on_disk = self._scan()
        changed = {
            path
            for path, signature in on_disk.items()
            if path not in self._files or self._files[path].signature != signature
        }
        removed = set(self._files) - set(on_disk)
        if not changed and not removed:
            return
        for path in sorted(removed):
            log.info("flow file %s removed", path)
            del self._files[path]
        candidates = {path: self._reload(path, on_disk[path]) for path in sorted(changed)}
        self._settle(candidates)

    def _scan(self) -> dict[Path, Signature]:
        result: dict[Path, Signature] = {}
        try:
            paths = flow_files(self.directory)
        except OSError as exc:
            log.error("cannot list flow directory %s: %s", self.directory, exc)
            return {path: state.signature for path, state in self._files.items()}
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue  # deleted between listing and stat
            result[path] = (stat.st_mtime_ns, stat.st_size)
        return result

    def _reload(self, path: Path, signature: Signature) -> LoadedFile | None:
        """Load the file's new version; on failure keep serving the old one."""
        previous = self._files.get(path)
        good = previous.good if previous else None
        try:
            candidate = read_flow(path, folder=self.directory)
        except FlowLoadError as exc:
            self._files[path] = _FileState(signature, good, exc.problems)
            return None
        except Exception:  # a bug must cost this file, not the watcher and every other file
            log.exception("%s: loading failed", path)
            problem = Problem(display_name_for(path), 1, "",
                              "the file could not be loaded: an error in voicebot itself, see the log")
            self._files[path] = _FileState(signature, good, [problem])
            return None
        self._files[path] = _FileState(signature, good, [])
        return candidate

    def _settle(self, candidates: dict[Path, LoadedFile | None]) -> None:
        """Decide which version of each file serves, then rebuild the lookups.

        Unchanged files are checked first so that an edit cannot take an id or number away
        from a flow already in service; a new version that clashes is refused and its last
        good version keeps serving, if that still fits.
        """
        order = sorted(self._files, key=lambda p: (p in candidates, p))

        def offered(path: Path) -> LoadedFile | None:
            return candidates.get(path) or self._files[path].good

        kept, clashes = check_unique(v for p in order if (v := offered(p)) is not None)
        fallbacks: list[LoadedFile] = []
        for path, candidate in candidates.items():
            if candidate is not None and not _among(candidate, kept):
                state = self._files[path]
                state.problems = [p for p in clashes if p.file == candidate.flow.file]
                if state.good is not None:
                    fallbacks.append(state.good)
        if fallbacks:
            kept, _ = check_unique([*kept, *fallbacks])
        for path in order:
            state = self._files[path]
            candidate = candidates.get(path)
            if candidate is not None and _among(candidate, kept):
                state.good = candidate
            elif state.good is not None and not _among(state.good, kept):
                state.good = None
            if path in candidates:
                self._log(path, state)
        self._snapshot = Snapshot(
            by_id=MappingProxyType({k.flow.id: k.flow for k in kept}),
            # An outbound flow's numbers are its caller IDs: calls to them are not its to answer.
            by_number=MappingProxyType({n: k.flow for k in kept if k.flow.direction == "inbound"
                                        for n in k.flow.numbers}),
            problems=tuple(p for _path, state in sorted(self._files.items()) for p in state.problems),
        )

    @staticmethod
    def _log(path: Path, state: _FileState) -> None:
        if not state.problems:
            if state.good is not None:
                log.info("flow %r loaded from %s", state.good.flow.id, path)
            return
        for problem in state.problems:
            log.error("%s", problem)
        if state.good is not None:
            log.error(
                "%s: edit refused, still serving the last good version of flow %r",
                state.good.flow.file,
                state.good.flow.id,
            )
        else:
            log.error("%s: not loaded", path)


def registry(app: Flask | None = None) -> FlowRegistry:
    """The app's registry: the one typed way to it (`app.extensions["voicebot.flows"]`)."""
    reg: FlowRegistry = (app or current_app).extensions[EXTENSION]
    return reg
