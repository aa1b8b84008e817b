"""The step-kind registry: what every kind module must provide, and what the registry refuses.

The emulator-driven tests run each kind in calls; these check the contract that lets a new
kind be one module: the loader, interpreter, flow picture and call note find everything
they need through the registry, in both languages, and the docs describe every kind."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typing_extensions import override

from voicebot.compiler.loader import load_flow
from voicebot.engine import steps
from voicebot.engine.steps import KINDS, kind_of, worded_by
from voicebot.engine.steps.base import StepKind, register
from voicebot.engine.steps.say import Say
from voicebot.flows.errors import FlowError
from voicebot.flows.model import Source, StepBase
from voicebot.flows.schema import Key, Node, Schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("key", list(KINDS))
def test_each_kind_is_a_frozen_step_named_by_its_required_key(key: str) -> None:
    kind = KINDS[key]
    assert kind.key == key
    assert issubclass(kind.step, StepBase) and dataclasses.is_dataclass(kind.step)
    assert kind.step.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert kind.schema[key].required, f"{key}: its own key must be required"


@pytest.mark.parametrize("key", list(KINDS))
def test_each_kind_words_its_journal_events_in_english_and_russian(key: str) -> None:
    kind = KINDS[key]
    for event in kind.notes:
        assert worded_by(event) is kind
        for lang in ("en", "ru"):
            # A kind may word an event under other keys (a whisper's answer is "accepted" or
            # "declined", a failed request names its reason): its own note() says how.
            assert event in kind.words[lang] or type(kind).note is not StepKind.note, \
                (key, event, lang)
    assert set(kind.words.get("en", {})) == set(kind.words.get("ru", {})), key


@pytest.mark.parametrize("key", list(KINDS))
def test_a_kind_that_hears_back_from_twilio_waits_and_resumes(key: str) -> None:
    kind = KINDS[key]
    if kind.resumes_on:
        assert kind.waits, f"{key}: Twilio reports back only on a step the call waits in"
        assert type(kind).resume is not StepKind.resume, f"{key}: resumes_on without resume"


def test_every_kind_is_documented_for_flow_authors() -> None:
    documented = set(re.findall(r"^### ([a-z_]+)\b", (ROOT / "docs" / "flows.md").read_text(),
                                re.M))
    # `sms, notify, ticket, set` share one section.
    documented |= {"notify", "ticket", "set"}
    assert set(KINDS) <= documented, set(KINDS) - documented


def test_kinds_are_listed_common_first() -> None:
    assert list(KINDS)[:3] == ["say", "pause", "ask"] and list(KINDS)[-1] == "hangup"


def test_the_kind_of_a_compiled_step_is_found_by_its_type() -> None:
    flow = load_flow(ROOT / "flows" / "omega.yaml")
    for step in flow.states.values():
        assert type(step) is kind_of(step).step
        # Every way out names a state of the flow or a built-in target.
        for edge in steps.edges(step):
            assert edge.source == step.id
            assert edge.target in flow.states or edge.target in ("hangup", "restart")


@dataclasses.dataclass(frozen=True)
class Echo(StepBase):
    next: str


def test_the_registry_refuses_a_kind_that_takes_another_kinds_key_or_events() -> None:
    before = dict(KINDS)

    class Clash(StepKind[Echo]):
        key = "say"
        rank = 1
        step = Echo
        schema: ClassVar[Schema] = {}
        notes = ("ticket",)

        @override
        def compile(self, sid: str, src: Source, values: dict[str, Any], node: Node) -> Echo:
            raise AssertionError("never compiled")

    with pytest.raises(FlowError, match=r"key 'say'.*journal event 'ticket'"):
        register(Clash)

    class SameStep(StepKind[Say]):
        key = "say_again"
        rank = 1
        step = Say
        schema: ClassVar[Schema] = {"say_again": Key(lambda n: n.value, required=True)}

    with pytest.raises(FlowError, match="step type Say"):
        register(SameStep)
    assert before == KINDS
