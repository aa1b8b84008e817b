"""Twilio webhook signatures: every `/twilio/*` request must carry a valid one."""

from __future__ import annotations

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


def check_signature() -> None:
    if current_app.config["INSECURE_SKIP_SIGNATURE"]:
        log.warning("signature check is OFF (VOICEBOT_INSECURE_SKIP_SIGNATURE): accepted %s unsigned",
                    request.path)
        return
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not signature or not validator.validate(signed_url(), request.form, signature):
        log.warning("rejected %s %s: %s Twilio signature", request.method, request.path,
                    "wrong" if signature else "missing")
        abort(403)
