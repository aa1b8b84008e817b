"""Absolute URLs Twilio calls us at, built outside any request (the worker placing a call)."""

from __future__ import annotations

from typing import Any

from flask import Flask


class NoPublicUrl(RuntimeError):
    """Live telephony needs VOICEBOT_PUBLIC_URL for what Twilio fetches on its own."""


def public_url(app: Flask, endpoint: str, **values: Any) -> str:
    base = app.config.get("PUBLIC_URL")
    if not base:
        raise NoPublicUrl("VOICEBOT_PUBLIC_URL is not set: Twilio needs a public URL to reach "
                          f"{endpoint} (the ngrok or proxy URL the console points at)")
    path: str = app.url_map.bind("localhost").build(endpoint, values)
    return str(base).rstrip("/") + path


def public_url_or_none(app: Flask, endpoint: str, **values: Any) -> str | None:
    """For optional callbacks (delivery status): without a public URL we go without."""
    try:
        return public_url(app, endpoint, **values)
    except NoPublicUrl:
        return None
