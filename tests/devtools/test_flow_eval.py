"""`voicebot flows eval` on every shipped flow's labelled utterances (issue 11).

The utterances in flows/eval/ were written by someone who did not write the flows, in words
the flows do not list; they cover the rules about hearing callers right: TS-6, TS-7, TS-8,
TS-9, OM-3, OM-6, OM-8, OM-10, HL-1, HL-7, HL-8, plus every menu of the five lines. Each case
runs the real engine from its `ask` state (tests below), so the figure is what callers get.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from voicebot import close_app, create_app
from voicebot.cli import main
from voicebot.compiler.loader import load_flows
from voicebot.devtools.flow_eval import (
    PASS_MARK,
    EvalError,
    Report,
    evaluate,
    load_cases,
    unpunctuated,
)

REPO = Path(__file__).resolve().parents[2]
FLOWS, _problems = load_flows(REPO / "flows")
SETS = sorted((REPO / "flows" / "eval").glob("*.yaml"))

FLOOR: dict[str, float] = {}
"""Flows not yet at the pass mark, with the share they must not fall below (a ratchet: raise
it as the flows learn; a flow at the pass mark leaves this table). Empty: every shipped line
is at the mark without words lifted from its own eval cases."""


@pytest.fixture(scope="module")
def app(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The cases run the real engine on each database CI runs (the issue's "on both
    databases' runs"): a turn that stores differently there must not hear differently."""
    tmp = tmp_path_factory.mktemp("eval")
    made = create_app({"DATABASE_URL": module_database_url, "INSTANCE_DIR": str(tmp),
                       "DRY_RUN": True, "RECORDINGS_DIR": str(tmp / "recordings")})
    try:
        yield made
    finally:
        close_app(made)


@pytest.fixture(scope="module")
def reports(app: Flask) -> dict[str, Report]:
    done = {}
    for path in SETS:
        flow = FLOWS[path.stem]
        done[flow.id] = evaluate(app, flow, load_cases(path, flow))
    return done


def test_every_shipped_line_has_an_eval_set() -> None:
    assert {p.stem for p in SETS} == set(FLOWS)


@pytest.mark.parametrize("flow_id", sorted(FLOWS))
def test_a_shipped_flow_understands_its_callers(flow_id: str, reports: dict[str, Report]) -> None:
    report = reports[flow_id]
    assert len(report.outcomes) >= 60
    wrong = "\n".join(f"  line {o.case.line}: {o.case.say!r}: expected {o.case.expected}, got "
                      f"{o.got}" for o in report.outcomes if not o.ok)
    if flow_id in FLOOR:
        assert report.accuracy >= FLOOR[flow_id], wrong
        if report.accuracy < PASS_MARK:
            pytest.xfail(f"{flow_id}: {report.accuracy:.1%} < {PASS_MARK:.0%}")
        pytest.fail(f"{flow_id} reached the pass mark: take it out of FLOOR")
    assert report.accuracy >= PASS_MARK, wrong


def test_an_utterance_the_flow_lists_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "omega.yaml"
    path.write_text("flow: omega\ncases:\n  - at: menu\n    say: \"Different technician!\"\n"
                    "    expect: tech_change\n  - at: nowhere\n    say: hi\n    expect: menu\n",
                    encoding="utf-8")
    with pytest.raises(EvalError) as caught:
        load_cases(path, FLOWS["omega"], "eval/omega.yaml")
    first, second = caught.value.problems
    assert first.startswith("eval/omega.yaml:3: cases[0]: the flow lists these very words "
                            "(flows/omega.yaml:")
    assert second.startswith("eval/omega.yaml:6: cases[1].at: expected an ask state")


def test_the_command_prints_accuracy_confusions_and_guesses(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    (flows / "eval").mkdir(parents=True)
    (flows / "omega.yaml").write_text((REPO / "flows" / "omega.yaml").read_text("utf-8"), "utf-8")
    (flows / "eval" / "omega.yaml").write_text(
        "flow: omega\ncases:\n"
        "  - at: menu\n    say: \"my insurer sent me\"\n    expect: insurance_queue\n"
        "  - at: menu\n    say: \"what do you charge\"\n    expect: parts_info\n", "utf-8")
    result = CliRunner().invoke(main, ["flows", "eval", "omega"],
                                env={"VOICEBOT_FLOWS_DIR": str(flows)})
    assert result.exit_code == 1, result.output
    assert "FAIL omega: 1/2 right (50.0%)" in result.output
    assert "expected parts_info  got price_info > anything_else" in result.output
    assert "unpunctuated, lower case (as Vosk writes): 1/2 (50.0%)" in result.output


def test_cases_are_also_run_as_a_recognizer_without_punctuation_writes_them(
        tmp_path: Path) -> None:
    """Vosk (and often Twilio) writes no commas or capitals: the eval says how much of a
    flow's score leans on them."""
    path = tmp_path / "field_visit.yaml"
    path.write_text("flow: field_visit\ncases:\n  - at: confirm\n"
                    "    say: \"Не, я передумал, пусть едет!\"\n    expect: waiting\n", "utf-8")
    (case,) = load_cases(path, FLOWS["field_visit"])
    (bare,) = unpunctuated([case])
    assert bare.say == "не я передумал пусть едет"
    assert (bare.at, bare.state, bare.line) == (case.at, case.state, case.line)


def test_held_out_cases_count_but_their_failures_stay_hidden(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    (flows / "eval").mkdir(parents=True)
    (flows / "omega.yaml").write_text((REPO / "flows" / "omega.yaml").read_text("utf-8"), "utf-8")
    (flows / "eval" / "omega.yaml").write_text(
        "flow: omega\ncases:\n"
        "  - at: menu\n    say: \"my insurer sent me\"\n    expect: insurance_queue\n"
        "  - at: menu\n    held_out: true\n    say: \"what do you charge\"\n"
        "    expect: parts_info\n", "utf-8")
    env = {"VOICEBOT_FLOWS_DIR": str(flows)}
    hidden = CliRunner().invoke(main, ["flows", "eval", "omega"], env=env)
    assert "FAIL omega: 1/2 right (50.0%)" in hidden.output
    assert "tuned 1/1 (100.0%), held out 0/1 (0.0%): their failures are not shown" \
        in hidden.output
    assert "what do you charge" not in hidden.output
    shown = CliRunner().invoke(main, ["flows", "eval", "omega", "--show-held-out"], env=env)
    assert "expected parts_info  got price_info > anything_else" in shown.output
