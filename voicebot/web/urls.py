"""The URLs Twilio calls us at from the TwiML a webhook writes: continuation URLs and
callback URLs (`Urls`). Absolute ones built outside any request (the worker placing a call,
sending an SMS or mailing a voicemail) are `voicebot.telephony.public_url`: code below the
web edge builds them without importing it."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for


class Urls:
    """Continuation URLs are relative: Twilio resolves them against the URL it just called,
    which keeps them right behind ngrok or a proxy. Callbacks Twilio stores are absolute."""

    def step(self, state: str, turn: int, event: str) -> str:
        return url_for("twilio.step", s=state, t=turn, e=event)

    def queue_wait(self, state: str) -> str:
        return url_for("twilio.queue_wait", s=state)

    def whisper(self, call_sid: str, state: str, turn: int, member: str) -> str:
        # Absolute: Twilio fetches it on the staff member's leg, not the caller's document.
        return absolute(url_for("twilio.whisper", c=call_sid, s=state, t=turn, m=member,
                                e="ask"))

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
