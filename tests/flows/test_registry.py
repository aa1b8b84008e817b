from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from voicebot.flows.errors import FlowNotFound
from voicebot.flows.model import Hangup
from voicebot.flows.registry import FlowRegistry

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


def goodbye(registry: FlowRegistry, flow_id: str = "shop") -> str:
    step = registry.get(flow_id).states["hello"]
    assert isinstance(step, Hangup)
    return step.text[0].template


def test_serves_loaded_flows(tmp_path: Path) -> None:
    write(tmp_path, "shop.yaml")
    write(tmp_path, "other.yml", id="other", number="+15555550199")
    registry = FlowRegistry(tmp_path, check_interval=0)
    assert [f.id for f in registry.flows()] == ["other", "shop"]
    assert registry.for_number("+15555550100") is registry.get("shop")
    assert registry.for_number("+15555550199") is registry.get("other")
    assert registry.for_number("+10000000000") is None
    assert registry.problems() == []
    with pytest.raises(FlowNotFound):
        registry.get("missing")


def test_edit_serves_the_new_version(tmp_path: Path) -> None:
    write(tmp_path, "shop.yaml")
    registry = FlowRegistry(tmp_path, check_interval=0)
    first = registry.get("shop")
    write(tmp_path, "shop.yaml", goodbye="See you.")
    assert goodbye(registry) == "See you."
    assert registry.get("shop").digest != first.digest


def test_broken_edit_keeps_the_last_good_version_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "shop.yaml")
    registry = FlowRegistry(tmp_path, check_interval=0)
    write(tmp_path, "shop.yaml", text=FLOW.format(id="shop", number="+15555550100", goodbye="Bye.")
          .replace("timezone: UTC", "timezone: Nowhere/Land").replace("start:", "strat:"))
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="voicebot.flows"):
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
    registry.refresh(force=True)
    assert [r for r in caplog.records if r.levelno == logging.ERROR] == []

    # Fixing the file serves it and clears the problems.
    write(tmp_path, "shop.yaml", goodbye="Fixed.")
    assert goodbye(registry) == "Fixed."
    assert registry.problems() == []
    assert path.exists()


def test_broken_new_file_is_not_served(tmp_path: Path) -> None:
    write(tmp_path, "shop.yaml", text="flow: [unclosed\n")
    registry = FlowRegistry(tmp_path, check_interval=0)
    assert registry.flows() == []
    (problem,) = registry.problems()
    assert problem.line == 2 and problem.message.startswith("invalid YAML")


def test_deleted_file_removes_its_flow(tmp_path: Path) -> None:
    path = write(tmp_path, "shop.yaml")
    write(tmp_path, "other.yaml", id="other", number="+15555550199")
    registry = FlowRegistry(tmp_path, check_interval=0)
    path.unlink()
    assert [f.id for f in registry.flows()] == ["other"]
    assert registry.for_number("+15555550100") is None
    with pytest.raises(FlowNotFound):
        registry.get("shop")


def test_edit_cannot_take_a_number_from_another_flow(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", id="alpha", number="+15555550100")
    write(tmp_path, "b.yaml", id="bravo", number="+15555550101")
    registry = FlowRegistry(tmp_path, check_interval=0)
    # b.yaml sorts after a.yaml, but even a.yaml must not steal a number already in service.
    write(tmp_path, "a.yaml", id="alpha", number="+15555550101", goodbye="Stolen.")
    assert registry.for_number("+15555550101") is registry.get("bravo")
    assert registry.for_number("+15555550100") is registry.get("alpha")
    assert goodbye(registry, "alpha") == "Bye."
    (problem,) = registry.problems()
    assert problem.path == "numbers[0]"
    assert problem.message.startswith("number is already answered by flow 'bravo'")


def test_changes_are_noticed_only_after_the_check_interval(tmp_path: Path) -> None:
    write(tmp_path, "shop.yaml")
    registry = FlowRegistry(tmp_path, check_interval=3600)
    write(tmp_path, "shop.yaml", goodbye="Later.")
    assert goodbye(registry) == "Bye."
    registry.refresh(force=True)
    assert goodbye(registry) == "Later."
