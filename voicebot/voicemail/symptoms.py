"""A fault told by the part that has it: "педаль проваливается", "педаль уходит в пол".

A driver says what the pedal does, not that the brakes need repair; one such word is too
little for the scorer's profiles (two specific words, so that "my company" is no service), yet
a part that a service's examples, and no other service's, make the subject of a verb ("педаль
тормоза стала мягкой") is that service's part, and said as the subject of a verb it is that
service's fault (OM-4, CS-3). A flow author teaches the parts by writing examples, not a list.

Russian only: its nominative tells the subject ("педаль проваливается", not "жму на педаль");
English word order alone would take "the door won't close" for whichever service's example
says "door".
"""

from __future__ import annotations

from voicebot.flows.model import QuoteCatalogue
from voicebot.language import forms
from voicebot.language.lemmas import Family, Term

NEAR = 3
"""Words a fault's verb may stand after its part: "педаль почти сразу проваливается"."""


def _noun(term: Term) -> bool:
    return term.content and not term.lexeme.pronoun \
        and bool(forms.parses(term.text)[0].tag.POS == "NOUN")


def _subject(terms: tuple[Term, ...], i: int) -> bool:
    """A noun in the nominative with a verb after it in its clause: "педаль проваливается"."""
    t = terms[i]
    return _noun(t) and forms.parses(t.text)[0].tag.case == "nomn" and any(
        n.lexeme.verb for n in terms[i + 1:i + 1 + NEAR] if n.clause == t.clause)


def parts(catalogue: QuoteCatalogue) -> dict[str, str]:
    """Noun lemma -> the one service whose examples make it the subject of a verb."""
    if catalogue.services_heard is None:
        return {}
    owners: dict[str, set[str]] = {}
    for key, patterns in catalogue.services_heard.candidates:
        for p in patterns:
            if p.kind != "example":
                continue
            for i, t in enumerate(p.terms):
                if _subject(p.terms, i):
                    owners.setdefault(t.lemma, set()).add(key)
    return {lemma: next(iter(keys)) for lemma, keys in owners.items() if len(keys) == 1}


def _of_another(terms: tuple[Term, ...], i: int, own: frozenset[str]) -> bool:
    """The part is said of something its service does not name: "педаль сцепления", "педаль
    газа" are not the brake pedal ("педаль тормоза" is)."""
    if i + 1 >= len(terms):
        return False
    nxt = terms[i + 1]
    return _noun(nxt) and forms.parses(nxt.text)[0].tag.case == "gent" and nxt.lemma not in own


def at_fault(terms: tuple[Term, ...], catalogue: QuoteCatalogue, family: Family) -> str | None:
    """The service whose own part the caller says does something ("педаль проваливается");
    None when no such part is said, parts of two services are, or the line is not Russian."""
    if family != "ru" or catalogue.services_heard is None:
        return None
    known = parts(catalogue)
    own = {key: frozenset(t.lemma for p in patterns for t in p.terms)
           for key, patterns in catalogue.services_heard.candidates}
    found = {known[t.lemma] for i, t in enumerate(terms)
             if t.lemma in known and _subject(terms, i)
             and not _of_another(terms, i, own[known[t.lemma]])}
    return next(iter(found)) if len(found) == 1 else None
