"""The `voicemail_email:` section: mail each voicemail to the roles it names (issue 18), and
the `email:` of staff members it is mailed to."""

from __future__ import annotations

from typing import Any

from voicebot.flows import fields
from voicebot.flows.model import Source, VoicemailEmail
from voicebot.flows.schema import Context, Key, Node, Schema, boolean, check_mapping, list_of, pattern
from voicebot.flows.yamlsource import CommentedMap, item_line

email_address = pattern(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$",
                        "an e-mail address like dispatch@example.com")

SECTION: Schema = {
    "to": Key(list_of(fields.role, min_items=1), required=True),
    "attach_audio": Key(boolean, default=True),
}


def section(node: Node) -> VoicemailEmail:
    v = check_mapping(node, SECTION, what="a mapping with to (roles) and attach_audio")
    return VoicemailEmail(to=v["to"], attach_audio=v["attach_audio"],
                          source=Source(node.ctx.file, node.line))


def check_recipients(ctx: Context, mapping: CommentedMap, top: dict[str, Any]) -> None:
    """Every role the section names needs someone with an address, or its mail goes nowhere."""
    section_value: VoicemailEmail | None = top.get("voicemail_email")
    if section_value is None or "staff" not in top:
        return
    known = {m["role"] for m in top["staff"]}
    with_address = {m["role"] for m in top["staff"] if m["email"]}
    to = mapping["voicemail_email"]["to"]
    for i, role in enumerate(section_value.to):
        if role in known and role not in with_address:
            ctx.report(item_line(to, i), f"voicemail_email.to[{i}]",
                       f"nobody with role {role!r} has an e-mail address: add email: to a staff "
                       "member with that role", repr(role))
