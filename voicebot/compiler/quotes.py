"""The `quotes:` section: services callers ask for in a voicemail, and the quote SMS (OM-4, OM-7).

Its texts are filled outside any call's variables (the quote is written after the recording
is understood), so their placeholders are resolved apart from the flow's other texts: facts
and built-ins everywhere, plus the fields of the understood message in the SMS template.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from voicebot.flows import fields
from voicebot.flows.fields import QUOTE_FIELDS
from voicebot.flows.model import (
    NOT_SERVICE_REASONS,
    Phrase,
    QuoteCatalogue,
    Service,
    Source,
    Text,
)
from voicebot.flows.schema import (
    Invalid,
    Key,
    Node,
    Ref,
    Reported,
    Schema,
    check_mapping,
    check_mapping_partly,
    list_of,
    list_with_ids,
    pattern,
    run,
    string,
)
from voicebot.flows.words import FAMILY
from voicebot.language.scorer import Menu
from voicebot.language.urgency import builtin_urgent


def _template(extra: frozenset[str]) -> Any:
    def check(node: Node) -> Text:
        if not isinstance(node.value, str) or not node.value.strip():
            raise Invalid("expected text")
        names = fields.placeholders(node.value)
        for name in names:
            node.ctx.quote_placeholders.append((Ref(name, node.line, node.path), extra))
        return Text(node.value, Source(node.ctx.file, node.line), frozenset(names))

    return check


def _joined(extra: frozenset[str]) -> Any:
    """One SMS: a list of strings is joined with spaces, as for `sms` steps."""
    parts = list_of(_template(extra), min_items=1)

    def check(node: Node) -> Text:
        texts: tuple[Text, ...] = parts(node)
        if len(texts) == 1:
            return texts[0]
        return Text(
            " ".join(t.template for t in texts),
            texts[0].source,
            frozenset().union(*(t.names for t in texts)),
        )

    return check


phrases = list_of(fields.phrase, min_items=1)
examples = list_of(fields.example, min_items=1)

SERVICE: Schema = {
    "id": Key(pattern(r"^[a-z0-9_-]+$", "a service id of a-z, 0-9, _ and -"), required=True),
    "name": Key(string, required=True),
    "words": Key(phrases, required=True),
    "examples": Key(examples, default=()),
    "price": Key(_template(frozenset())),
}

REASON: Schema = {"words": Key(phrases, default=()), "examples": Key(examples, default=())}


def _reason(node: Node) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    """A reason's words as a list, or `{words: [...], examples: [...]}`."""
    if isinstance(node.value, list | str):
        return phrases(node), ()
    v = check_mapping(node, REASON, what="a list of words, or a mapping with words and examples")
    if not v["words"] and not v["examples"]:
        raise Invalid("a reason needs words or examples")
    return v["words"], v["examples"]


NOT_SERVICE: Schema = {reason: Key(_reason, default=((), ())) for reason in NOT_SERVICE_REASONS}

CATALOGUE: Schema = {
    "services": Key(lambda _n: None, required=True),
    "not_service": Key(lambda n: check_mapping(n, NOT_SERVICE, noun="reason"), default={}),
    "urgent": Key(phrases, default=()),
    "sms": Key(_joined(QUOTE_FIELDS), required=True),
    "notify": Key(list_of(fields.role, min_items=1), default=()),
}


def _service(node: Node) -> Service:
    v = check_mapping(node, SERVICE, what="a service with id, name and words")
    return Service(
        id=v["id"], name=v["name"], words=v["words"], source=Source(node.ctx.file, node.line),
        price=v["price"], examples=v["examples"],
    )


_services = list_with_ids(_service, lambda s: (s.id, s.source.line),
                          what="a list of services with id, name and words", noun="service")


def catalogue(node: Node) -> QuoteCatalogue:
    v, ok = check_mapping_partly(node, CATALOGUE,
                                 what="a mapping with services, not_service, sms and notify")
    # Services are checked even when another key failed, so one run shows every problem.
    services: tuple[Service, ...] = ()
    if "services" in v:
        try:
            services = run(_services, node.child("services"))
        except Reported:
            ok = False
    if not ok:
        raise Reported
    family = FAMILY[node.ctx.stem_language]
    reasons = {k: w + e for k, (w, e) in v["not_service"].items() if w or e}
    return QuoteCatalogue(
        services=services,
        sms=v["sms"],
        source=Source(node.ctx.file, node.line),
        not_service=MappingProxyType({k: w for k, (w, _e) in v["not_service"].items() if w}),
        not_service_examples=MappingProxyType(
            {k: e for k, (_w, e) in v["not_service"].items() if e}),
        urgent=v["urgent"],
        notify=v["notify"],
        # What a voicemail is about is judged by the appliance or part it names first,
        # and only then by the symptom (issue 13): "my dryer's drum won't turn" is a dryer.
        services_heard=Menu([(s.id, [p.pattern for p in s.words + s.examples])
                             for s in services], family, things_first=True),
        # Reasons are weighed apart from the services, so a word no other reason uses ("кузов"
        # in a job seeker's example) is not specific to its reason at all: no profiles here.
        reasons_heard=Menu([(k, [p.pattern for p in found]) for k, found in reasons.items()],
                           family, profiles=False),
        urgent_heard=Menu([("urgent", [*builtin_urgent(family),
                                       *(p.pattern for p in v["urgent"])])], family),
    )
