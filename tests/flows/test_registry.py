from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from voicebot.compiler import registry as registry_module
from voicebot.compiler.loader import LoadedFile
from voicebot.compiler.registry import FlowRegistry
from voicebot.engine.steps.hangup import Hangup
from voicebot.flows.errors import FlowNotFound

FLOW = """\
flow: {id}
language: en-US
numbers: ["{number}"]
timezone: UTC
start: hello
fallback: hello
states:
  hello:
    hangup: "{goodbye}"
"""


def write(directory: Path, name: str, *, id: str = "shop", number: str = "+15555550100",
          goodbye: str = "Bye.", text: str | None = None) -> Path:
    path = directory / name
    path.write_text(text if text is not None else FLOW.format(id=id, number=number, goodbye=goodbye))
    # Bump the mtime explicitly: two writes within one clock tick must still count as a change.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    return path


@pytest.fixture
def open_registry() -> Iterator[Callable[..., FlowRegistry]]:
    """Registries that stop their watcher thread when the test ends."""
    made: list[FlowRegistry] = []

    def make(directory: Path, check_interval: float = 0) -> FlowRegistry:
        made.append(FlowRegistry(directory, check_interval=check_interval))
        return made[-1]

    yield make
    for registry in made:
        registry.close()


def goodbye(registry: FlowRegistry, flow_id: str = "shop") -> str:
    step = registry.get(flow_id).states["hello"]
    assert isinstance(step, Hangup)
    return step.text[0].template


def test_serves_loaded_flows(tmp_path: Path, open_registry: Callable[..., FlowRegistry]) -> None:
    write(tmp_path, "shop.yaml")
    write(tmp_path, "other.yml", id="other", number="+15555550199")
    registry = open_registry(tmp_path)
    assert [f.id for f in registry.flows()] == ["other", "shop"]
    assert registry.for_number("+15555550100") is registry.get("shop")
    assert registry.for_number("+15555550199") is registry.get("other")
    assert registry.for_number("+10000000000") is None
    assert registry.problems() == []
    with pytest.raises(FlowNotFound):
        registry.get("missing")


def test_edit_serves_the_new_version(tmp_path: Path, open_registry: Callable[..., FlowRegistry]) -> None:
    write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path)
    first = registry.get("shop")
    write(tmp_path, "shop.yaml", goodbye="See you.")
    registry.check_now()
    assert goodbye(registry) == "See you."
    assert registry.get("shop").digest != first.digest


def test_broken_edit_keeps_the_last_good_version_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, open_registry: Callable[..., FlowRegistry]
) -> None:
    path = write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path)
    write(tmp_path, "shop.yaml", text=FLOW.format(id="shop", number="+15555550100", goodbye="Bye.")
          .replace("timezone: UTC", "timezone: Nowhere/Land").replace("start:", "strat:"))
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="voicebot.flows"):
        registry.check_now()
        assert goodbye(registry) == "Bye."
    name = registry.get("shop").file
    assert name.endswith("shop.yaml")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors[:3] == [
        f"{name}:1: missing required key 'start'",
        f"{name}:4: timezone: unknown time zone; expected one like America/Los_Angeles "
        "(got 'Nowhere/Land')",
        f"{name}:5: strat: unknown key, did you mean 'start'?",
    ]
    assert "edit refused" in errors[3]
    assert all(r.name == "voicebot.flows" for r in caplog.records)
    assert [str(p) for p in registry.problems()] == errors[:3]

    # The refusal is logged once, not on every refresh.
    caplog.clear()
    registry.check_now()
    registry.check_now()
    assert [r for r in caplog.records if r.levelno == logging.ERROR] == []

    # Fixing the file serves it and clears the problems.
    write(tmp_path, "shop.yaml", goodbye="Fixed.")
    registry.check_now()
    assert goodbye(registry) == "Fixed."
    assert registry.problems() == []
    assert path.exists()


def test_broken_new_file_is_not_served(tmp_path: Path, open_registry: Callable[..., FlowRegistry]) -> None:
    write(tmp_path, "shop.yaml", text="flow: [unclosed\n")
    registry = open_registry(tmp_path)
    assert registry.flows() == []
    (problem,) = registry.problems()
    assert problem.line == 2 and problem.message.startswith("invalid YAML")


def test_deleted_file_removes_its_flow(tmp_path: Path, open_registry: Callable[..., FlowRegistry]) -> None:
    path = write(tmp_path, "shop.yaml")
    write(tmp_path, "other.yaml", id="other", number="+15555550199")
    registry = open_registry(tmp_path)
    path.unlink()
    registry.check_now()
    assert [f.id for f in registry.flows()] == ["other"]
    assert registry.for_number("+15555550100") is None
    with pytest.raises(FlowNotFound):
        registry.get("shop")


