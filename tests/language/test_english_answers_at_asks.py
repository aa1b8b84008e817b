"""English answers at Omega's asks (issue 11), in wording the flow file does not contain:
where the answer takes the call is what the caller notices."""

from __future__ import annotations

import pytest

from voicebot.language import negation, polarity
from voicebot.language.lemmas import analyse

from support.menus import goes, heard


@pytest.mark.parametrize("said", ["you people are useless, just book the visit",
                                  "are you deaf or just stupid, I want to book a repair"])
def test_om10_an_insult_to_the_dispatcher_is_warned_before_the_request_beside_it(
        said: str) -> None:
    """OM-10: a caller who insults the person on the line is warned first, whatever they ask
    for in the same breath; the warning's step then lets the call go on."""
    assert goes("omega", "menu", said) == "abuse_check"


def test_om10_a_curse_at_the_appliance_with_a_request_to_us_is_no_abuse() -> None:
    assert goes("omega", "menu", "could you send a guy out, this stupid freezer died") \
        == "general_queue"


@pytest.mark.parametrize("said", ["our washing machine is leaking all over the basement",
                                  "the cook top has a burner that sparks"])
def test_om4_an_appliance_called_by_another_of_its_names_is_a_visit_to_book(said: str) -> None:
    """The dispatcher's choice lists the appliances; the catalogue's other names for them
    ("washing machine" of the washer service) are heard as the appliance itself."""
    assert goes("omega", "menu", said) == "general_queue"


@pytest.mark.parametrize("said", ["how long before my part shows up",
                                  "how long till the part for the fridge comes"])
def test_om5_how_long_a_part_takes_is_a_parts_question(said: str) -> None:
    """OM-5: "how long" asked of a part is the part's wait, not the repair's completion."""
    assert goes("omega", "menu", said) == "parts_info"


def test_om6_how_long_a_repair_takes_is_still_a_completion_question() -> None:
    assert goes("omega", "menu", "how long until my oven job is wrapped up completely") \
        == "completion_info"


def test_om6_the_supervisors_check_is_a_completion_question() -> None:
    """OM-6: the supervisor's check of finished work is what the completion answer tells."""
    assert goes("omega", "menu", "will somebody senior inspect what your guy did") \
        == "completion_info"


@pytest.mark.parametrize(("said", "meant"), [
    ("whoever you send is fine with me", None),
    ("it doesn't matter who shows up", None),
    ("no, anybody is ok", "no"),
    ("yes, any one of them is fine as long as it's not him", "yes"),
])
def test_om8_leaving_the_choice_to_us_is_no_yes(said: str, meant: str | None) -> None:
    """OM-8: "Do you still want a different technician?" - "whoever you send is fine" insists
    on nothing: the flow does not note a change and call the supervisor on a "fine"."""
    assert polarity.answer(said, "en") == meant


@pytest.mark.parametrize("said", [
    "it's not an insurance claim, I'm paying for the fridge repair myself",
    "I need the dishwasher looked at"])
def test_om3_a_contract_denied_is_an_ordinary_visit(said: str) -> None:
    """OM-3: "not an insurance claim" denies the whole compound, and a thing wanted looked at
    is a visit to book (not the price of one)."""
    assert goes("omega", "menu", said) == "general_queue"


def test_om3_a_compound_of_three_nouns_is_denied_whole() -> None:
    terms = analyse("not a home warranty claim, regular customer", "en")
    assert negation.denied(terms, "en") == {2, 3, 4}


def test_om6_work_signed_off_is_finished_work() -> None:
    assert goes("omega", "menu", "has the job on my fridge been signed off") == "completion_info"


def test_om10_a_name_called_at_the_dispatcher_is_abuse() -> None:
    """OM-10: the flow lists "idiot", "moron"...; "clowns" is heard through the idioms' insult
    class, said to the person on the line."""
    assert goes("omega", "menu", "you people are clowns") == "abuse_check"


def test_om3_a_work_order_from_a_company_is_a_contract_job() -> None:
    """OM-3: a work order sent by a company (a warranty provider) is served first."""
    assert goes("omega", "menu", "we have a work order from Old Republic for a dishwasher") \
        == "insurance_queue"


def test_om3_an_adjuster_asking_for_a_look_is_an_insurance_job() -> None:
    """OM-3: the adjuster wants the visit: the insurance queue, not the general one."""
    assert goes("omega", "menu", "the adjuster asked that your tech look at our fridge") \
        == "insurance_queue"


@pytest.mark.parametrize("said", ["Liberty Mutual is handling it, the range caught fire",
                                  "USAA covers this one",
                                  "we have a plan with Old Republic for all our appliances"])
def test_om3_an_insurer_or_warranty_company_named_by_brand_is_served_first(said: str) -> None:
    """OM-3: callers name the company, not the kind of it: a brand is the insurance queue."""
    assert goes("omega", "menu", said) == "insurance_queue"


def test_om3_a_price_asked_for_an_insurer_is_the_insurers_call() -> None:
    """OM-3: "Farmers asked us to get a quote from you" asks a price on the insurer's behalf:
    the call is the insurer's (at least the one the flow asks to confirm), not a price answer."""
    found = heard("omega", "menu", "Farmers asked us to get a quote from you for the oven")
    assert found is not None and found.choice.goto == "insurance_queue"
