"""The `http_hosts:` allow-list: the only systems a flow's `http` steps may send call data to.

The steps' URLs are checked (and their hosts noted) by `voicebot.flows.fields.url`.
A flow file is edited by office staff; a typo or a pasted URL must not quietly send callers'
numbers somewhere new, so every `http` step's host is checked against the list at load time
(a host not on it is an error at the step's line) and the list itself is checked too.
"""

from __future__ import annotations

import re
from typing import Any

from voicebot.flows.schema import Context, Invalid, Key, Node, list_of
from voicebot.flows.yamlsource import CommentedMap, key_line

HOST = re.compile(r"^(?=.{1,253}(:|$))[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                  r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$")


def host(node: Node) -> str:
    """One allow-list entry: `crm.example.com` or `127.0.0.1:8080` (no scheme, no path)."""
    if not isinstance(node.value, str) or not HOST.match(node.value):
        raise Invalid("expected a host name, optionally with :port (crm.example.com, "
                      "10.0.0.5:8080), without scheme or path")
    name, _, port = node.value.lower().partition(":")
    if port and not 0 < int(port) < 65536:
        raise Invalid("expected a port from 1 to 65535")
    return f"{name}:{port}" if port else name


KEYS = {"http_hosts": Key(list_of(host), default=())}


def check_urls(ctx: Context, mapping: CommentedMap, top: dict[str, Any]) -> None:
    """Every `http` step's host is on the flow's allow-list."""
    if "http_hosts" not in top:
        return  # the list itself failed its check: already reported
    # An entry without a port allows the host on its scheme's usual port only.
    hosts: tuple[str, ...] = top["http_hosts"]
    for where, ref in ctx.http_hosts:
        if where in hosts:
            continue
        listed = f" (allowed: {', '.join(hosts)})" if hosts else ""
        ctx.report(ref.line, ref.path,
                   f"host {where!r} is not on the flow's http_hosts allow-list{listed}",
                   repr(where))
    if hosts and not ctx.http_hosts and "http_hosts" in mapping:
        ctx.report(key_line(mapping, "http_hosts"), "http_hosts",
                   "no http step uses these hosts: remove the list or add the step")
