"""What an English call is for, as against what it is about (issue 11): the appliance named,
who pays, and work already done are context; the insurer, the part, the price asked and the
finished job are the purpose. Menus of our own words, not a flow's."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.compiler.loader import load_flow
from voicebot.engine import answers
from voicebot.engine.steps.ask import Ask
from voicebot.language import focus, negation
from voicebot.language.lemmas import analyse
from voicebot.language.scorer import Menu, pattern


def _lemmas(phrase: str) -> tuple[str, ...]:
    return tuple(t.lemma for t in pattern(phrase, "en").terms)


WORDS = {
    "insurance": ["insurance", "covered", "claim"],
    "parts": ["part", "shipped"],
    "finished": ["finished", "completed"],
    "price": ["price", "pay", "how much"],
    "dispatcher": ["dispatcher", "someone", "dryer", "ice maker", "washer"],
}
THINGS = ["dryer", "ice maker", "washer"]


def _desk(things: list[str], dispatcher_first: bool = True) -> Menu[str]:
    """The menu, its dispatcher listed first (a tie goes to it) or last."""
    keys = sorted(WORDS, key=lambda k: (k == "dispatcher") != dispatcher_first)
    return Menu([(key, [pattern(w, "en") for w in WORDS[key]]) for key in keys], "en",
                context={"dispatcher": [_lemmas(t) for t in things]})


def _best(m: Menu[str], said: str) -> str | None:
    found = m.hear(said).best
    return None if found is None else found.key


@pytest.mark.parametrize(("said", "purpose", "without_context"), [
    # OM-3: the insurer pays for the dryer: named, the insurer decides even where the menu
    # does not know the dryer for a thing (`Menu._reranked`: the company named first).
    ("the insurance is handling the fix on our dryer", "insurance", "insurance"),
    # OM-5: the part is for the ice maker; without the things as context the dispatcher's
    # appliance wins: what the menu's context fixes.
    ("my part for the ice maker got shipped", "parts", "dispatcher"),
])
def test_the_purpose_outranks_the_thing_named(said: str, purpose: str,
                                              without_context: str) -> None:
    assert _best(_desk(THINGS), said) == purpose
    assert _best(_desk([]), said) == without_context


def test_the_thing_decides_when_nothing_else_is_wanted() -> None:
    assert _best(_desk(THINGS), "the washer died on me again") == "dispatcher"


FLOW = """\
flow: mini
language: en-US
numbers: ["+15555550100"]
timezone: UTC
quotes:
  services:
    - id: fridge
      name: fridge repair
      words: [fridge, "not cooling"]
    - id: oven
      name: oven repair
      words: [oven]
  sms: "Hi {{caller_name}}, {{service}} at {{name}}."
start: menu
fallback: bye
states:
  menu:
    ask: "Say insurance, parts, or what you need."
    choices:
      - words: [insurance, covered]
        goto: bye
      - words: [part, parts]
        goto: bye
      - words: [dispatcher, {desk}]
        goto: bye
    no_input: bye
    no_match: bye
  bye:
    hangup: "Bye."
