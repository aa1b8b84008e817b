"""TwiML as text, the same bytes as twilio's `str(response)`, at half its CPU (issue 15).

twilio builds an ElementTree of the response and serialises it: for the two to four verbs of
a turn that cost a webhook about 5 % of its CPU. This writes the verbs' attributes (sorted,
booleans in lower case, as twilio sets them), text and nesting directly, with
ElementTree's escaping; `tests/web/test_twiml_text.py` holds the result to twilio's.
"""

from __future__ import annotations

import json

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})


def text(response: TwiML) -> str:
    out = [DECLARATION]
    _write(response, out)
    # As ElementTree encodes to UTF-8: what UTF-8 cannot carry becomes a character reference.
    return "".join(out).encode("utf-8", "xmlcharrefreplace").decode("utf-8")


def _write(node: TwiML, out: list[str]) -> None:
    out.append(f"<{node.name}")
    for name in sorted(node.attrs):
        value = node.attrs[name]
        said = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f' {name}="{said.translate(_ATTRIBUTE)}"')
    if node.value and isinstance(node.value, dict):
        node.value = json.dumps(node.value)  # as twilio does, in place
    inner: str | None = node.value or None
    # A string nested before any verb is the element's text, one after a verb that verb's
    # tail; a later one replaces an earlier (twilio's ElementTree assignments).
    children: list[list[TwiML | str | None]] = []
    for verb in node.verbs:
        if isinstance(verb, str):
            if children:
                children[-1][1] = verb
            else:
                inner = verb
        else:
            children.append([verb, None])
    if not inner and not children:
        out.append(" />")
        return
    out.append(">")
    if inner:
        out.append(inner.translate(_TEXT))
    for child, tail in children:
        assert isinstance(child, TwiML)
        _write(child, out)
        if tail:
            assert isinstance(tail, str)
            out.append(tail.translate(_TEXT))
    out.append(f"</{node.name}>")
