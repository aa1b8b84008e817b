"""The flows currently in service, reloaded from disk when their files change.

A broken edit must never take a line down: the registry keeps the last good version of
each file and only swaps in a new one once it loads cleanly (and clashes with no other
file's id or numbers). The problems of refused edits are logged once, when the edit is
seen, and stay available from `problems()` for health checks.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from voicebot.flows.errors import FlowLoadError, FlowNotFound, Problem
from voicebot.flows.loader import LoadedFile, check_unique, flow_files, read_flow
from voicebot.flows.model import Flow

log = logging.getLogger("voicebot.flows")

Signature = tuple[int, int]
"""(mtime_ns, size): cheap to read on every refresh, and changes with every save."""


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


class FlowRegistry:
    def __init__(self, directory: Path, *, check_interval: float = 1.0) -> None:
        self.directory = directory
        self.check_interval = check_interval
        self._lock = threading.RLock()
        self._files: dict[Path, _FileState] = {}
        self._by_id: dict[str, Flow] = {}
        self._by_number: dict[str, Flow] = {}
        self._checked_at: float | None = None
        self.refresh(force=True)

    # --- reading -------------------------------------------------------------------------

    def get(self, flow_id: str) -> Flow:
        self.refresh()
        with self._lock:
            try:
                return self._by_id[flow_id]
            except KeyError:
                raise FlowNotFound(f"no flow with id {flow_id!r} in {self.directory}") from None

    def for_number(self, number: str) -> Flow | None:
        self.refresh()
        with self._lock:
            return self._by_number.get(number)

    def flows(self) -> list[Flow]:
        self.refresh()
        with self._lock:
            return sorted(self._by_id.values(), key=lambda f: f.id)

    def problems(self) -> list[Problem]:
        """Problems of the files whose current version on disk is not being served."""
        with self._lock:
            return [p for _path, s in sorted(self._files.items()) for p in s.problems]

    # --- reloading -----------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Reload changed files; without `force`, at most once every `check_interval` seconds."""
        with self._lock:
            now = time.monotonic()
            if (
                not force
                and self._checked_at is not None
                and now - self._checked_at < self.check_interval
            ):
                return
            self._checked_at = now
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
            candidate = read_flow(path)
        except FlowLoadError as exc:
            self._files[path] = _FileState(signature, good, exc.problems)
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
        self._by_id = {k.flow.id: k.flow for k in kept}
        # An outbound flow's numbers are its caller IDs: calls to them are not its to answer.
        self._by_number = {n: k.flow for k in kept if k.flow.direction == "inbound"
                           for n in k.flow.numbers}

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
    """The app's registry (`app.extensions["voicebot.flows"]`)."""
    reg: FlowRegistry = (app or current_app).extensions["voicebot.flows"]
    return reg