def test_edit_cannot_take_a_number_from_another_flow(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry]
) -> None:
    write(tmp_path, "a.yaml", id="alpha", number="+15555550100")
    write(tmp_path, "b.yaml", id="bravo", number="+15555550101")
    registry = open_registry(tmp_path)
    # b.yaml sorts after a.yaml, but even a.yaml must not steal a number already in service.
    write(tmp_path, "a.yaml", id="alpha", number="+15555550101", goodbye="Stolen.")
    registry.check_now()
    assert registry.for_number("+15555550101") is registry.get("bravo")
    assert registry.for_number("+15555550100") is registry.get("alpha")
    assert goodbye(registry, "alpha") == "Bye."
    (problem,) = registry.problems()
    assert problem.path == "numbers[0]"
    assert problem.message.startswith("number is already answered by flow 'bravo'")


def test_changes_are_noticed_only_after_the_check_interval(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry]
) -> None:
    write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path, 3600)
    write(tmp_path, "shop.yaml", goodbye="Later.")
    assert goodbye(registry) == "Bye."
    registry.check_now()
    assert goodbye(registry) == "Later."


def test_the_watcher_notices_an_edit_by_itself(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry]
) -> None:
    write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path, 0.05)
    assert goodbye(registry) == "Bye."
    write(tmp_path, "shop.yaml", goodbye="Noticed.")
    deadline = time.monotonic() + 10
    while goodbye(registry) != "Noticed." and time.monotonic() < deadline:
        time.sleep(0.02)
    assert goodbye(registry) == "Noticed."


def test_a_read_never_waits_for_a_file_being_loaded(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: while an edited file is loaded (here held up on purpose, as a hostile file
    once held it up for minutes), every read answers at once from the version in service."""
    write(tmp_path, "shop.yaml")
    write(tmp_path, "other.yaml", id="other", number="+15555550199")
    registry = open_registry(tmp_path, 0.05)
    assert goodbye(registry) == "Bye."  # the first read starts the watcher
    loading, release = threading.Event(), threading.Event()
    real_read = registry_module.read_flow

    def slow_read(path: Path, **kwargs: object) -> LoadedFile:
        loading.set()
        release.wait(30)
        return real_read(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(registry_module, "read_flow", slow_read)
    try:
        write(tmp_path, "shop.yaml", goodbye="Slowly.")
        assert loading.wait(10), "the watcher did not pick up the edit"
        answers: list[str] = []

        def read() -> None:
            flow = registry.for_number("+15555550199")
            answers.append(flow.id if flow else "")

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(5)  # in fact microseconds: a read takes no lock a load holds
        assert answers == ["other"]  # read while the load is still held
        assert goodbye(registry) == "Bye."  # the file being loaded still serves its last version
    finally:
        release.set()
    registry.check_now()
    assert goodbye(registry) == "Slowly."


def test_a_file_that_crashes_the_loader_is_reported_and_the_watcher_carries_on(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path, 0.05)
    real_read = registry_module.read_flow

    def crash(_path: Path, **_kwargs: object) -> LoadedFile:
        raise RuntimeError("a loader bug")

    monkeypatch.setattr(registry_module, "read_flow", crash)
    write(tmp_path, "shop.yaml", goodbye="Crashed.")
    registry.check_now()
    assert goodbye(registry) == "Bye."
    (problem,) = registry.problems()
    assert str(problem).endswith("shop.yaml:1: the file could not be loaded: an error in voicebot "
                                 "itself, see the log")
    assert "a loader bug" in caplog.text
    monkeypatch.setattr(registry_module, "read_flow", real_read)
    write(tmp_path, "shop.yaml", goodbye="Recovered.")
    registry.check_now()
    assert goodbye(registry) == "Recovered." and registry.problems() == []


def _edit_in_a_forked_child(registry: FlowRegistry, directory: str,
                            answer: multiprocessing.connection.Connection) -> None:
    # Runs in the child: the registry came with the fork (nothing is pickled with "fork"),
    # its watcher thread did not.
    write(Path(directory), "shop.yaml", goodbye="Child.")
    deadline = time.monotonic() + 10
    while goodbye(registry) != "Child." and time.monotonic() < deadline:
        time.sleep(0.02)
    answer.send(goodbye(registry))


def test_a_forked_child_runs_its_own_watcher(
    tmp_path: Path, open_registry: Callable[..., FlowRegistry]
) -> None:
    """What a gunicorn worker forked from a process that already had an app would see: the
    parent's watcher thread does not survive the fork, the child starts its own."""
    write(tmp_path, "shop.yaml")
    registry = open_registry(tmp_path, 0.05)
    assert goodbye(registry) == "Bye."  # the parent's watcher is running
    fork = multiprocessing.get_context("fork")
    ours, theirs = fork.Pipe()
    child = fork.Process(target=_edit_in_a_forked_child, args=(registry, str(tmp_path), theirs))
    child.start()
    assert ours.poll(20), "the child did not answer"
    assert ours.recv() == "Child."
    child.join(10)
    assert child.exitcode == 0
