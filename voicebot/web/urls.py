"""The URLs Twilio calls us at: continuation and callback URLs written into TwiML during a
webhook (`Urls`), and absolute ones built outside any request (the worker placing a call,
`public_url`). It imports nothing else of voicebot: telephony and the voicemail pipeline
build callback URLs with it without depending on the web edge's handlers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request, url_for


class Urls:
    """Continuation URLs are relative: Twilio resolves them against the URL it just called,
    which keeps them right behind ngrok or a proxy. Callbacks Twilio stores are absolute."""

    def step(self, state: str, turn: int, event: str) -> str:
        return url_for("twilio.step", s=state, t=turn, e=event)

    def queue_wait(self, state: str) -> str:
        return url_for("twilio.queue_wait", s=state)

    def recording_status(self) -> str:
        return absolute(url_for("twilio.recording"))

    def call_recording_status(self) -> str:
        return absolute(url_for("twilio.recording", kind="call"))

    def sms_status(self) -> str:
        return absolute(url_for("twilio.sms_status"))

    def transcription(self) -> str:
        return absolute(url_for("twilio.transcription"))

    def fallback_recording_status(self, from_: str, to: str) -> str:
        """The fallback answers without a database: who called which line travels in the
        recording callback's URL, which Twilio signs."""
        return absolute(url_for("twilio.recording") + "?" + urlencode(
            {"via": "fallback", "from": from_, "to": to}))


def absolute(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return base.rstrip("/") + path


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
