"""Twilio webhook signatures: every `/twilio/*` request must carry a valid one."""

from __future__ import annotations

import base64
import hmac
import logging
import re
from collections.abc import Iterable
from hashlib import sha1

from flask import Config, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

log = logging.getLogger("voicebot.security")

# What a URL built from the WSGI environ needs no quoting, unquoting or IDNA decoding for: a
# part made only of these comes out of werkzeug's `request.url` exactly as it went in (see
# `signed_url`). Anything else (a "%", non-ASCII, upper case or "xn--" in the host, a port
# with a leading zero) is left to werkzeug.
_PLAIN_HOST = re.compile(r"(?!.*xn--)[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*(?::[1-9][0-9]{0,3})?")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=?@-]*")


def signed_url(req: Request | None = None, config: Config | None = None) -> str:
    """The URL Twilio signed. Behind ngrok or a TLS proxy Flask sees another scheme or host,
    so `PUBLIC_URL` replaces everything before the path. `req` and `config`: the request and
    the app's settings, if the caller has them at hand (each read through Flask's proxies
    costs a webhook a few thousand instructions; issue 15)."""
    req = req or request._get_current_object()  # type: ignore[attr-defined]
    public: str | None = (config or current_app.config).get("PUBLIC_URL")
    if not public:
        return request_url(req)
    query = req.query_string.decode()
    return public.rstrip("/") + req.path + (f"?{query}" if query else "")


def request_url(req: Request) -> str:
    """`req.url`, werkzeug's URL of the request as received (after ProxyFix), without its
    quoting and IRI round trip when no part needs them: that cost a webhook about 100k
    instructions (issue 15). Flask has already worked out and checked the host."""
    host, root, path = req.host, req.root_path, req.path
    query = req.environ.get("QUERY_STRING", "")
    if (_PLAIN_HOST.fullmatch(host) and _PLAIN_PATH.fullmatch(root)
            and _PLAIN_PATH.fullmatch(path) and _PLAIN_QUERY.fullmatch(query)
            and req.scheme in ("http", "https")):
        return f"{req.scheme}://{host}{root}{path}?{query}" if query else \
            f"{req.scheme}://{host}{root}{path}"
    return req.url


def signature(token: bytes, url: str, params: Iterable[tuple[str, list[str]]]) -> str:
    """Twilio's signature of a webhook (HMAC-SHA1, the legacy Auth Token scheme twilio's
    `RequestValidator.compute_signature` computes): the URL, then each parameter's name and
    value, names in order and each name's distinct values in order, base64. `params` is
    `MultiDict.lists()`: every value of a repeated parameter counts."""
    parts = [url]
    for name, values in sorted(params):  # names are distinct: the lists are never compared
        for value in sorted(set(values)) if len(values) > 1 else values:
            parts += (name, value)
    digest = hmac.new(token, "".join(parts).encode(), sha1).digest()
    return base64.b64encode(digest).decode()


def valid(token: str, url: str, form: MultiDict[str, str], signature_given: str) -> bool:
    """The URL as it came is what Twilio signs, so its signature is computed once and
    compared in constant time. Twilio's signer has also signed the URL with or without its
    default port, which twilio's own check accepts: a signature that does not match gets
    that whole check (two more HMACs), so what it accepts is accepted here too."""
    mine = signature(token.encode(), url, form.lists())
    return (hmac.compare_digest(mine.encode(), signature_given.encode())
            or RequestValidator(token).validate(url, form, signature_given))


def check_signature() -> None:
    config, req = current_app.config, request._get_current_object()  # type: ignore[attr-defined]
    if config["INSECURE_SKIP_SIGNATURE"]:
        log.warning("signature check is OFF (VOICEBOT_INSECURE_SKIP_SIGNATURE): accepted %s unsigned",
                    request.path)
        return
    signature_given = req.environ.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not signature_given or not valid(config["TWILIO_AUTH_TOKEN"], signed_url(req, config),
                                        req.form, signature_given):
        log.warning("rejected %s %s: %s Twilio signature", request.method, request.path,
                    "wrong" if signature_given else "missing")
        abort(403)
