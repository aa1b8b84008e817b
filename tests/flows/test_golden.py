"""Golden files: each deliberately broken flow and the exact error lines it must produce.

A `broken/NAME.yaml` is loaded on its own; a `broken/NAME/` folder is loaded as a flow
directory (for the checks across files). The output is compared with `broken/NAME.expected`.
Regenerate after an intended change with `VOICEBOT_UPDATE_GOLDEN=1 pytest tests/flows`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow, load_flows
from voicebot.flows.errors import FlowLoadError

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
BROKEN = HERE / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.suffix == ".yaml" or p.is_dir())


def errors_for(case: Path) -> str:
    if case.is_dir():
        _flows, problems = load_flows(case)
    else:
        with pytest.raises(FlowLoadError) as caught:
            load_flow(case)
        problems = caught.value.problems
    return "".join(f"{p}\n" for p in problems)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_broken_flow_reports_exactly(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Display names are relative to the working directory: pin it so they read
    # `tests/flows/broken/x.yaml` wherever pytest was started.
    monkeypatch.chdir(ROOT)
    actual = errors_for(case.relative_to(ROOT))
    expected_file = case.with_suffix(".expected") if case.is_file() else BROKEN / f"{case.name}.expected"
    if os.environ.get("VOICEBOT_UPDATE_GOLDEN") == "1":
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"no golden file {expected_file}; run with VOICEBOT_UPDATE_GOLDEN=1"
    assert actual == expected_file.read_text(encoding="utf-8")


def test_display_names_do_not_depend_on_how_the_path_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    absolute = errors_for(BROKEN / "unknown_target.yaml")
    relative = errors_for(Path("tests/flows/broken/unknown_target.yaml"))
    assert absolute == relative
    assert absolute.startswith("tests/flows/broken/unknown_target.yaml:")
