"""Hostile flow files: huge, deeply nested, full of merge keys and aliases, or links to files
outside the folder. Each is reported as an ordinary `FILE:LINE: message` problem, quickly,
and never loaded (the small cases are golden files in broken/; these are too big to keep).

The time bounds here are generous on purpose (this machine is shared): each file is refused
in milliseconds, while before the limits the same files took from ten seconds to many minutes
or ended in a RecursionError.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicebot.cli import main
from voicebot.compiler.loader import load_flow, load_flows
from voicebot.flows import yamlsource
from voicebot.flows.errors import FlowLoadError

from support.hostile_flows import HEAD, merge_keys, nested

REPO = Path(__file__).resolve().parents[2]
VALID = REPO / "tests" / "flows" / "valid" / "omega.yaml"

def problems_of(path: Path) -> list[str]:
    with pytest.raises(FlowLoadError) as caught:
        load_flow(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def hostile_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The issue's folder: a good flow, a file with 100,000 merge keys, one nested 10,000 deep."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "omega.yaml").write_text(VALID.read_text())
    (folder / "merges.yaml").write_text(merge_keys(100_000))
    (folder / "deep.yaml").write_text(nested(10_000))
    monkeypatch.chdir(tmp_path)
    return folder


def test_the_issues_folder_is_checked_within_five_seconds_without_a_traceback(
    hostile_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 (done when): `voicebot flows check` reports both hostile files as problems
    within 5 s and prints no traceback; the good flow next to them is still checked."""
    monkeypatch.setenv("VOICEBOT_FLOWS_DIR", str(hostile_folder))
    started = time.monotonic()
    result = CliRunner().invoke(main, ["flows", "check"])
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # no exception escaped the command
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert result.stdout.startswith("ok  flows/omega.yaml  (omega:")
    assert result.stderr.splitlines() == [
        "flows/deep.yaml:8: nested too deeply: a flow file may nest at most 20 levels",
        "flows/merges.yaml:1: the file is too large: a flow file may be at most 256 KB (got 2.3 MB)",
        "2 problem(s) found",
    ]
    assert seconds < 5


def test_many_merge_keys_in_a_small_file_are_refused_before_they_are_merged(tmp_path: Path) -> None:
    """2,000 merge keys fit in 30 KB and used to take ruamel.yaml about ten seconds to merge."""
    path = tmp_path / "merges.yaml"
    path.write_text(merge_keys(2_000))
    started = time.monotonic()
    assert problems_of(path) == [
        f"{path}:51: too many merge keys (<<): a flow file may use at most 20"]
    assert time.monotonic() - started < 2


def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(nested(10_000))
    started = time.monotonic()
    assert problems_of(path) == [
        f"{path}:8: nested too deeply: a flow file may nest at most 20 levels"]
    block = tmp_path / "block.yaml"
    block.write_text("flow: deep\nfacts:\n" + "".join(" " * i + "- \n" for i in range(2, 300)))
    assert problems_of(block) == [
        f"{block}:22: nested too deeply: a flow file may nest at most 20 levels"]
    assert time.monotonic() - started < 2


def test_a_huge_file_is_refused_without_being_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(VALID.read_text() + "# padding\n" * 1_000_000)  # 10 MB of comments
    started = time.monotonic()
    assert problems_of(path) == [
        f"{path}:1: the file is too large: a flow file may be at most 256 KB (got 10.0 MB)"]
    assert time.monotonic() - started < 1


def test_too_many_values_is_refused_before_the_flow_is_compiled(tmp_path: Path) -> None:
    """Small enough on disk, but more values than any flow needs (the largest shipped flow
    has about 1,200): compiling 100,000 would keep a thread busy for half a minute."""
    path = tmp_path / "wide.yaml"
    path.write_text(HEAD.format(id="wide", number="+15555550103") + "facts: {"
                    + ", ".join(f"f{i}: x" for i in range(20_000)) + "}\n")
    started = time.monotonic()
    assert problems_of(path) == [
        f"{path}:7: too large: a flow file may hold at most 5000 values, counting each alias "
        "as the values it stands for"]
    assert time.monotonic() - started < 2


def test_a_link_to_a_file_outside_the_folder_is_refused_and_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "etc" / "passwd.yaml"
    outside.parent.mkdir()
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "omega.yaml").write_text(VALID.read_text())
    (folder / "system.yaml").symlink_to(outside)
    # A link to a file inside the folder is just another name for it, and fine.
    (folder / "sub").mkdir()
    (folder / "sub" / "other.yaml").write_text(
        VALID.read_text().replace("flow: omega", "flow: other").replace("+15555550100", "+15555550177"))
    (folder / "other.yaml").symlink_to(folder / "sub" / "other.yaml")
    monkeypatch.chdir(tmp_path)
    flows, problems = load_flows(Path("flows"))
    assert sorted(flows) == ["omega", "other"]
    assert [str(p) for p in problems] == [
        "flows/system.yaml:1: the file is a link to a file outside the flows folder; "
        "copy the file into the folder instead"]


def test_without_libyaml_ruamel_counts_the_same_limits(
    hostile_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML built without libyaml: ruamel's own (slower) parser counts instead, and the
    issue's files are still refused within the 5 s, before anything is composed."""
    monkeypatch.setattr(yamlsource, "_FAST_LOADER", None)
    started = time.monotonic()
    _flows, problems = load_flows(Path("flows"))
    assert [str(p) for p in problems] == [
        "flows/deep.yaml:8: nested too deeply: a flow file may nest at most 20 levels",
        "flows/merges.yaml:1: the file is too large: a flow file may be at most 256 KB (got 2.3 MB)",
    ]
    small = hostile_folder / "small.yaml"
    small.write_text(merge_keys(2_000))
    assert problems_of(small) == [
        "flows/small.yaml:51: too many merge keys (<<): a flow file may use at most 20"]
    assert time.monotonic() - started < 5