"""


def _menu(tmp_path: Path, desk: str) -> Menu[int]:
    path = tmp_path / "f.yaml"
    path.write_text(FLOW.format(desk=desk), encoding="utf-8")
    step = load_flow(path).states["menu"]
    assert isinstance(step, Ask) and step.menu is not None
    return step.menu


def test_a_choice_naming_things_of_several_services_hears_them_as_context(
        tmp_path: Path) -> None:
    """A dispatcher's choice lists the catalogue's appliances and its service names' "repair":
    they are what a call is about (OM-3: the insurer's call stays the insurer's)."""
    desk = _menu(tmp_path, "fridge, oven, repair")
    assert desk.context[2] == {_lemmas("fridge"), _lemmas("oven"), _lemmas("repair")}
    assert desk.hear("my insurance is paying for the repair on the oven").best.key == 0  # type: ignore[union-attr]
    assert desk.hear("the oven quit on me").best.key == 2  # type: ignore[union-attr]


def test_a_choice_naming_one_services_thing_keeps_it_as_its_purpose(tmp_path: Path) -> None:
    assert not _menu(tmp_path, "oven").context[2]


@pytest.mark.parametrize(("said", "denied"), [
    ("insurance isn't involved, the stove needs a look", "insurance"),
    ("the warranty does not cover it", "warranty"),
    ("no home warranty here", "warranty"),
])
def test_insurance_denied_after_it_is_named_or_as_a_compound(said: str, denied: str) -> None:
    """OM-3: a caller who says there is no insurer is not an insurance caller."""
    terms = analyse(said, "en")
    assert any(terms[i].text == denied for i in negation.scope(terms, "en"))


def test_a_thing_that_is_not_working_is_not_denied() -> None:
    terms = analyse("the washer isn't draining", "en")
    assert all(terms[i].text != "washer" for i in negation.scope(terms, "en"))


@pytest.mark.parametrize(("said", "told"), [
    ("I'll pay myself, the fridge leaks", True),
    ("my insurance is paying for it", True),
    ("we're covering it ourselves", True),
    ("my insurance is covering it", False),  # an insurer's cover is an insurance call
    ("do I pay extra for the parts", False),
    ("what would I pay for a visit", False),
])
def test_who_pays_is_told_not_asked(said: str, told: bool) -> None:
    assert bool(focus.payment_told(analyse(said, "en"), "en")) is told


@pytest.mark.parametrize(("said", "expected"), [
    # OM-7: a caller who says they pay asks no price; one who asks it does.
    ("the washer leaks and I'll pay out of pocket", "dispatcher"),
    ("how much do I pay for the washer", "price"),
    # OM-3: the caller's own cover is no insurer's.
    ("no insurance, I'm covering it myself, the dryer squeaks", "dispatcher"),
])
def test_a_caller_who_says_who_pays(said: str, expected: str) -> None:
    assert _best(_desk(THINGS, dispatcher_first=False), said) == expected


@pytest.mark.parametrize(("said", "finished"), [
    ("the tech fixed our dishwasher last week and something came up", True),
    ("you guys replaced the pump in my washer and I have a question", True),
    ("the tech came out and swapped the belt, there's one thing I'd ask", True),
    ("the tech ordered a part for my washer and I'm still waiting", False),
    ("your technician fixed my oven, now I need someone for the dryer", False),
])
def test_work_our_people_did_told_as_a_statement(said: str, finished: bool) -> None:
    """OM-6: a question about finished work, however it is put."""
    terms = analyse(said, "en")
    assert focus.finished_told(terms, negation.denied(terms, "en")) is finished


@pytest.mark.parametrize(("said", "finished"), [
    ("our repairman stopped by on friday, so is the dryer sorted or not", True),
    ("you folks were out here monday; are you done with the fridge?", True),
    ("the technician was over yesterday, I was wondering whether he's finished", True),
    ("the tech came out and said a part is on order, has it arrived", False),
    ("the tech came by last week", False),
    # A question whether the job needs more is no wish for a new one.
    ("your repairman was over on friday, does the washer need anything more", True),
    ("the tech came by friday, I need someone for the oven now", False),
])
def test_a_visit_our_people_made_then_a_question_asks_what_is_left(said: str,
                                                                    finished: bool) -> None:
    """OM-6: "your tech came out, is that it?" asks after the job in hand; a visit told with
    no question, or a wait for a part (OM-5), does not."""
    terms = analyse(said, "en")
    assert focus.finished_told(terms, negation.denied(terms, "en")) is finished


def test_a_menu_hears_a_visit_then_a_question_as_a_finished_job() -> None:
    said = "the guy came out to look at the ice maker, is there more to do on it"
    assert _best(_desk(THINGS), said) == "finished"


def test_a_menu_hears_work_done_as_a_finished_job() -> None:
    said = "your technician worked on my dryer yesterday and I've got a question about it"
    assert _best(_desk(THINGS), said) == "finished"


def test_omega_hears_a_finished_job_told_as_a_statement() -> None:
    """OM-6 through the line itself: completion_info, not the general queue."""
    flow = load_flow(Path(__file__).resolve().parents[2] / "flows" / "omega.yaml")
    step = flow.states["menu"]
    assert isinstance(step, Ask)
    heard = answers.hear(flow, step, "", "your repairman serviced our fridge on monday "
                                         "and I'd like to ask about that")
    assert heard is not None and heard.choice.goto == "completion_info"


@pytest.mark.parametrize(("said", "goto"), [
    # OM-6, not OM-3: the warranty on work our people did is the business's own promise.
    ("that belt your crew installed last week, is it guaranteed", "completion_info"),
    ("the job you did on the cooktop, what kind of warranty comes with that", "completion_info"),
    ("your man swapped the pump, any guarantee on the work?", "completion_info"),
    # A contract named stays the insurer's, whoever did the work (OM-3).
    ("you repaired our range, the warranty company needs your report", "insurance_queue"),
])
def test_a_warranty_on_our_own_work_is_a_question_about_it(said: str, goto: str) -> None:
    flow = load_flow(Path(__file__).resolve().parents[2] / "flows" / "omega.yaml")
    step = flow.states["menu"]
    assert isinstance(step, Ask)
    heard = answers.hear(flow, step, "", said)
    assert heard is not None and heard.choice.goto == goto


@pytest.mark.parametrize("said", [
    "your guy came by on monday, is that the end of it",
    "your crew was out here yesterday; is the fridge finished?",
])
def test_your_guy_is_our_technician(said: str) -> None:
    """OM-6: "your guy", "your crew" are the business's people as "the technician" is."""
    terms = analyse(said, "en")
    assert focus.finished_told(terms, negation.denied(terms, "en"))


@pytest.mark.parametrize(("said", "finished"), [
    # OM-6: "you sent" names the man; the verb after it is what he did, not a request.
    ("the fella you folks sent swapped the hose, are we good now", True),
    ("the repairman that you had out serviced the range, one question about it", True),
    # ... and a request stays one: "send" in its own form, asked.
    ("the guy you sent fixed the fridge, now please send someone for the oven", False),
])
def test_a_person_named_by_who_sent_him_did_the_work(said: str, finished: bool) -> None:
    terms = analyse(said, "en")
    assert focus.finished_told(terms, negation.denied(terms, "en")) is finished
