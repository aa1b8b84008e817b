"""The `quotes:` section: services callers ask for in a voicemail, and the quote SMS (OM-4, OM-7).

Its texts are filled outside any call's variables (the quote is written after the recording
is understood), so their placeholders are resolved apart from the flow's other texts: facts
and built-ins everywhere, plus the fields of the understood message in the SMS template.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from voicebot.flows import fields
from voicebot.flows.checks import QUOTE_FIELDS
from voicebot.flows.model import NOT_SERVICE_REASONS, QuoteCatalogue, Service, Source, Text
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

SERVICE: Schema = {
    "id": Key(pattern(r"^[a-z0-9_-]+$", "a service id of a-z, 0-9, _ and -"), required=True),
    "name": Key(string, required=True),
    "words": Key(phrases, required=True),
    "price": Key(_template(frozenset())),
}

NOT_SERVICE: Schema = {reason: Key(phrases, default=()) for reason in NOT_SERVICE_REASONS}

CATALOGUE: Schema = {
    "services": Key(lambda n: None, required=True),
    "not_service": Key(lambda n: check_mapping(n, NOT_SERVICE, noun="reason"), default={}),
    "urgent": Key(phrases, default=()),
    "sms": Key(_joined(QUOTE_FIELDS), required=True),
    "notify": Key(list_of(fields.role, min_items=1), default=()),
}


def _service(node: Node) -> Service:
    v = check_mapping(node, SERVICE, what="a service with id, name and words")
    return Service(
        id=v["id"], name=v["name"], words=v["words"], source=Source(node.ctx.file, node.line),
        price=v["price"],
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
    return QuoteCatalogue(
        services=services,
        sms=v["sms"],
        source=Source(node.ctx.file, node.line),
        not_service=MappingProxyType({k: p for k, p in v["not_service"].items() if p}),
        urgent=v["urgent"],
        notify=v["notify"],
    )
