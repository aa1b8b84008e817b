"""An 8 kHz test set of voicemails to Omega (OM-4): what callers really leave on an appliance
repair line, spoken by espeak-ng in several voices and speeds, cut to the telephone band and
mixed with line noise (`support.speech.phone_call`).

Written as callers speak, not from the flow's keyword lists: greetings, hesitations, the
appliance named once among other words, names in the forms people use and callback numbers
read digit by digit. The benchmark (`python -m bench.pipeline`) and the end-to-end test
(tests/voicemail/test_phone_voicemails.py) both use this set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhoneVoicemail:
    key: str
    text: str
    voice: str
    speed: int
    service: str | None
    """The Omega service the quote must be for; None: no quote (not a service request)."""
    name: str | None
    """The caller's name as they give it (the quote greets them by it); None: they give none."""


SERVICE = (
    PhoneVoicemail(
        "fridge",
        "Hi, this is Karen. Our refrigerator stopped cooling last night, everything in it is "
        "getting warm. Could somebody come out and take a look? My number is five oh three, "
        "five five five, two one four eight. Thanks.",
        "en-us", 150, "refrigerator", "Karen"),
    PhoneVoicemail(
        "dishwasher",
        "Hello, my name is David Miller. The dishwasher is leaking water all over the kitchen "
        "floor every time we run it. Please call me back at five oh three five five five "
        "three three zero one.",
        "en-gb", 160, "dishwasher", "David Miller"),
    PhoneVoicemail(
        "washer",
        "Yeah hi, Robert here. The washing machine won't drain, there's still water sitting "
        "in the bottom after the cycle ends. You can reach me at five oh three five five five "
        "seven seven one two.",
        "en-us+m3", 165, "washer", "Robert"),
    PhoneVoicemail(
        "dryer",
        "Good afternoon, this is Linda calling. My dryer runs but it doesn't heat up at all, "
        "the clothes are still damp after an hour. Please give me a call at five oh three "
        "five five five four four eight nine.",
        "en-us+f3", 150, "dryer", "Linda"),
    PhoneVoicemail(
        "oven",
        "Hi, it's Maria. The oven won't heat past about two hundred degrees, and the bake "
        "element doesn't glow anymore. Can you send a technician? Call me at five oh three "
        "five five five six two six zero.",
        "en-us+klatt", 145, "oven", "Maria"),
    PhoneVoicemail(
        "microwave",
        "Hello, my name is James. The microwave turns on and the plate spins but the food "
        "stays cold. I'd like to get it repaired. My number is five oh three five five five "
        "eight one eight one.",
        "en-gb-x-rp", 155, "microwave", "James"),
    PhoneVoicemail(
        "disposal",
        "Hi there, this is Susan. Our garbage disposal just hums and won't turn, I think "
        "something is jammed in it. Please call me back at five oh three five five five "
        "two nine nine three.",
        "en-us", 170, "garbage_disposal", "Susan"),
    PhoneVoicemail(
        "ice_maker",
        "Hey, this is Kevin. Our ice maker quit about a week ago, there's no ice at all. Could "
        "you give me a call at five oh three five five five one zero five five?",
        "en-us+m3", 150, "ice_maker", "Kevin"),
    PhoneVoicemail(
        "stove",
        "Hi, my name is Nancy Clark. Two of the burners on my gas stove won't light, it just "
        "keeps clicking. Please call me back at five oh three five five five three eight "
        "four two. Thank you.",
        "en-gb", 150, "oven", "Nancy Clark"),
    PhoneVoicemail(
        "freezer",
        "Hello, this is Paul. The freezer in the garage is warm inside and all the food has "
        "thawed. I need someone out as soon as you can. My number is five oh three five five "
        "five six seven seven one.",
        "en-us+klatt", 160, "refrigerator", "Paul"),
)

NOT_SERVICE = (
    PhoneVoicemail(
        "supplier",
        "Hi, this is Tom from Pacific Appliance Parts. The parts order you placed on Monday "
        "is ready, and the invoice is in the mail. You can pick it up any time after two. "
        "Thanks.",
        "en-us", 155, None, "Tom"),
    PhoneVoicemail(
        "job_seeker",
        "Hello, my name is Brian. I saw online that you're hiring and I'd like to apply for "
        "the technician position. I have five years of experience. Please call me back.",
        "en-gb", 150, None, "Brian"),
    PhoneVoicemail(
        "wrong_number",
        "Hi mom, it's me. Oh wait, sorry, wrong number. Never mind, bye.",
        "en-us+f3", 150, None, None),
    PhoneVoicemail(
        "spam",
        "Congratulations! You have been selected for a special offer on your business "
        "listing. Press one now to speak with a representative.",
        "en-us+klatt", 165, None, None),
)

ALL = SERVICE + NOT_SERVICE
