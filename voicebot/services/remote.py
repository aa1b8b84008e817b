"""Asking or telling another system over HTTP (a CRM, a ticketing tool, an order lookup) for
a flow's `http` step.

One request, sent while Twilio waits for the webhook's answer: so the whole exchange has a
hard deadline (connecting, waiting and reading the body together), redirects are not followed
(a redirect could lead off the flow's allow-list of hosts), the body read is capped, and every
way it can go wrong is one `RemoteFailure` with a short reason the step turns into the flow's
fallback. Nothing here touches the database.

Signing (so the other side can trust the request): with a secret, two headers are added,

    X-Voicebot-Timestamp: 1764657600
    X-Voicebot-Signature: sha256=<hex HMAC-SHA256(secret, "TIMESTAMP\\nMETHOD\\nURL\\n" + body)>

where URL is the full URL sent (with its query string, for GET) and body the exact bytes sent
(empty for GET). The receiver recomputes it with the same secret and refuses a mismatch or an
old timestamp; `Idempotency-Key` lets it ignore a request Twilio's retried webhook repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import requests

MAX_BODY = 256 * 1024
"""Bytes read from an answer at most: an order lookup is a few hundred."""

Reason = Literal["timeout", "connect", "status", "json", "missing", "secret"]


class RemoteFailure(Exception):
    """The other system could not be asked, or its answer cannot be used."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Answer:
    status: int
    document: Any
    """The parsed JSON answer; None when the answer was not read (nothing to take from it)."""
    milliseconds: int


def signature(secret: str, timestamp: int, method: str, url: str, body: bytes) -> str:
    """The `X-Voicebot-Signature` value for one request."""
    message = f"{timestamp}\n{method}\n{url}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def exchange(url: str, *, method: str, send: Mapping[str, str], timeout: float,
             secret: str | None, key: str, read: bool) -> Answer:
    """Send `send` (a JSON object for POST, the query string for GET) and return the answer;
    `read`: the answer's JSON is wanted. Raises `RemoteFailure` on anything but a 2xx (and,
    when read, a JSON answer) within `timeout` seconds in all."""
    started = time.monotonic()
    deadline = started + timeout
    body = b""
    if method == "GET":
        if send:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(dict(send))}"
    else:
        body = json.dumps(dict(send), ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Accept": "application/json", "Idempotency-Key": key,
               "User-Agent": "voicebot"}
    if method != "GET":
        headers["Content-Type"] = "application/json; charset=utf-8"
    if secret is not None:
        stamp = int(time.time())
        headers["X-Voicebot-Timestamp"] = str(stamp)
        headers["X-Voicebot-Signature"] = signature(secret, stamp, method, url, body)
    try:
        with requests.request(method, url, data=body or None, headers=headers,
                              timeout=(timeout, timeout), allow_redirects=False,
                              stream=True) as reply:
            if not 200 <= reply.status_code < 300:
                raise RemoteFailure("status", str(reply.status_code))
            raw = _read(reply, deadline) if read else b""
    except requests.Timeout as exc:
        raise RemoteFailure("timeout", f"no answer within {timeout:g} s") from exc
    except requests.RequestException as exc:
        raise RemoteFailure("connect", type(exc).__name__) from exc
    document: Any = None
    if read:
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise RemoteFailure("json", "the answer is not JSON") from exc
    return Answer(reply.status_code, document, round((time.monotonic() - started) * 1000))


def _read(reply: requests.Response, deadline: float) -> bytes:
    # requests' read timeout is per socket read, and iter_content waits to fill each chunk: a
    # server trickling a byte at a time would trip neither. urllib3's read1 returns whatever
    # has arrived, so the deadline is checked after every bit of the answer.
    chunks: list[bytes] = []
    size = 0
    while chunk := reply.raw.read1(8192):
        if time.monotonic() > deadline:
            raise requests.Timeout("deadline passed while reading the answer")
        size += len(chunk)
        if size > MAX_BODY:
            raise RemoteFailure("json", f"the answer is longer than {MAX_BODY} bytes")
        chunks.append(chunk)
    if time.monotonic() > deadline:
        raise requests.Timeout("deadline passed while reading the answer")
    return b"".join(chunks)


def pick(document: Any, path: str) -> str:
    """The scalar at a dotted path (`order.status`, `items.0.name`) as text; RemoteFailure
    when it is absent or not a scalar."""
    here = document
    for part in path.split("."):
        if isinstance(here, Mapping) and part in here:
            here = here[part]
        elif isinstance(here, list) and part.isdigit() and int(part) < len(here):
            here = here[int(part)]
        else:
            raise RemoteFailure("missing", path)
    if here is None:
        return ""
    if isinstance(here, bool):
        return "yes" if here else "no"
    if isinstance(here, str | int | float):
        return str(here)
    raise RemoteFailure("missing", f"{path} is not a single value")
