"""Words in which a Russian caller says who they are: "я монтажник", "мы магазин".

"Я монтажник кондиционеров, ищу подработку" asks for work, not for an installation: the
person noun describes the speaker. Such a noun counts for a flow's word only as itself ("я
инвалид" is the disability a home visit is for, TS-6), never as the activity it is made from
("монтажник" from "монтаж", "кузовщик" from "кузов"), which is what a caller asks for when
they name the person they need ("нужен кузовщик").
"""

from __future__ import annotations

from voicebot.language import forms
from voicebot.language.lemmas import Term

_SPEAKERS = frozenset({"я", "мы"})


def described(terms: tuple[Term, ...]) -> frozenset[int]:
    """Indices of the nouns that say who the speaker is: a noun in the nominative right after
    "я"/"мы" (small words between allowed), with no verb between, in one clause."""
    found: set[int] = set()
    for i, term in enumerate(terms):
        if term.text not in _SPEAKERS:
            continue
        for j in range(i + 1, min(i + 4, len(terms))):
            nxt = terms[j]
            if nxt.clause != term.clause or nxt.lexeme.verb or nxt.negation:
                break
            if not nxt.content:
                continue
            tag = forms.parses(nxt.text)[0].tag
            if tag.POS == "NOUN" and tag.case == "nomn":
                found.add(j)
                break
            if tag.POS != "ADJF":
                break
    return frozenset(found)
