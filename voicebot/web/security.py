"""Twilio webhook signatures: every `/twilio/*` request must carry a valid one."""

from __future__ import annotations

import hmac
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger("voicebot.security")


def signed_url() -> str:
    """The URL Twilio signed. Behind ngrok or a TLS proxy Flask sees another scheme or host,
    so `PUBLIC_URL` replaces everything before the path."""
    public: str | None = current_app.config.get("PUBLIC_URL")
    if not public:
        return request.url
    query = request.query_string.decode()
    return public.rstrip("/") + request.path + (f"?{query}" if query else "")


def valid(validator: RequestValidator, url: str, signature: str) -> bool:
    """twilio's check, which always computes two signatures (the URL with its port and
    without: Twilio's signer has been inconsistent); the URL as it came is one of the two, so
    its signature is tried first and a webhook signed over it costs one HMAC (issue 15). A
    signature that does not match it gets twilio's whole check."""
    mine = validator.compute_signature(url, request.form)
    return (hmac.compare_digest(mine.encode(), signature.encode())
            or validator.validate(url, request.form, signature))


def check_signature() -> None:
    config = current_app.config
    if config["INSECURE_SKIP_SIGNATURE"]:
        log.warning("signature check is OFF (VOICEBOT_INSECURE_SKIP_SIGNATURE): accepted %s unsigned",
                    request.path)
        return
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not valid(RequestValidator(config["TWILIO_AUTH_TOKEN"]), signed_url(),
                                  signature):
        log.warning("rejected %s %s: %s Twilio signature", request.method, request.path,
                    "wrong" if signature else "missing")
        abort(403)
